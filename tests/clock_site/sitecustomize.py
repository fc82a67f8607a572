"""Puts every Python process the tests start on the suite's clock (tests/clock.py).

Python imports `sitecustomize` at start-up, before the program runs; tests/clock.py puts this
directory on PYTHONPATH for the processes the tests start. With `HW_TEST_CLOCK` (an ISO 8601
instant) the process's clock reads that instant at the real time `HW_TEST_CLOCK_AT` (Unix
seconds; without it, at start-up) and ticks on from there (time-machine), so gunicorn and its
workers, runserver, a Celery worker and its pool, and `manage.py` commands agree with the test
that started them. A Python without the project's packages (a tool run by a test) is left alone.
"""

import os

if os.environ.get("HW_TEST_CLOCK"):
    try:
        import time_machine
    except ImportError:
        time_machine = None
    if time_machine is not None:
        import datetime as dt
        import time

        _start = dt.datetime.fromisoformat(os.environ["HW_TEST_CLOCK"])
        if os.environ.get("HW_TEST_CLOCK_AT"):
            _start += dt.timedelta(seconds=time.time() - float(os.environ["HW_TEST_CLOCK_AT"]))
        time_machine.travel(_start.astimezone(dt.UTC), tick=True).start()
