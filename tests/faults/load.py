"""Jobseekers booking in threads, as a browser would, while a scenario breaks something.

Each booking of the plan (`Stack.seed`) is one signed-in jobseeker and one slot. Its client:

1. GETs the day's slot-choice page (`/book/date/<day>/`),
2. POSTs the check-answers form (`/book/check/`) with the slot,
3. follows the redirect to the confirmation and reads the reference on it.

A 503 is what the portal answers while a service restarts: the client checks that the page is
in its jobseeker's language and carries Retry-After, waits a moment and does the same request
again, as a person would reload; a refused connection the same. Anything else (a 500, a 400, a
409 "just taken" for a slot nobody else books) ends the booking as a failure. Every response
is recorded, so a test can count what the jobseekers saw.

The requests go to gunicorn directly, with `X-Forwarded-Proto: https` and the Origin header as
the TLS proxy and the browser would send them; the cookies are production's `__Host-` ones.
"""

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests

REFERENCE = re.compile(r'id="reference">([0-9A-Z]{4}-[0-9A-Z]{4})<')
HTML_LANG = re.compile(r'<html lang="([a-z]{2})"')
# How long a client keeps retrying one request through 503s before giving up.
PATIENCE = 120.0
# A person reloads sooner than Retry-After says; the harness too, to cover the window densely.
RELOAD_AFTER = 0.3


@dataclass
class Step:
    name: str
    status: int  # 0: no answer (connection refused or reset, timed out)
    seconds: float
    note: str = ""


@dataclass
class Booking:
    jobseeker: int
    email: str
    language: str
    slot: int
    day: str
    session: str
    csrf: str
    steps: list[Step] = field(default_factory=list)
    started_at: float | None = None
    reference: str | None = None
    failure: str | None = None

    @property
    def confirmed(self) -> bool:
        return self.reference is not None


class BookingClient:
    def __init__(self, base_url: str, booking: Booking):
        self.base = base_url
        self.booking = booking
        self.host = base_url.split("://", 1)[1]

    def _headers(self, *, form: bool = False) -> dict:
        b = self.booking
        headers = {
            "X-Forwarded-Proto": "https",
            "Cookie": (
                f"__Host-sessionid={b.session}; __Host-csrftoken={b.csrf}; "
                f"__Host-language={b.language}"
            ),
            "User-Agent": "hw-faults",
        }
        if form:
            headers["Origin"] = f"https://{self.host}"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return headers

    def _request(self, name: str, method: str, path: str, *, data=None, ok=(200,)):
        """The request until it gets an answer other than 503 (or no answer); that response."""
        deadline = time.monotonic() + PATIENCE
        while True:
            began = time.monotonic()
            try:
                response = requests.request(
                    method,
                    self.base + path,
                    data=data,
                    headers=self._headers(form=data is not None),
                    allow_redirects=False,
                    timeout=(3, 40),
                )
            except requests.RequestException as error:
                self.booking.steps.append(
                    Step(name, 0, time.monotonic() - began, type(error).__name__)
                )
            else:
                note = self._check_503(response) if response.status_code == 503 else ""
                self.booking.steps.append(
                    Step(name, response.status_code, time.monotonic() - began, note)
                )
                if response.status_code != 503:
                    return response
            if time.monotonic() > deadline:
                return None
            time.sleep(RELOAD_AFTER)

    def _check_503(self, response) -> str:
        """ "" when the 503 page is right: the jobseeker's language, Retry-After."""
        problems = []
        lang = HTML_LANG.search(response.text)
        if lang is None or lang.group(1) != self.booking.language:
            problems.append(f"language {lang.group(1) if lang else None}")
        if not response.headers.get("Retry-After", "").isdigit():
            problems.append("no Retry-After")
        return "; ".join(problems)

    def run(self) -> Booking:
        b = self.booking
        b.started_at = time.monotonic()
        day = self._request("day page", "GET", f"/book/date/{b.day}/")
        if day is None or day.status_code != 200:
            b.failure = f"day page {day.status_code if day is not None else 'no answer'}"
            return b
        posted = self._request(
            "booking",
            "POST",
            "/book/check/",
            data={"slot": str(b.slot), "csrfmiddlewaretoken": b.csrf},
        )
        if posted is None or posted.status_code != 302:
            b.failure = f"booking {posted.status_code if posted is not None else 'no answer'}"
            return b
        location = posted.headers.get("Location", "")
        if not location.startswith("/book/done/"):
            b.failure = f"booking sent to {location}"
            return b
        done = self._request("confirmation", "GET", location)
        if done is None or done.status_code != 200:
            b.failure = f"confirmation {done.status_code if done is not None else 'no answer'}"
            return b
        found = REFERENCE.search(done.text)
        if found is None:
            b.failure = "confirmation without a reference"
            return b
        b.reference = found.group(1)
        return b


class BookingLoad:
    """`clients` threads working through `plan`, each pausing `pause` s between bookings.

    `start()`, then let the scenario break things, then `finish()`: no new booking starts, the
    ones under way are completed (through 503s), and the bookings made are returned.
    """

    def __init__(self, base_url: str, plan: list[dict], *, clients: int = 6, pause: float = 0.3):
        self.base_url = base_url
        self.pending = [Booking(**entry) for entry in plan]
        self.clients = clients
        self.pause = pause
        self.done: list[Booking] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _next(self) -> Booking | None:
        with self._lock:
            if self._stop.is_set() or not self.pending:
                return None
            return self.pending.pop(0)

    def _work(self) -> None:
        while (booking := self._next()) is not None:
            result = BookingClient(self.base_url, booking).run()
            with self._lock:
                self.done.append(result)
            self._stop.wait(self.pause)

    def start(self) -> "BookingLoad":
        self._threads = [
            threading.Thread(target=self._work, name=f"client{n}", daemon=True)
            for n in range(self.clients)
        ]
        for thread in self._threads:
            thread.start()
        return self

    def count(self) -> int:
        with self._lock:
            return len(self.done)

    def finish(self, *, drain: bool = False, timeout: float = PATIENCE + 60) -> list[Booking]:
        """No new booking starts (with `drain`: not before the whole plan is booked); the ones
        under way complete; the bookings made."""
        if drain:
            for thread in self._threads:
                thread.join(timeout=timeout)
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=timeout)
        assert not any(t.is_alive() for t in self._threads), "a client did not finish"
        return list(self.done)


def statuses(bookings: list[Booking]) -> Counter:
    """How many responses of each (step, status) the jobseekers saw."""
    return Counter((step.name, step.status) for b in bookings for step in b.steps)
