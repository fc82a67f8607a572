"""Load and race benchmark of the public pages: one command, a table, docs/benchmarks.md.

    .venv/bin/python bench/run.py [--keep] [--seconds 8] [--no-scale] [--no-write] [--workers 2]

1. Creates the PostgreSQL database `hwbook_bench` (dropped first if left over), migrates it and
   loads the data set of `bench/dataset.py`: 10 offices, 100 counselors, 8 weeks of slots back
   and ahead, 20,000 jobseekers, 50,000 past reservations.
2. Starts gunicorn with 2 sync workers (`--workers`; no `--preload`, as deployed) on it
   (`config.settings.bench`: production-like, plus the trivial one-query baseline view) and
   measures from the loopback:
   - the slot-choice page against the trivial view, alternately (wrk, 8 connections): the
     throughput ratio and both p95s; then checks that the page counted works: 60 other
     jobseekers each get it from the cache and submit the form it gave them, all accepted;
   - booking submissions from 20 concurrent clients, each a different jobseeker and slot, once
     with clients pausing about a second between bookings (p95, the goal) and once back to
     back (saturation: throughput, and the queue's latency);
   - 200 concurrent attempts on one slot, 20 rounds: exactly one success per round, no 5xx;
   - the resident memory of each web worker after all that.
3. Counts the SQL queries of each public page (Django test client, in process) at 1×, loads nine
   more parts (10×: 1,000 counselors, 500,000 past reservations) and counts again.
4. Prints the table and writes it, with the date and the machine, into docs/benchmarks.md.

Needs PostgreSQL (BENCH_ADMIN_DSN, default the local server as postgres) and Redis
(BENCH_REDIS_URL, default db 12 of the local server). wrk comes from Debian's package: the
bench installs it when missing and running as root.
"""

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


ADMIN_DSN = os.environ.get("BENCH_ADMIN_DSN", "host=127.0.0.1 user=postgres dbname=postgres")
DB_NAME = os.environ.get("BENCH_DB_NAME", "hwbook_bench")
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
WORKERS = 2
BOOKING_CLIENTS = 20
BOOKINGS_PER_CLIENT = 25
BOOKING_THINK = 1.0  # seconds, mean pause of a client before each booking
RACE_ATTEMPTS = 200
RACE_ROUNDS = 20
FORM_CHECKS = 60  # slot-choice pages served from the cache whose form the bench submits
DOC = ROOT / "docs" / "benchmarks.md"
MARK_START = "<!-- bench:results:start -->"
MARK_END = "<!-- bench:results:end -->"

# Django is set up before the bench modules that use models are imported; it connects to the
# database only later, once run() has created it.
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
os.environ["BENCH_DATABASE_URL"] = DB_URL
django.setup()

from bench import dataset, loadgen, targets  # noqa: E402


def say(message: str) -> None:
    print(message, flush=True)


@dataclass
class Row:
    measure: str
    value: str
    goal: str
    ok: bool | None

    def __post_init__(self) -> None:
        # Printed as soon as measured: a run stopped half-way still says what it saw.
        say(f"  {self.measure}: {self.value} (goal {self.goal}) {self.verdict}")

    @property
    def verdict(self) -> str:
        return {True: "ok", False: "MISSED", None: "-"}[self.ok]


def admin_sql(sql: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "BENCH_DATABASE_URL": DB_URL,
    }
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("gunicorn exited at start") from None
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("gunicorn did not start in 30 s")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def worker_pids(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command may hold spaces and parentheses: the fields after the last ")" are fixed.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == master:
            pids.append(int(entry.name))
    return pids


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def machine(workers: int) -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem_gb:.0f} GiB; {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, Django {django.get_version()}, "
        f"PostgreSQL {pg}; gunicorn {workers} sync workers; load generator on the same machine; "
        f"load average before the run {load}"
    )


async def booking_load(
    port: int, plans: list[list[targets.Attempt]], *, think: float = 0.0
) -> loadgen.Latencies:
    """Each plan is one client submitting its bookings in turn; `think` is the mean pause (s,
    exponential, so that clients do not fall into step) before each submission."""
    result = loadgen.Latencies()
    pauses = random.Random(20261125)  # the same arrivals in every run

    async def client(attempts: list[targets.Attempt]) -> None:
        for attempt in attempts:
            if think:
                await asyncio.sleep(pauses.expovariate(1 / think))
            response = await loadgen.http(
                "127.0.0.1", port, "POST", attempt.path, headers=attempt.headers, body=attempt.body
            )
            result.add(response)
            attempt.response = response

    began = time.perf_counter()
    await asyncio.gather(*(client(p) for p in plans))
    result.wall = time.perf_counter() - began
    return result


async def race_round(port: int, attempts: list[targets.Attempt]) -> list[loadgen.Response]:
    start = asyncio.Event()
    tasks = [
        asyncio.create_task(
            loadgen.http(
                "127.0.0.1",
                port,
                "POST",
                a.path,
                headers=a.headers,
                body=a.body,
                start=start,
            )
        )
        for a in attempts
    ]
    await asyncio.sleep(0.2)  # every connection open and waiting
    start.set()
    return await asyncio.gather(*tasks)


def measure_pages(port: int, seconds: int, rows: list[Row], world: targets.World) -> None:
    base = f"http://127.0.0.1:{port}"
    page = targets.slot_choice(world)
    trivial_runs, page_runs = [], []
    for _ in range(2):
        trivial_runs.append(loadgen.wrk(f"{base}/bench/trivial/", seconds=seconds, connections=8))
        page_runs.append(
            loadgen.wrk(base + page.path, seconds=seconds, connections=8, headers=page.headers)
        )
    trivial = max(trivial_runs, key=lambda t: t.rps)
    best = max(page_runs, key=lambda t: t.rps)
    ratio = best.rps / trivial.rps if trivial.rps else 0.0
    bad = sum(t.non_2xx + t.errors for t in trivial_runs + page_runs)
    rows.append(
        Row(
            f"Trivial one-query view: throughput, p95 ({loadgen_tool(trivial)}, 8 conn.)",
            f"{trivial.rps:,.0f} req/s, p95 {trivial.p95_ms:.1f} ms",
            "baseline",
            None,
        )
    )
    rows.append(
        Row(
            f"{page.label}: throughput, p95",
            f"{best.rps:,.0f} req/s, p95 {best.p95_ms:.1f} ms",
            "-",
            None,
        )
    )
    rows.append(
        Row(
            f"{page.label} / trivial view throughput",
            f"{ratio:.2f}",
            ">= 0.5",
            ratio >= 0.5,
        )
    )
    rows.append(Row("Non-2xx or failed requests in the page runs", str(bad), "0", bad == 0))


def check_page_forms(port: int, rows: list[Row], world: targets.World, *, count: int) -> None:
    """The page the runs counted must work: `count` other jobseekers each open it (served from
    the copy the runs used, made by whichever worker) and submit the form it gave them, as a
    browser does. A 200 that cannot be booked from is a broken page, however fast."""
    page = targets.slot_choice(world)
    sessions = targets.slot_choice_viewers(world, count)
    origin = f"http://127.0.0.1:{port}"
    gets: Counter[int] = Counter()
    posts: Counter[int] = Counter()

    async def round_trips() -> int:
        accepted = 0
        for session in sessions:
            got = await loadgen.http("127.0.0.1", port, "GET", page.path, headers=session.headers())
            gets[got.status] += 1
            try:
                form = targets.form_submission(
                    session=session, path=page.path, page=got, origin=origin
                )
            except LookupError:
                continue
            answer = await loadgen.http(
                "127.0.0.1", port, "POST", form.path, headers=form.headers, body=form.body
            )
            posts[answer.status] += 1
            accepted += targets.chose_time(answer.status, answer.headers.get("location", ""))
        return accepted

    accepted = asyncio.run(round_trips())
    rows.append(
        Row(
            f"{page.label}: its form submitted after each cached GET ({count} jobseekers)",
            f"{accepted}/{count} accepted (GET {_statuses(gets)}; POST {_statuses(posts)})",
            "all accepted",
            accepted == count,
        )
    )


def _statuses(counts: Counter) -> str:
    return ", ".join(f"{n}x {status}" for status, n in sorted(counts.items())) or "none"


def loadgen_tool(t: loadgen.Throughput) -> str:
    return t.tool


def measure_bookings(port: int, rows: list[Row], world: targets.World) -> None:
    """Twice: clients that pause as people do (about a booking a second each, far above a
    bureau's busiest hour), then clients that submit back to back, which measures the queue."""
    for think, label, goal in (
        (
            BOOKING_THINK,
            f"Booking submissions, {BOOKING_CLIENTS} concurrent clients, each booking about "
            f"every {BOOKING_THINK:g} s: p95 (p50)",
            "<= 50 ms",
        ),
        (
            0.0,
            f"Booking submissions, {BOOKING_CLIENTS} concurrent clients back to back "
            "(saturation; latency = 20 / throughput): p95 (p50)",
            "- (see below)",
        ),
    ):
        plans = targets.booking_plans(world, clients=BOOKING_CLIENTS, each=BOOKINGS_PER_CLIENT)
        result = asyncio.run(booking_load(port, plans, think=think))
        booked = sum(1 for plan in plans for a in plan if a.response and targets.booked(a.response))
        p95 = result.percentile(95)
        rows.append(
            Row(
                label,
                f"{p95:.1f} ms ({result.percentile(50):.1f} ms); "
                f"{result.count / result.wall:,.0f}/s; {booked}/{result.count} booked",
                goal,
                (p95 <= 50 and booked == result.count) if think else None,
            )
        )


def measure_race(
    port: int, rows: list[Row], world: targets.World, *, rounds: int, attempts: int
) -> None:
    from bookings.models import Reservation

    began = time.perf_counter()
    rounds_ok = 0
    five_xx = 0
    other = 0
    winners_db = 0
    for plan in targets.race_rounds(world, rounds=rounds, attempts=attempts):
        responses = asyncio.run(race_round(port, plan))
        wins = sum(1 for r in responses if targets.booked(r))
        five_xx += sum(1 for r in responses if r.status >= 500 or r.status == 0)
        other += sum(1 for r in responses if not targets.booked(r) and not targets.refused(r))
        rounds_ok += wins == 1
    winners_db = Reservation.objects.active().filter(slot_id__in=world.race_slots).count()
    rows.append(
        Row(
            f"{attempts} concurrent attempts on one slot x {rounds} rounds",
            f"{rounds_ok}/{rounds} rounds with exactly one success; "
            f"{winners_db} reservations in the database; {five_xx} 5xx; {other} unexpected; "
            f"{(time.perf_counter() - began) / rounds:.1f} s a round",
            "one per round, no 5xx",
            rounds_ok == rounds and winners_db == rounds and five_xx == 0 and other == 0,
        )
    )


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def count_queries(world: targets.World) -> dict[str, int]:
    """SQL statements per public page; transaction control (BEGIN, COMMIT, savepoints) not counted."""
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for page in targets.public_pages(world):
        client = Client()
        page.prepare(client)
        client.get(page.path)  # warm: caches and lazy imports
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(page.path)
        if response.status_code != 200:
            raise RuntimeError(f"{page.label} answered {response.status_code}")
        statements = [
            q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)
        ]
        counts[page.label] = len(statements)
        if len(statements) > 6:
            say(f"  {page.label}: " + " | ".join(_shape(sql) for sql in statements))
    return counts


def _shape(sql: str) -> str:
    """`SELECT … FROM "table"` / `UPDATE "table"`: what a statement touches, without values."""
    words = sql.split()
    verb = words[0]
    table = next((w for w in words if w.startswith('"') and "." not in w), "")
    if verb == "SELECT" and "FROM" in words:
        table = words[words.index("FROM") + 1]
    return f"{verb} {table}".strip()


def write_doc(rows: list[Row], info: dict[str, str]) -> None:
    lines = [
        MARK_START,
        f"Run of {info['date']} on {info['machine']}.",
        "",
        f"Data: {info['data']}. Loading took {info['load']}.",
        "",
        "| measure | result | goal | |",
        "| --- | --- | --- | --- |",
        *[f"| {r.measure} | {r.value} | {r.goal} | {r.verdict} |" for r in rows],
        "",
        f"Targets: {info['targets']}.",
        MARK_END,
    ]
    block = "\n".join(lines)
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n\n"
    if MARK_START in text and MARK_END in text:
        head, rest = text.split(MARK_START, 1)
        _, tail = rest.split(MARK_END, 1)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


def print_table(rows: list[Row]) -> None:
    if not rows:
        return
    width = max(len(r.measure) for r in rows)
    vwidth = max(len(r.value) for r in rows)
    say("")
    for r in rows:
        say(f"{r.measure:<{width}}  {r.value:<{vwidth}}  {r.goal:<22}  {r.verdict}")


def _terminate(signum, frame) -> None:
    # A SIGTERM (a timeout, a CI stop) unwinds through the `finally` that stops gunicorn.
    raise SystemExit(128 + signum)


def main() -> int:
    signal.signal(signal.SIGTERM, _terminate)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk run")
    parser.add_argument("--no-scale", action="store_true", help="skip the 10x query count")
    parser.add_argument("--no-write", action="store_true", help="do not update the doc")
    parser.add_argument("--race-rounds", type=int, default=RACE_ROUNDS)
    parser.add_argument("--race-attempts", type=int, default=RACE_ATTEMPTS)
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn sync workers")
    args = parser.parse_args()

    if loadgen.ensure_wrk() is None:
        say("wrk is needed: apt-get install wrk (Debian's package)")
        return 2
    admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    admin_sql(f'CREATE DATABASE "{DB_NAME}"')
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - began
    now = timezone.now()
    began = time.perf_counter()
    loaded = dataset.load_part(0, now)
    load_s = time.perf_counter() - began
    say(
        f"migrated in {migrate_s:.1f} s; loaded {loaded.slots:,} slots, "
        f"{loaded.jobseekers:,} jobseekers, {loaded.past_reservations:,} past and "
        f"{loaded.upcoming_reservations:,} upcoming reservations in {load_s:.1f} s"
    )
    world = targets.prepare(now=now)
    rows: list[Row] = []
    info = {
        "date": dt.datetime.now(dt.UTC).astimezone(dataset.TOKYO).strftime("%Y-%m-%d %H:%M JST"),
        "machine": machine(args.workers),
        "data": (
            f"{dataset.OFFICES} offices, {loaded.counselors} counselors, {loaded.slots:,} slots "
            f"({dataset.WEEKS_BACK} weeks back, {dataset.WEEKS_AHEAD} ahead), "
            f"{loaded.jobseekers:,} jobseekers, {loaded.past_reservations:,} past and "
            f"{loaded.upcoming_reservations:,} upcoming reservations"
        ),
        "load": f"{load_s:.1f} s (after {migrate_s:.1f} s of migrations)",
        "targets": targets.describe(),
    }
    connections.close_all()

    port = free_port()
    proc = start_gunicorn(port, args.workers)
    try:
        masters = proc.pid
        for path in ("/bench/trivial/", targets.slot_choice(world).path):
            page = targets.slot_choice(world)
            headers = page.headers if path == page.path else {}
            for _ in range(20):
                asyncio.run(loadgen.http("127.0.0.1", port, "GET", path, headers=headers))
        say("measuring the slot-choice page against the trivial view…")
        measure_pages(port, args.seconds, rows, world)
        say("submitting the form of the slot-choice page as served from the cache…")
        check_page_forms(port, rows, world, count=FORM_CHECKS)
        say("booking submissions…")
        measure_bookings(port, rows, world)
        say("race on one slot…")
        measure_race(port, rows, world, rounds=args.race_rounds, attempts=args.race_attempts)
        rss = [rss_mb(pid) for pid in worker_pids(masters)]
    finally:
        stop_gunicorn(proc)
    worst = max(rss) if rss else 0.0
    rows.append(
        Row(
            "Resident memory of a web worker after the run",
            ", ".join(f"{m:.0f} MB" for m in sorted(rss)),
            "<= 150 MB",
            bool(rss) and worst <= 150,
        )
    )

    say("counting queries per public page…")
    at_1x = count_queries(world)
    at_10x = None
    if not args.no_scale:
        began = time.perf_counter()
        for part in range(1, 10):
            dataset.load_part(part, now)
        say(f"grew the data to 10x in {time.perf_counter() - began:.1f} s")
        at_10x = count_queries(world)
    for label, n in at_1x.items():
        m = at_10x.get(label) if at_10x else None
        value = f"{n} at 1x" + (f", {m} at 10x" if m is not None else "")
        ok = n <= 6 and (m is None or m == n)
        rows.append(Row(f"SQL queries: {label}", value, "constant, <= 6", ok))

    print_table(rows)
    if not args.no_write:
        write_doc(rows, info)
        say(f"\nwritten to {DOC.relative_to(ROOT)}")
    connections.close_all()
    targets.cleanup()
    if not args.keep:
        admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    return 0 if all(r.ok is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
