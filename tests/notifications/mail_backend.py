"""anymail's test backend, recording each hand-over in a file and simulating provider errors.

The file (HW_MAIL_LOG, one JSON line per call) lets a test see what a separate worker process
handed to the "provider". The recipient's local part chooses the behaviour:
`refuse…` is refused by the provider (permanent), `flaky…` gets HTTP 503 on its first
HW_MAIL_FAILURES calls (default 3), `slow…` waits HW_MAIL_SLOW seconds before being accepted.
"""

import json
import os
import time
import uuid

import requests
from anymail.backends.test import EmailBackend as AnymailTestBackend
from anymail.exceptions import AnymailRequestsAPIError
from anymail.message import AnymailRecipientStatus


def mail_log_lines(path) -> list[dict]:
    try:
        with open(path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except FileNotFoundError:
        return []


class EmailBackend(AnymailTestBackend):
    esp_name = "Test"

    def _log(self, **entry) -> None:
        path = os.environ.get("HW_MAIL_LOG")
        if not path:
            return
        entry["pid"] = os.getpid()
        entry["at"] = time.time()
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")

    def get_esp_message_id(self, message):
        return f"test-{uuid.uuid4()}"

    def post_to_esp(self, payload, message):
        to = payload.recipient_emails[0]
        local = to.split("@")[0]
        subject = str(payload.params.get("subject", ""))
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
                response = requests.Response()
                response.status_code = 503
                response.reason = "Service Unavailable"
                response._content = b'{"Message": "Service Unavailable"}'
                raise AnymailRequestsAPIError(
                    "Service Unavailable", response=response, backend=self
                )
        if local.startswith("slow"):
            self._log(to=to, result="sending", subject=subject)
            time.sleep(float(os.environ.get("HW_MAIL_SLOW", "5")))
        response = super().post_to_esp(payload, message)
        self._log(to=to, result="sent", subject=subject)
        return response
