"""gunicorn configuration of the multi-process tests: every worker runs on the test's clock.

`HW_FIXED_NOW` (ISO 8601 with its offset) is the moment each worker starts at, ticking from
there, so that the server agrees with the data the test wrote under its own fixed clock and
nothing it answers depends on the real date. Hooks run in the worker after the fork, before the
application is loaded.
"""

import datetime as dt
import os

_travels = []


def post_fork(server, worker):
    import time_machine

    travel = time_machine.travel(dt.datetime.fromisoformat(os.environ["HW_FIXED_NOW"]), tick=True)
    travel.start()
    _travels.append(travel)  # kept for the life of the worker
