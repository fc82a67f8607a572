"""The deployment serves a working site (issue 15, 4): production settings, run by gunicorn with
two workers, behind the Caddyfile of docker-compose.yml in a real Caddy.

What docker-compose.yml does, done here with the same files and commands: a fresh PostgreSQL
database migrated once by `manage.py migrate` (the `migrate` service), static files collected by
config/Dockerfile's own `collectstatic` line, gunicorn started with config/gunicorn.conf.py, and
Caddy with config/Caddyfile (its local authority issues the certificate for `localhost`). Then
the site is used over HTTPS as a browser would: pages, the CSS and the JS, HTTP redirected, the
client's address read through the proxy.
"""

import gzip
import http.client
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings

from tests.clock import install_database_clock
from tests.servers import Gunicorn, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.caddy]

ROOT = Path(__file__).resolve().parents[2]
HASHED = r"[0-9a-f]{12}"
TEN_YEARS_IMMUTABLE = "max-age=315360000, public, immutable"


def run(argv: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 - fixed argv
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]


def wait_until(check, what: str, processes, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process, log in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{what}: exited\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if check():
                return
        except (OSError, ssl.SSLError):
            pass
        time.sleep(0.2)
    logs = "\n".join(log.read_text(errors="replace")[-2000:] for _, log in processes)
    raise RuntimeError(f"{what}: timed out\n{logs}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class Site:
    def __init__(self, *, https_port: int, http_port: int, gunicorn_port: int, ca: Path, db: str):
        self.https_port = https_port
        self.http_port = http_port
        self.gunicorn_port = gunicorn_port
        self.ca = ca
        self.db = db
        self.static_root: Path | None = None
        self.gunicorn_log: Path | None = None

    def https(self, path: str, headers=None, source: str = "127.0.0.1"):
        context = ssl.create_default_context(cafile=str(self.ca))
        connection = http.client.HTTPSConnection(
            "localhost",
            self.https_port,
            context=context,
            timeout=30,
            source_address=(source, 0),
        )
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response, response.read()
        finally:
            connection.close()

    def http(self, port: int, path: str, headers=None):
        connection = http.client.HTTPConnection("localhost", port, timeout=30)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response, response.read()
        finally:
            connection.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory, collected_static):
    tmp = tmp_path_factory.mktemp("deploy")
    server = urlsplit(settings.PG_URL)
    db = f"hwbook_deploy_{os.getpid()}_{secrets.token_hex(3)}"
    admin_dsn = urlunsplit(server._replace(path="/postgres"))
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{db}"')
    with psycopg.connect(urlunsplit(server._replace(path=f"/{db}")), autocommit=True) as connection:
        install_database_clock(connection.cursor())  # the suite's clock (tests/clock.py)
    site = Site(
        https_port=free_port(),
        http_port=free_port(),
        gunicorn_port=free_port(),
        ca=tmp / "caddy" / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt",
        db=urlunsplit(server._replace(path=f"/{db}")),
    )
    # config/Dockerfile's own collectstatic line, run once for the whole suite (tests/servers.py).
    site.static_root = collected_static
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="localhost",
        SITE_URL=f"https://localhost:{site.https_port}",
        DATABASE_URL=site.db,
        REDIS_URL=settings.REDIS_TEST_URL,
        EMAIL_PROVIDER="smtp",
        EMAIL_HOST="127.0.0.1",
        # As docker-compose.yml sets it: exactly the one proxy in front.
        TRUSTED_PROXY_COUNT="1",
        STATIC_ROOT=str(site.static_root),
    )
    processes = []
    servers = []
    try:
        # docker-compose.yml's one-shot `migrate` service.
        run([sys.executable, "manage.py", "migrate", "--noinput"], env)
        gunicorn = Gunicorn(
            env=env,
            log_dir=tmp,
            workers=2,
            options=["--config=config/gunicorn.conf.py"],
            port=site.gunicorn_port,
        )
        site.gunicorn_log = gunicorn.log
        servers.append(gunicorn)
        # Booted, and answering (through the proxy's header; without it, the HTTPS redirect).
        gunicorn.start(host="localhost")
        processes.append((gunicorn.popen, gunicorn.log))

        caddy_home = tmp / "caddy"
        caddy_home.mkdir()
        caddy_log = tmp / "caddy.log"
        with open(caddy_log, "wb") as out:
            caddy = subprocess.Popen(  # noqa: S603 - fixed argv
                [
                    shutil.which("caddy"),
                    "run",
                    "--config",
                    str(ROOT / "config" / "Caddyfile"),
                    "--adapter",
                    "caddyfile",
                ],
                cwd=caddy_home,
                env={
                    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                    "HOME": str(caddy_home),
                    "XDG_DATA_HOME": str(caddy_home / "data"),
                    "XDG_CONFIG_HOME": str(caddy_home / "config"),
                    # What docker-compose.yml's proxy service sets, with ports of this test.
                    "SITE_ADDRESS": "localhost",
                    "UPSTREAM": f"127.0.0.1:{site.gunicorn_port}",
                    "HTTP_PORT": str(site.http_port),
                    "HTTPS_PORT": str(site.https_port),
                },
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        processes.append((caddy, caddy_log))

        wait_until(
            lambda: site.ca.exists() and site.https("/")[0].status == 200,
            "HTTPS through Caddy",
            processes,
        )
        yield site
    finally:
        for process, _ in reversed(processes):
            stop(process)
        for server in servers:
            server.stop()
        with psycopg.connect(admin_dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def _assets(html: str) -> dict[str, str]:
    return {
        "css": re.search(rf'href="(/static/css/site\.{HASHED}\.css)"', html).group(1),
        "js": re.search(rf'src="(/static/js/site\.{HASHED}\.js)"', html).group(1),
    }


def test_the_start_page_is_served_over_https_with_hashed_assets(site):
    response, body = site.https("/")
    html = body.decode()
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert "max-age=31536000" in response.getheader("Strict-Transport-Security")
    assert "no-store" in response.getheader("Cache-Control")
    _assets(html)  # both found, with their hash
    assert "/static/css/site.css" not in html and "/static/js/site.js" not in html


@pytest.mark.parametrize(
    ("asset", "source", "content_type"),
    [
        ("css", "static/css/site.css", "text/css"),
        ("js", "static/js/site.js", "text/javascript"),
    ],
)
def test_the_css_and_the_js_are_served_for_ten_years_and_compressed(
    site, asset, source, content_type
):
    url = _assets(site.https("/")[1].decode())[asset]
    response, body = site.https(url)
    assert response.status == 200
    assert response.getheader("Content-Type").startswith(content_type)
    assert response.getheader("Cache-Control") == TEN_YEARS_IMMUTABLE
    assert body == (ROOT / source).read_bytes()

    response, body = site.https(url, headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(body) == (ROOT / source).read_bytes()


def test_plain_http_is_redirected_to_https_by_the_proxy(site):
    response, _ = site.http(site.http_port, "/book/?x=1")
    assert response.status == 308
    location = urlsplit(response.getheader("Location"))
    assert (location.scheme, location.hostname, location.path, location.query) == (
        "https",
        "localhost",
        "/book/",
        "x=1",
    )


def test_without_the_proxy_gunicorn_itself_sends_http_to_https(site):
    """SECURE_SSL_REDIRECT stays on: the proxy, by saying the request came over HTTPS
    (X-Forwarded-Proto), is what lets a page through."""
    response, _ = site.http(site.gunicorn_port, "/")
    assert response.status == 301
    location = urlsplit(response.getheader("Location"))
    assert (location.scheme, location.hostname, location.path) == ("https", "localhost", "/")


def test_the_admin_login_works_through_the_proxy(site):
    response, body = site.https("/admin/login/")
    assert response.status == 200
    cookies = response.getheader("Set-Cookie")
    assert cookies.startswith("__Host-csrftoken=") and "Secure" in cookies
    assert b'name="csrfmiddlewaretoken"' in body


def test_the_client_address_is_read_through_exactly_one_proxy(site):
    """TRUSTED_PROXY_COUNT=1 matches Caddy: the usage record (Art 7) holds the address the
    client connected from (127.0.0.3, not gunicorn's peer 127.0.0.1), and an X-Forwarded-For
    the client wrote itself changes nothing."""
    path = f"/privacy/?page={secrets.randbelow(10**6)}"
    response, _ = site.https(path, headers={"X-Forwarded-For": "203.0.113.9"}, source="127.0.0.3")
    assert response.status == 200
    with psycopg.connect(site.db) as connection:
        rows = connection.execute(
            "SELECT ip_address FROM jobseekers_usagerecord WHERE path = %s", [path]
        ).fetchall()
    assert [str(ip) for (ip,) in rows] == ["127.0.0.3"]
