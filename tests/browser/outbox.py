"""The local outbox: Django's file email backend writing into a folder, read back as a person would.

`MAILERS` points the default mailer at the folder (as `make run` does with var/outbox/); each
file holds the messages of one connection, separated by a line of 79 dashes.
"""

import email
import email.policy
import re
from dataclasses import dataclass
from pathlib import Path

SEPARATOR = "\n" + "-" * 79 + "\n"


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    attachments: list[str]

    def links(self) -> list[str]:
        return re.findall(r"https?://[^\s<>\"]+", self.text)


class Outbox:
    def __init__(self, folder: Path):
        self.folder = folder

    def mailer_settings(self) -> dict:
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "OPTIONS": {"file_path": str(self.folder)},
            }
        }

    def all(self) -> list[Mail]:
        mails = []
        for path in sorted(self.folder.glob("*.log"), key=lambda p: p.stat().st_mtime_ns):
            for chunk in path.read_text(encoding="utf-8").split(SEPARATOR):
                if chunk.strip():
                    mails.append(_parse(chunk))
        return mails

    def to(self, address: str) -> list[Mail]:
        return [m for m in self.all() if address in m.to]


def _parse(raw: str) -> Mail:
    message = email.message_from_string(raw, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    attachments = [
        part.get_filename() or part.get_content_type() for part in message.iter_attachments()
    ]
    return Mail(
        to=str(message["To"]),
        subject=str(message["Subject"]),
        text=body.get_content() if body is not None else "",
        attachments=attachments,
    )
