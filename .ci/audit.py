"""Audit the locked dependencies for known vulnerabilities, as fully as this machine allows.

1. pip-audit, strictly, on the hash-locked files, against PyPI's per-release JSON API (its
   default) or OSV, whichever answers: a known vulnerability, or a package it could not look
   up, fails the run.
2. Where neither answers (a machine that reaches PyPI only through a mirror that serves the
   project JSON but not the per-release JSON, and no OSV), a partial audit: PyPI's project
   JSON lists the known vulnerabilities of the newest release, so every pin that IS the newest
   release is audited (a finding fails the run); the pins that are not are listed as not
   audited, with the newest release of their series. AUDIT_REQUIRED=1 makes that a failure.
"""

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ["requirements.lock", "requirements-dev.lock"]
VENV_BIN = ROOT / ".venv" / "bin"
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)")
# The partial audit never holds CI up for long on a slow mirror.
BUDGET_SECONDS = 180


def _get(url: str, body: dict | None = None) -> dict | None:
    data = json.dumps(body).encode() if body else None
    request = urllib.request.Request(  # noqa: S310  (fixed https hosts)
        url, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            payload = json.load(response)
    except (urllib.error.URLError, TimeoutError, ValueError, OSError):
        return None
    return payload if isinstance(payload, dict) else None


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for lock in LOCKS:
        for line in (ROOT / lock).read_text().splitlines():
            match = PIN.match(line)
            if match:
                pins[match.group(1).lower()] = match.group(2)
    return pins


def _pip_audit(service: str) -> int:
    command = [str(VENV_BIN / "pip-audit"), "--strict", "--require-hashes", "--disable-pip"]
    command += ["--progress-spinner", "off", "-s", service]
    for lock in LOCKS:
        command += ["-r", str(ROOT / lock)]
    print(f"   pip-audit against {service}")
    return subprocess.run(command, cwd=ROOT, check=False).returncode  # noqa: S603


def _key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else -1 for p in re.split(r"[.\-+]", version))


def _partial(pins: dict[str, str]) -> int:
    findings: list[str] = []
    unaudited: list[str] = []
    deadline = time.monotonic() + BUDGET_SECONDS
    for name, version in sorted(pins.items()):
        if time.monotonic() > deadline:
            unaudited.append(f"{name}=={version} (time budget spent)")
            continue
        project = _get(f"https://pypi.org/pypi/{name}/json")
        if project is None:
            unaudited.append(f"{name}=={version} (no answer)")
            continue
        latest = project["info"]["version"]
        if latest != version:
            series = ".".join(version.split(".")[:2]) + "."
            same = [v for v in project.get("releases", {}) if v.startswith(series)]
            newest = max(same, key=_key) if same else "unknown"
            unaudited.append(f"{name}=={version} (newest {latest}; of its series {newest})")
            continue
        for vuln in project.get("vulnerabilities") or []:
            if vuln.get("withdrawn"):
                continue
            fixed = ", ".join(vuln.get("fixed_in") or []) or "no fix yet"
            findings.append(f"{name}=={version}: {vuln.get('id')} (fixed in {fixed})")
    audited = len(pins) - len(unaudited)
    print(f"   partial audit: {audited} of {len(pins)} pins audited (they are the newest release)")
    for line in findings:
        print(f"!! VULNERABLE {line}")
    if unaudited:
        print("   not audited here (older than the newest release; pip-audit checks them where")
        print("   the per-release API answers):")
        for line in unaudited:
            print(f"     {line}")
    if findings:
        return 1
    return 1 if unaudited and os.environ.get("AUDIT_REQUIRED") == "1" else 0


def main() -> int:
    print("== dependency audit")
    pins = _pins()
    django = pins.get("django", "6.1.3")
    if _get(f"https://pypi.org/pypi/django/{django}/json") is not None:
        return _pip_audit("pypi")
    osv_probe = {"package": {"name": "django", "ecosystem": "PyPI"}, "version": django}
    if _get("https://api.osv.dev/v1/query", osv_probe) is not None:
        return _pip_audit("osv")
    print(
        "!! pip-audit cannot run here: PyPI's per-release JSON API and api.osv.dev do not answer."
    )
    if _get("https://pypi.org/pypi/django/json") is None:
        print("!! AUDIT NOT RUN: no vulnerability data is reachable from this machine.")
        return 1 if os.environ.get("AUDIT_REQUIRED") == "1" else 0
    return _partial(pins)


if __name__ == "__main__":
    sys.exit(main())
