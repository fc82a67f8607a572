"""Count cross-app imports per ordered pair of top-level packages.

Every `import x` / `from x import y` statement (module level or inside a function) in the
project's own Python files, migrations and tests left out, whose target is another of the
project's top-level packages counts once. Usage: python .ci/import_counts.py [--markdown] [--root DIR]
"""

import ast
import sys
from collections import Counter
from pathlib import Path

ROOT = (
    Path(sys.argv[sys.argv.index("--root") + 1]).resolve()
    if "--root" in sys.argv
    else Path(__file__).resolve().parent.parent
)
SKIP = {".venv", "var", "tests", "bench", "node_modules", ".git", "static", "templates", "locale"}


def packages():
    return sorted(
        p.name
        for p in ROOT.iterdir()
        if p.is_dir() and p.name not in SKIP and (p / "__init__.py").exists()
    )


def count():
    apps = set(packages())
    pairs = Counter()
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] not in apps or "migrations" in rel.parts:
            continue
        source = rel.parts[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(rel))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = {node.module.split(".")[0]}
            else:
                continue
            for target in targets:
                if target in apps and target != source:
                    pairs[(source, target)] += 1
    return pairs


def main():
    pairs = count()
    markdown = "--markdown" in sys.argv
    if markdown:
        print("| from | to | imports |")
        print("| --- | --- | ---: |")
    for (source, target), n in sorted(pairs.items()):
        back = pairs.get((target, source), 0)
        flag = "  (both ways)" if back else ""
        if markdown:
            print(f"| {source} | {target} | {n}{' ↔' if back else ''} |")
        else:
            print(f"{source:>14} → {target:<14} {n:>4}{flag}")
    mutual = {frozenset(p) for p in pairs if (p[1], p[0]) in pairs}
    print(f"\n{sum(pairs.values())} cross-app imports, {len(mutual)} pairs importing each other")


if __name__ == "__main__":
    main()
