"""meetings/ stands apart: it imports none of the portal's apps (issue 17 layers them; the
wiring of issue 20 calls meetings/ from above, never the other way round)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "meetings"
APPS = {"bookings", "jobseekers", "consent", "notifications", "offices", "security", "config"}


def test_meetings_imports_no_app_of_the_portal():
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] in APPS]
    assert list(PACKAGE.rglob("*.py")), "meetings/ was not found"
    assert found == []
