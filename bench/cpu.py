"""CPU time per request of the public pages, in process: a figure that a busy machine moves less.

    .venv/bin/python bench/cpu.py [--reuse] [--profile LABEL] [-n 200]

Loads the bench's data set into `hwbook_bench_cpu` (dropped at the end; with --reuse it is kept
and a second run starts at once), then for the trivial view, the slot-choice page, the check-answers page and the
booking POST prints the CPU milliseconds a request costs this process (the quickest of five batches) (Django's test client,
no network, no gunicorn) and the SQL statements it makes. The slot-choice page must work as
well as be fast: another jobseeker gets it from the cache and submits its form (CSRF checked);
a refusal stops the run. --profile LABEL prints cProfile's
top functions for that request. The database's own CPU is not in these figures.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "hwbook_bench_cpu"
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
os.environ["BENCH_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
django.setup()

import psycopg  # noqa: E402

from bench import dataset, targets  # noqa: E402

ADMIN_DSN = os.environ.get("BENCH_ADMIN_DSN", "host=127.0.0.1 user=postgres dbname=postgres")


def database_ready(reuse: bool) -> bool:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if exists and reuse:
            return True
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="keep and reuse the database")
    parser.add_argument("--profile", help="label of the request to profile")
    parser.add_argument("-n", type=int, default=200, help="requests of each kind")
    args = parser.parse_args()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    now = timezone.now()
    if not database_ready(args.reuse):
        call_command("migrate", verbosity=0)
        dataset.load_part(0, now)
    world = targets.prepare(now=now)
    page = targets.slot_choice(world)
    check = next(p for p in targets.public_pages(world) if p.label == "Check answers")
    plans = targets.booking_plans(world, clients=1, each=args.n + 1)[0]

    def get(p):
        client = Client()
        p.prepare(client)
        return lambda: client.get(p.path)

    def book():
        attempt = plans.pop()
        session = attempt.headers["Cookie"]
        client = Client(HTTP_COOKIE=session)
        client.cookies.load(session)
        return lambda: client.post(
            attempt.path, attempt.body, content_type="application/x-www-form-urlencoded"
        )

    requests = {
        "trivial": lambda: get(targets.Page("trivial", "/bench/trivial/")),
        "slot-choice": lambda: get(page),
        "check-answers": lambda: get(check),
        "booking": book,
    }

    def submit_slot_choice() -> None:
        """The slot-choice page measured must work: another jobseeker gets it from the cache and
        submits the form it gave them, with the CSRF check on, as a browser does."""
        [session] = targets.slot_choice_viewers(world, 1)
        client = Client(enforce_csrf_checks=True)
        client.cookies[settings.SESSION_COOKIE_NAME] = session.key
        with CaptureQueriesContext(connection) as ctx:
            shown = client.get(page.path)
        if any("bookings_slot" in q["sql"] for q in ctx.captured_queries):
            raise SystemExit("slot-choice: the page was not served from the cache")
        action, fields = targets.posted_form(shown.content.decode(), having="slot")
        answer = client.post(action or page.path, fields)
        if not targets.chose_time(answer.status_code, answer.get("Location", "")):
            raise SystemExit(f"slot-choice: its form was refused ({answer.status_code})")
        print("slot-choice    its form, submitted after a cached GET: accepted")

    for label, make in requests.items():
        call = make()
        response = call()  # warm
        expected = (302,) if label == "booking" else (200,)
        if response.status_code not in expected:
            raise SystemExit(f"{label}: {response.status_code}")
        if label == "slot-choice":
            submit_slot_choice()
        calls = [make() for _ in range(args.n)] if label == "booking" else [call] * args.n
        with CaptureQueriesContext(connection) as ctx:
            calls[0]()
        statements = [
            q
            for q in ctx.captured_queries
            if not q["sql"].startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))
        ]
        profiler = cProfile.Profile() if args.profile == label else None
        if profiler:
            profiler.enable()
        # Five batches; the quickest is kept (a virtual machine's neighbours only slow one down).
        batches = [calls[1 + n :: 5] for n in range(5)]
        cpu = wall = float("inf")
        for batch in batches:
            began, wall_began = time.process_time(), time.perf_counter()
            for c in batch:
                c()
            cpu = min(cpu, (time.process_time() - began) / len(batch) * 1000)
            wall = min(wall, (time.perf_counter() - wall_began) / len(batch) * 1000)
        if profiler:
            profiler.disable()
        print(f"{label:14} {cpu:6.2f} ms CPU, {wall:6.2f} ms wall, {len(statements)} SQL")
        if profiler:
            pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
                int(os.environ.get("TOP", "45"))
            )
    if not args.reuse:
        connection.close()
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


if __name__ == "__main__":
    main()
