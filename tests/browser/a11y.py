"""Accessibility checks in the browser: axe-core (vendored) and the layout at small widths.

axe is added with `context.add_init_script`, which the page's Content-Security-Policy does not
block (an inline <script> would be), and runs the WCAG 2.0/2.1 A and AA rules, plus axe's best
practices on the pages this project writes. A test fails on any violation of impact "serious" or
"critical". Pages built from Django's stock admin templates are held to the WCAG rules only: the
stock search box labels itself with an icon's alt text, which a best-practice rule flags
(label-title-only) although it satisfies WCAG 1.3.1 and 4.1.2.

Every check is also recorded (`tests/browser/a11y_report.py`): the page as its URL pattern
(/r/<token>/), the language, the width, what was checked and what was found. The published
accessibility page (/accessibility/) shows the report `make a11y-report` writes from them.
"""

from pathlib import Path

from .a11y_report import record

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
IMPACTS = ["critical", "serious", "moderate", "minor"]


def with_axe(context) -> None:
    context.add_init_script(path=str(AXE))


def loaded(page) -> None:
    """Wait for the page's "load" (its stylesheet and script) before judging it. A click that
    submits a form returns once the next page starts loading; the browser may then revalidate
    the static files (the live server's clock is the suite's, the files' dates are real)."""
    page.wait_for_load_state("load")


def axe_run(page, tags: list[str]) -> dict:
    """axe's version and its violations (every impact) on the page as it is now."""
    loaded(page)
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return {version: axe.version, violations: r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
            }))};
        }""",
        tags,
    )


def axe_violations(page, *, best_practice: bool = True) -> list[dict]:
    """The serious and critical violations; every check is recorded for the report."""
    tags = [*WCAG, "best-practice"] if best_practice else WCAG
    result = axe_run(page, tags)
    found = dict.fromkeys(IMPACTS, 0)
    for violation in result["violations"]:
        found[violation["impact"]] = found.get(violation["impact"], 0) + 1
    record(page, "axe", {"axe": result["version"], "tags": tags, "violations": found})
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def assert_accessible(page, where: str = "", *, best_practice: bool = True) -> None:
    """No serious or critical violation; `best_practice=False` checks the WCAG rules only."""
    violations = axe_violations(page, best_practice=best_practice)
    assert not violations, f"{where or page.url}: " + "; ".join(
        f"{v['impact']} {v['id']} ({v['help']}) at {v['nodes']}" for v in violations
    )


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when it fits); recorded."""
    loaded(page)
    overflow = page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )
    record(page, "fits", overflow <= 0)
    return overflow


def operated_by_keyboard(page) -> None:
    """Record that a test reached and used this page's controls with the keyboard alone."""
    record(page, "keyboard", True)


def assert_announced(page, role: str, name: str) -> None:
    """The page has a `role` element whose accessible name (what a screen reader says) is
    exactly `name`, visually hidden words included; recorded."""
    locator = page.get_by_role(role, name=name, exact=True)
    assert locator.count() >= 1, f"{page.url}: no {role} announced as {name!r}"
    record(page, "announced", f"{role}: {name}")
