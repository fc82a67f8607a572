"""docker-compose.yml, config/Dockerfile, .dockerignore and the systemd unit in docs/ say what
docs/operations.md promises: one proxy in front, migrations once, workers stopped warm.

Docker cannot run here; `.ci/run` validates the compose file with `docker-compose config -q`,
and tests/deploy/test_served_site.py serves the production settings behind the same Caddyfile
with the Dockerfile's collectstatic line. These read the files for what those cannot show.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from notifications.tasks import SEND_OPTIONS

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ["web", "worker", "beat"]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _seconds(duration: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([smh])", duration))


def test_only_the_proxy_is_published_and_it_runs_the_repositorys_caddyfile(compose):
    services = compose["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    proxy = services["proxy"]
    assert {"80:80", "443:443"} <= set(proxy["ports"])
    assert "./config/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert proxy["environment"]["UPSTREAM"] == "web:8000"
    assert "8000" in services["web"]["expose"]


def test_the_portal_trusts_exactly_the_one_proxy(compose):
    for name in [*APP_SERVICES, "migrate"]:
        environment = compose["services"][name]["environment"]
        assert environment["TRUSTED_PROXY_COUNT"] == "1", name
        assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production", name
        assert environment["SITE_URL"].startswith("https://"), name


def test_migrations_run_once_before_web_worker_and_beat(compose):
    services = compose["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["db"] == {"condition": "service_healthy"}, name
        command = " ".join(services[name]["command"])
        assert "migrate" not in command and "collectstatic" not in command, name


def test_web_runs_gunicorn_with_the_repositorys_config(compose):
    command = compose["services"]["web"]["command"]
    assert command[0] == "gunicorn"
    assert "--config=config/gunicorn.conf.py" in command
    assert command[-1] == "config.wsgi:application"
    assert _seconds(compose["services"]["web"]["stop_grace_period"]) > 30  # graceful_timeout


def test_a_worker_is_stopped_warm_with_time_to_finish_a_send(compose):
    worker = compose["services"]["worker"]
    assert worker["init"] is True  # the signal goes to Celery's main process only
    assert worker["stop_signal"] == "SIGTERM"
    assert _seconds(worker["stop_grace_period"]) > SEND_OPTIONS["time_limit"]


def test_the_image_collects_static_files_and_keeps_secrets_out():
    dockerfile = (ROOT / "config" / "Dockerfile").read_text()
    assert "collectstatic --noinput" in dockerfile
    assert 'CMD ["gunicorn", "--config=config/gunicorn.conf.py"' in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".git", ".venv", "var/", "db.sqlite3"} <= set(ignored)


UNIT = ROOT / "docs" / "systemd" / "hwbook-worker.service"


def _unit_settings() -> dict[str, str]:
    return dict(
        line.split("=", 1)
        for line in UNIT.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )


def test_the_systemd_unit_stops_the_main_process_only_and_waits_for_the_send():
    unit = _unit_settings()
    assert unit["KillMode"] == "mixed"
    assert unit["KillSignal"] == "SIGTERM"
    assert int(unit["TimeoutStopSec"]) > SEND_OPTIONS["time_limit"]
    assert " worker " in unit["ExecStart"]


def test_systemd_accepts_the_unit(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    celery = shutil.which("celery") or str(ROOT / ".venv" / "bin" / "celery")
    environment = tmp_path / "env"
    environment.write_text("DJANGO_SETTINGS_MODULE=config.settings.production\n")
    text = (
        UNIT.read_text()
        .replace("/opt/hwbook/.venv/bin/celery", celery)
        .replace("WorkingDirectory=/opt/hwbook", f"WorkingDirectory={ROOT}")
        .replace("EnvironmentFile=/etc/hwbook/env", f"EnvironmentFile={environment}")
    )
    copy = tmp_path / UNIT.name
    copy.write_text(text)
    result = subprocess.run(  # noqa: S603 - fixed argv
        [analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60, check=False
    )
    # systemd-analyze names a value it cannot parse on stderr, and still exits 0.
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr
