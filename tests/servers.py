"""The processes tests start, and how: one way for each kind of server.

- `free_port()`, `wait_port()`;
- `Process`: a child process in its own process group, its output kept in a file, signalled
  as a whole group (systemd's `KillMode=control-group`) or its main process only;
- `CeleryWorker`: `celery -A config worker`, started and waited for until it is ready;
- `Gunicorn`: the portal served by gunicorn (`config.wsgi:application`), started and waited for
  until every worker has booted and a page answers; `served()` reads its access log;
- `production_env()`: the environment of a process on `config.settings.production` against
  the test database pytest-django made and the checkout's own Redis database;
- `collectstatic()`: config/Dockerfile's own `collectstatic` line. Production serves static
  files from the hashed manifest that command writes (WhiteNoise's
  CompressedManifestStaticFilesStorage), and a page cannot render without it: every server on
  production's settings gets `STATIC_ROOT` from the `collected_static` fixture
  (tests/conftest.py), collected once per run.

tests/faults/ builds the portal on private services from these; tests/bookings/ and
tests/notifications/ start servers on the test database with them.
"""

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# An access-log line: the worker's pid, the request, the status and how long it took.
ACCESS_FORMAT = "%(p)s %(m)s %(U)s %(s)s %(M)sms"
ACCESS_LINE = re.compile(r"^<(\d+)> (\S+) (\S+) (\d{3}) \d+ms$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, *, timeout: float = 30.0, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"process exited ({process.returncode})") from None
            time.sleep(0.05)
    raise RuntimeError(f"nothing answers on port {port} after {timeout} s")


def wait_for(predicate, *, timeout: float = 20.0, interval: float = 0.1):
    """The first true value of `predicate()` within `timeout` s, else its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


class Process:
    """A child process in its own group: started, waited for, signalled, its output kept."""

    def __init__(self, name: str, argv: list[str], *, env: dict, log: Path):
        self.name = name
        self.argv = argv
        self.env = env
        self.log = log
        self.popen: subprocess.Popen | None = None

    def start(self) -> "Process":
        with open(self.log, "ab") as out:
            self.popen = subprocess.Popen(  # noqa: S603 - argv from the tests
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_output(self, text: str, *, timeout: float = 60.0, since: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text.encode() in self.log.read_bytes()[since:]:
                return
            if not self.running():
                raise RuntimeError(f"{self.name} exited:\n{self.tail()}")
            time.sleep(0.1)
        raise RuntimeError(f"{self.name}: no {text!r} after {timeout} s:\n{self.tail()}")

    def signal(self, sig: int, *, group: bool = True) -> None:
        """`sig` to the whole process group (as systemd's KillMode=control-group does), or
        with group=False to the main process only."""
        if not self.running():
            return
        if group:
            os.killpg(self.pid, sig)
        else:
            os.kill(self.pid, sig)

    def wait_exit(self, timeout: float) -> int | None:
        """The exit status, or None if the process is still running after `timeout` s."""
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, *, timeout: float = 20.0) -> None:
        if not self.running():
            self._reap_group()
            return
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.popen.wait(timeout=10)
        self._reap_group()

    def kill(self) -> None:
        if self.running():
            self.signal(signal.SIGKILL)
            self.popen.wait(timeout=10)
        self._reap_group()

    def _reap_group(self) -> None:
        # Children left in the group (a pool process whose parent died) are ended too.
        if self.popen is None:
            return
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output().splitlines()[-lines:])


class Gunicorn(Process):
    """`gunicorn config.wsgi:application` on a free port, with `workers` sync workers.

    `options` are more of gunicorn's arguments (a config file, time-outs). The access log goes
    to `access_log` (a path, or "-" for the process's output; None: off) in ACCESS_FORMAT
    unless `access_format` is given. No `--preload`, as deployed: each worker imports the
    application itself.
    """

    def __init__(
        self,
        *,
        env: dict,
        log_dir: Path,
        workers: int = 2,
        options: tuple | list = (),
        access_log: Path | str | None = None,
        access_format: str | None = ACCESS_FORMAT,
        port: int | None = None,
        name: str = "gunicorn",
    ):
        self.port = port or free_port()
        self.workers = workers
        self.access_log = access_log
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            *options,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--log-level",
            "info",
            "--error-logfile",
            "-",
        ]
        if access_log is not None:
            argv += ["--access-logfile", str(access_log)]
            if access_format:
                argv += ["--access-logformat", access_format]
        super().__init__(name, argv, env=env, log=log_dir / f"{name}.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(
        self, *, ready: str | None = "/", host: str | None = None, timeout: float = 60.0
    ) -> "Gunicorn":
        """Started, every worker booted, and (unless `ready` is None) GET `ready` answered 200
        as through the TLS proxy (`X-Forwarded-Proto: https`; `Host: host` if given)."""
        super().start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise RuntimeError(f"gunicorn exited:\n{self.tail(60)}")
            if self.output().count("Booting worker with pid") >= self.workers:
                if ready is None:
                    wait_port(self.port, timeout=deadline - time.monotonic(), process=self.popen)
                    return self
                if self._status(ready, host) == 200:
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready:\n{self.tail(60)}")

    def _status(self, path: str, host: str | None) -> int:
        headers = {"X-Forwarded-Proto": "https"}
        if host:
            headers["Host"] = host
        request = urllib.request.Request(self.url + path, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0

    def served(self) -> list[tuple[int, str, str, int]]:
        """(worker pid, method, path, status) of every request answered, in order (with the
        access log in ACCESS_FORMAT)."""
        if self.access_log in (None, "-"):
            text = self.output()
        else:
            path = Path(self.access_log)
            text = path.read_text(errors="replace") if path.exists() else ""
        return [
            (int(m[1]), m[2], m[3], int(m[4]))
            for m in map(ACCESS_LINE.match, text.splitlines())
            if m
        ]


class CeleryWorker(Process):
    """`celery -A config worker` (prefork, `concurrency` pool processes) in its own process
    group; `start()` returns once it is ready to receive."""

    def __init__(self, *, name: str, env: dict, log: Path, concurrency: int, hostname: str):
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel=INFO",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname={hostname}@%h",
        ]
        super().__init__(name, argv, env=env, log=log)

    def start(self, *, timeout: float = 60.0) -> "CeleryWorker":
        super().start()
        self.wait_for_output("ready.", timeout=timeout)
        return self


def test_database_url() -> str:
    """The test database pytest-django made, as DATABASE_URL for a server process."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # not a test, whatever its name


def production_env(*, static_root: Path, **extra: str) -> dict[str, str]:
    """The environment of a process on production's settings, on the test database and the
    checkout's Redis database (cache, broker), with the collected static files. `extra`
    overrides or adds variables (a provider, a SECRET_KEY the test signs sessions with)."""
    from django.conf import settings

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "PYTEST_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=settings.SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=test_database_url(),
        REDIS_URL=settings.REDIS_TEST_URL,
        EMAIL_PROVIDER="smtp",
        EMAIL_HOST="127.0.0.1",  # nothing reaches it unless a test gives it a port
        STATIC_ROOT=str(static_root),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def dockerfile_collectstatic() -> tuple[dict[str, str], list[str]]:
    """The environment and argv of config/Dockerfile's `RUN … collectstatic` line."""
    text = (ROOT / "config" / "Dockerfile").read_text().replace("\\\n", " ")
    line = next(ln for ln in text.splitlines() if ln.startswith("RUN ") and "collectstatic" in ln)
    words = shlex.split(line[len("RUN ") :])
    env = {}
    while "=" in words[0]:
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    assert words[0] == "python", words
    return env, [sys.executable, *words[1:]]


def collectstatic(static_root: Path) -> Path:
    """Run the Dockerfile's collectstatic into `static_root`, as the image build does."""
    build_env, argv = dockerfile_collectstatic()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(build_env, STATIC_ROOT=str(static_root))
    done = subprocess.run(  # noqa: S603 - fixed argv
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert (static_root / "staticfiles.json").exists(), done.stdout[-2000:]
    return static_root
