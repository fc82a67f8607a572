"""Private Redis and PostgreSQL servers that a test may stop, restart and break.

The machine's shared servers (127.0.0.1:5432 and :6379) serve every checkout's tests at once:
a fault test never touches them. Each server here runs on a free port, in its own temporary
directory, as a child of the test process, and is removed at the end.

PostgreSQL refuses to run as root: when the tests run as root, the cluster is made and run
as the `postgres` user through `runuser`.
"""

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.servers import free_port, wait_port


def postgres_bin() -> Path | None:
    """The directory of initdb and pg_ctl (Debian keeps them out of PATH)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        return Path(candidate).parent
    return None


def missing_tools() -> list[str]:
    """What this machine lacks to run the fault tests (empty when it has everything)."""
    missing = []
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    if postgres_bin() is None:
        missing.append("PostgreSQL's initdb and pg_ctl")
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            missing.append("runuser (to run PostgreSQL as postgres)")
        else:
            try:
                import pwd

                pwd.getpwnam("postgres")
            except KeyError:
                missing.append("a postgres user")
    return missing


class PrivateRedis:
    """`redis-server` on a free port, without persistence: a restart comes back empty, as a
    Redis restarted without its data would."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "PrivateRedis":
        self.starts += 1
        log = open(self.directory / f"redis-{self.starts}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_port(self.port, process=self.process)
        return self

    def stop(self) -> None:
        """Gone at once, as a crash or `systemctl stop`: connections are refused."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def pause(self) -> None:
        """Still accepting connections but answering nothing (a hung server)."""
        if self.process is not None:
            self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)


class PrivatePostgres:
    """A PostgreSQL cluster of its own (initdb in a temporary directory, a free port)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.data = directory / "data"
        self.log = directory / "postgres.log"
        self.port = free_port()
        self.bin = postgres_bin()
        self._as_postgres = os.geteuid() == 0

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def _run(self, *argv: str, check: bool = True, timeout: float = 120) -> str:
        command = [str(self.bin / argv[0]), *argv[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(  # noqa: S603 - fixed argv
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[:2])} failed: {done.stdout}{done.stderr}")
        return done.stdout + done.stderr

    def init(self) -> "PrivatePostgres":
        if self._as_postgres:
            shutil.chown(self.directory, user="postgres", group="postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        return self

    def start(self) -> "PrivatePostgres":
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.directory}",
                # Speed for a throw-away cluster; commits stay synchronous, so that a commit the
                # client saw survives an immediate shutdown (the OS keeps what was written).
                "-c fsync=off",
                "-c full_page_writes=off",
                "-c max_connections=60",
                "-c shared_buffers=32MB",
            ]
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        return self

    def restart(self, mode: str) -> float:
        """`pg_ctl restart -m fast|immediate|smart`; the seconds it took."""
        began = time.monotonic()
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", mode, "-w", "restart")
        return time.monotonic() - began

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


def private_directory(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path
