"""Real services that misbehave on purpose, for the worker fault tests.

- `SmtpServer`: a real SMTP server (aiosmtpd) that accepts, answers 451 once, or hangs once,
  by the recipient's local part, and records every message it accepted.
- `PostgresGate`: a TCP relay between a worker and PostgreSQL that can cut every connection and
  refuse new ones for a while: what a worker sees during a PostgreSQL restart ("terminating
  connection", then "connection refused" / "starting up"), without touching the PostgreSQL
  server other checkouts use.
- `PrivateCluster`: a PostgreSQL cluster of the test's own (initdb in a temporary directory, run
  as the `postgres` user, on a free port), restarted for real (`pg_ctl restart -m fast` or
  `-m immediate`) and removed afterwards. The shared server is never touched.
"""

import asyncio
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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

    def data_started(self, to: str) -> list[float]:
        with self.handler.lock:
            return list(self.handler.data_started.get(to, []))


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


def postgres_bin() -> str | None:
    """The newest PostgreSQL server binaries on the machine (Debian's layout)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


class PrivateCluster:
    def __init__(self):
        self.bin = postgres_bin()
        self.port = free_port()
        self.root = tempfile.mkdtemp(prefix="hw-pg-")
        self.data = os.path.join(self.root, "data")
        self.log = os.path.join(self.root, "server.log")

    def _as_postgres(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - fixed argv
            ["runuser", "-u", "postgres", "--", *argv],  # noqa: S607
            check=check,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def start(self) -> "PrivateCluster":
        shutil.chown(self.root, "postgres")
        self._as_postgres(
            f"{self.bin}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync"
        )
        self._pg_ctl("start")
        return self

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
            "-c full_page_writes=off -c max_connections=50"
        )
        self._as_postgres(
            f"{self.bin}/pg_ctl",
            "-D",
            self.data,
            "-l",
            self.log,
            "-o",
            options,
            "-w",
            "-t",
            "60",
            action,
            *extra,
        )

    def restart(self, mode: str, *, down_for: float = 0.0) -> float:
        """`fast` (sessions told to end, clean stop) or `immediate` (crash, then recovery),
        staying down `down_for` seconds; returns how long the server was away, in seconds."""
        began = time.monotonic()
        if down_for:
            self._pg_ctl("stop", "-m", mode)
            time.sleep(down_for)
            self._pg_ctl("start")
        else:
            self._pg_ctl("restart", "-m", mode)
        return time.monotonic() - began

    def psql(self, sql: str, database: str = "postgres") -> str:
        return self._as_postgres(
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-qAt",
            "-c",
            sql,
        ).stdout

    def stop(self) -> None:
        self._as_postgres(
            f"{self.bin}/pg_ctl", "-D", self.data, "-m", "immediate", "stop", check=False
        )
        shutil.rmtree(self.root, ignore_errors=True)
