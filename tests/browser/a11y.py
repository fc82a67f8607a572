"""Accessibility checks in the browser: axe-core (vendored) and the layout at small widths.

axe is added with `context.add_init_script`, which the page's Content-Security-Policy does not
block (an inline <script> would be), and runs the WCAG 2.0/2.1 A and AA rules, plus axe's best
practices on the pages this project writes. A test fails on any violation of impact "serious" or
"critical". Pages built from Django's stock admin templates are held to the WCAG rules only: the
stock search box labels itself with an icon's alt text, which a best-practice rule flags
(label-title-only) although it satisfies WCAG 1.3.1 and 4.1.2.
"""

from pathlib import Path

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


def with_axe(context) -> None:
    context.add_init_script(path=str(AXE))


def loaded(page) -> None:
    """Wait for the page's "load" (its stylesheet and script) before judging it. A click that
    submits a form returns once the next page starts loading; the browser may then revalidate
    the static files (the live server's clock is the suite's, the files' dates are real)."""
    page.wait_for_load_state("load")


def axe_violations(page, *, best_practice: bool = True) -> list[dict]:
    loaded(page)
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
            }));
        }""",
        [*WCAG, "best-practice"] if best_practice else WCAG,
    )
    return [v for v in result if v["impact"] in BLOCKING]


def assert_accessible(page, where: str = "", *, best_practice: bool = True) -> None:
    """No serious or critical violation; `best_practice=False` checks the WCAG rules only."""
    violations = axe_violations(page, best_practice=best_practice)
    assert not violations, f"{where or page.url}: " + "; ".join(
        f"{v['impact']} {v['id']} ({v['help']}) at {v['nodes']}" for v in violations
    )


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when it fits)."""
    loaded(page)
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )
