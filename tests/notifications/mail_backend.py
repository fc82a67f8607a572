"""anymail's test backend, recording each hand-over in a file and simulating provider errors.

The file (HW_MAIL_LOG, one JSON line per call) lets a test see what a separate worker process
handed to the "provider". The recipient's local part chooses the behaviour:
`refuse…` is refused by the provider (permanent), `flaky…` gets HTTP 503 on its first
HW_MAIL_FAILURES calls (default 3), `slow…` waits HW_MAIL_SLOW seconds before being accepted,
`unanswered…` is accepted but the answer is lost on the first call (a read timeout: the sender
cannot know it went out), `lateanswer…` is accepted and its answer takes HW_MAIL_SLOW seconds to
come back (a worker killed meanwhile never learns it went out).

Like Brevo, the "provider" keeps the idempotency key it was given (the `idempotencyKey` header,
when settings.EMAIL_IDEMPOTENCY_HEADER names it) and refuses a repeat with HTTP 400
`duplicate_parameter`. Each line records the Message-ID and the key the call carried.
"""

import json
import os
import time
import uuid

import requests
from anymail.backends.test import EmailBackend as AnymailTestBackend
from anymail.exceptions import AnymailRequestsAPIError
from anymail.message import AnymailRecipientStatus
from django.conf import settings


def mail_log_lines(path) -> list[dict]:
    try:
        with open(path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except FileNotFoundError:
        return []


class EmailBackend(AnymailTestBackend):
    esp_name = "Test"

    def get_esp_message_id(self, message):
        return f"test-{uuid.uuid4()}"

    def _log(self, **entry) -> None:
        path = os.environ.get("HW_MAIL_LOG")
        if not path:
            return
        entry["pid"] = os.getpid()
        entry["at"] = time.time()
        headers = getattr(self, "_headers", {})
        entry["message_id"] = headers.get("Message-ID", "")
        entry["key"] = headers.get(settings.EMAIL_IDEMPOTENCY_HEADER or "-", "")
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")

    def _api_error(self, status: int, body: bytes) -> AnymailRequestsAPIError:
        response = requests.Response()
        response.status_code = status
        response.reason = "Bad Request" if status == 400 else "Service Unavailable"
        response._content = body
        return AnymailRequestsAPIError(response.reason, response=response, backend=self)

    def post_to_esp(self, payload, message):
        to = payload.recipient_emails[0]
        local = to.split("@")[0]
        subject = str(payload.params.get("subject", ""))
        self._headers = dict(payload.params.get("extra_headers", {}))
        key = self._headers.get(settings.EMAIL_IDEMPOTENCY_HEADER or "-", "")
        lines = mail_log_lines(os.environ.get("HW_MAIL_LOG", ""))
        if key and any(line.get("key") == key and line["result"] == "sent" for line in lines):
            self._log(to=to, result="duplicate", subject=subject)
            raise self._api_error(
                400, b'{"code": "duplicate_parameter", "message": "idempotencyKey already used"}'
            )
        if local.startswith("refuse"):
            self._log(to=to, result="refused", subject=subject)
            message.anymail_test_params = payload.get_params()
            status = AnymailRecipientStatus(message_id=None, status="rejected")
            return {"recipient_status": {to: status}}
        if local.startswith("flaky"):
            failures = int(os.environ.get("HW_MAIL_FAILURES", "3"))
            path = os.environ.get("HW_MAIL_LOG", "")
            seen = sum(
                1
                for line in mail_log_lines(path)
                if line.get("to") == to and line.get("result") == "503"
            )
            if seen < failures:
                self._log(to=to, result="503", subject=subject)
                raise self._api_error(503, b'{"Message": "Service Unavailable"}')
        if local.startswith("slow"):
            self._log(to=to, result="sending", subject=subject)
            time.sleep(float(os.environ.get("HW_MAIL_SLOW", "5")))
        response = super().post_to_esp(payload, message)
        self._log(to=to, result="sent", subject=subject)
        if local.startswith("lateanswer"):
            time.sleep(float(os.environ.get("HW_MAIL_SLOW", "5")))
            self._log(to=to, result="answered", subject=subject)
        if local.startswith("unanswered") and sum(line.get("to") == to for line in lines) == 0:
            # Accepted, and then the connection broke before the answer came back: anymail wraps
            # requests' ReadTimeout in an API error without a status.
            raise AnymailRequestsAPIError(
                "Read timed out after the provider accepted", backend=self
            )
        return response
