"""Real services that misbehave on purpose, for the worker fault tests.

- `SmtpServer`: a real SMTP server (aiosmtpd) that accepts, answers 451 once, or hangs once,
  by the recipient's local part, and records every message it accepted.
- `PostgresGate`: a TCP relay between a worker and PostgreSQL that can cut every connection and
  refuse new ones for a while: what a worker sees during a PostgreSQL restart ("terminating
  connection", then "connection refused" / "starting up"), without touching the PostgreSQL
  server other checkouts use.
"""

import asyncio
import socket
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
