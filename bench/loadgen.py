"""Loopback load generation: wrk for page throughput, asyncio for form posts and the race.

wrk (C, one thread) costs the server little CPU, which matters on a small machine where the
generator and the server share the cores; it is the tool for the throughput ratio. Form
submissions need a session and a CSRF token per client, so they go through a small asyncio
HTTP/1.1 client (gunicorn's sync workers close every connection, so a request is: connect,
send, read to EOF).
"""

import asyncio
import json
import re
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")


def ensure_wrk() -> str | None:
    """wrk's path; installs Debian's package when missing and running as root, else None."""
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") and Path("/proc/self").exists():
        import os

        if os.geteuid() == 0:
            subprocess.run(
                ["apt-get", "install", "-y", "-qq", "wrk"],
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            )
    return shutil.which("wrk")


@dataclass
class Throughput:
    url: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    non_2xx: int
    errors: int
    tool: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk(
    url: str, *, seconds: int, connections: int, headers: dict[str, str] | None = None
) -> Throughput:
    cmd = [
        ensure_wrk() or "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK_SCRIPT),
    ]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    match = re.search(r"^BENCH_JSON (.*)$", out, re.MULTILINE)
    if not match:
        raise RuntimeError(f"wrk printed no report:\n{out}")
    data = json.loads(match.group(1))
    return Throughput(
        url=url,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        non_2xx=data["status"],
        errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
        tool="wrk",
    )


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


async def http(
    host: str,
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    start: asyncio.Event | None = None,
) -> Response:
    """One request on a fresh connection; with `start`, connect first and send when it is set."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        if start is not None:
            await start.wait()
        began = time.perf_counter()
        writer.write(raw)
        await writer.drain()
        data = await reader.read()
        elapsed = time.perf_counter() - began
    finally:
        writer.close()
    head, _, payload = data.partition(b"\r\n\r\n")
    head_lines = head.decode("latin-1").split("\r\n")
    status = int(head_lines[0].split()[1]) if head_lines and head_lines[0] else 0
    parsed: dict[str, str] = {}
    for line in head_lines[1:]:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        parsed[key] = (parsed[key] + "\n" + value.strip()) if key in parsed else value.strip()
    return Response(status, parsed, payload, elapsed)


@dataclass
class Latencies:
    seconds: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    wall: float = 0.0

    def add(self, response: Response) -> None:
        self.seconds.append(response.seconds)
        self.statuses[response.status] = self.statuses.get(response.status, 0) + 1

    def percentile(self, q: float) -> float:
        if not self.seconds:
            return 0.0
        if len(self.seconds) == 1:
            return self.seconds[0] * 1000
        return statistics.quantiles(self.seconds, n=100, method="inclusive")[int(q) - 1] * 1000

    @property
    def count(self) -> int:
        return len(self.seconds)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500 or status == 0)
