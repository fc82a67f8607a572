"""Private Redis, PostgreSQL and SMTP servers that a test may stop, restart and break.

The machine's shared servers (127.0.0.1:5432 and :6379) serve every checkout's tests at once:
a fault test never touches them. Each server here runs on a free port, in its own temporary
directory, as a child of the test process, and is removed at the end.

PostgreSQL refuses to run as root: when the tests run as root, the cluster is made and run
as the `postgres` user through `runuser`.

`PostgresGate` is a TCP relay in front of a PostgreSQL server that can cut every connection and
refuse new ones for a while, as a restart does, without touching the server (the shared one
too). `SmtpServer` is a real SMTP server (aiosmtpd) in this process that misbehaves by the
recipient's local part: `hang…` holds its first message past the client's timeout and then
refuses it (a hung server), `busy…` gets 451 once; every message accepted is recorded.
"""

import asyncio
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path

from aiosmtpd.controller import Controller

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
    Redis restarted without its data would. With `password`, clients must give it (AUTH)."""

    def __init__(self, directory: Path, *, password: str = ""):
        self.directory = directory
        self.password = password
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

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
                *(["--requirepass", self.password] if self.password else []),
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

    def restart(self, mode: str, *, down_for: float = 0.0) -> float:
        """`pg_ctl restart -m fast|immediate|smart`, or with `down_for` a stop in that mode, that
        many seconds away, and a start; the seconds the server was away."""
        began = time.monotonic()
        if down_for:
            self.stop(mode)
            time.sleep(down_for)
            self.start()
        else:
            self._run(
                "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", mode, "-w", "restart"
            )
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


@dataclass
class Delivery:
    to: str
    message_id: str
    at: float


@dataclass
class _Handler:
    hang_seconds: float
    deliveries: list[Delivery] = field(default_factory=list)
    data_started: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        to = envelope.rcpt_tos[0]
        local = to.split("@")[0]
        with self.lock:
            seen = self.data_started.setdefault(to, [])
            seen.append(time.time())
            first = len(seen) == 1
        if local.startswith("hang") and first:
            # Holds the client past its timeout; the reply that finally comes is a refusal, so
            # the message counts as never accepted.
            await asyncio.sleep(self.hang_seconds)
            return "451 4.4.2 took too long"
        if local.startswith("busy") and first:
            return "451 4.3.0 try again later"
        message = message_from_bytes(envelope.content)
        with self.lock:
            self.deliveries.append(Delivery(to, message.get("Message-ID", ""), time.time()))
        return "250 2.0.0 accepted"


class SmtpServer:
    """`with SmtpServer(hang_seconds=8) as smtp:` listening on 127.0.0.1:`smtp.port`."""

    def __init__(self, *, hang_seconds: float = 10.0):
        self.port = free_port()
        self.handler = _Handler(hang_seconds=hang_seconds)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def delivered(self, to: str | None = None) -> list[Delivery]:
        with self.handler.lock:
            return [d for d in self.handler.deliveries if to is None or d.to == to]

    def data_started(self, to: str | None = None) -> dict[str, list[float]]:
        """When each recipient's messages began (every attempt), or one recipient's."""
        with self.handler.lock:
            return {k: list(v) for k, v in self.handler.data_started.items() if to in (None, k)}


class PostgresGate:
    """Relays 127.0.0.1:<port> to PostgreSQL; `restart()` behaves as a restart would."""

    def __init__(self, target_port: int = 5432):
        self.target = ("127.0.0.1", target_port)
        self.port = free_port()
        self.open = threading.Event()
        self.open.set()
        self.cuts = 0
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stopping:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                client.close()  # "the database system is starting up": refused
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                self._close(s)

    def _close(self, s: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(s)
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()

    def restart(self, *, down_for: float) -> None:
        """Cut every connection now; refuse new ones for `down_for` seconds."""
        self.open.clear()
        self.cuts += 1
        with self._lock:
            sockets = list(self._sockets)
        for s in sockets:
            self._close(s)
        threading.Timer(down_for, self.open.set).start()

    def close(self) -> None:
        self._stopping = True
        self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        for s in sockets:
            self._close(s)
