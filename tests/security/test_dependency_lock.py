"""The lock files hold every pin of requirements*.txt, at the same version, with hashes."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAIRS = [
    ("requirements.txt", "requirements.lock"),
    ("requirements-dev.txt", "requirements-dev.lock"),
]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;\\]+)")
STALE = "is stale: run `make lock` after changing requirements*.txt, and commit both .lock files"


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        match = PIN.match(line.strip())
        if match:
            pins[_name(match.group(1))] = match.group(2)
    return pins


def _locked(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes)."""
    entries: dict[str, tuple[str, int]] = {}
    current = None
    for line in path.read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = _name(match.group(1))
            entries[current] = (match.group(2), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, count = entries[current]
            entries[current] = (version, count + 1)
        elif not line.startswith(" "):
            current = None
    return entries


@pytest.mark.parametrize(("source", "lock"), PAIRS)
def test_every_pin_is_locked_at_its_version(source, lock):
    locked = _locked(ROOT / lock)
    pins = _pins(ROOT / source)
    if source == "requirements-dev.txt":
        pins |= _pins(ROOT / "requirements.txt")
    for name, version in pins.items():
        assert name in locked, f"{name} is missing from {lock}: {lock} {STALE}"
        assert locked[name][0] == version, (
            f"{name}=={version} but {lock} has {locked[name][0]}: {STALE}"
        )


@pytest.mark.parametrize("lock", [lock for _, lock in PAIRS])
def test_every_locked_package_has_a_hash(lock):
    locked = _locked(ROOT / lock)
    assert len(locked) > 10
    for name, (_, hashes) in locked.items():
        assert hashes > 0, f"{name} has no hash in {lock}"


def test_the_runtime_and_dev_locks_agree():
    runtime = _locked(ROOT / "requirements.lock")
    dev = _locked(ROOT / "requirements-dev.lock")
    for name, (version, _) in runtime.items():
        assert dev.get(name, (version,))[0] == version, f"{name}: the two locks differ; {STALE}"
