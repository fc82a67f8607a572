"""Give a staff account its TOTP authenticator and print the key (bootstraps the first admin).

manage.py createsuperuser
manage.py otp_enroll admin          # prints the otpauth:// URI, the key and a QR code
manage.py otp_enroll admin --replace   # a lost phone: new key, old sessions ended
"""

from base64 import b32encode

import segno
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from security.services import DeviceExists, NotStaff, totp_device_issue


class Command(BaseCommand):
    help = "Create the TOTP authenticator of a staff user and print its key once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace an existing authenticator (its key stops working, sessions end).",
        )
        parser.add_argument("--no-qr", action="store_true", help="Do not draw the QR code.")

    def handle(self, *args, username: str, replace: bool, no_qr: bool, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        try:
            device = totp_device_issue(user=user, actor=None, replace=replace)
        except NotStaff as error:
            raise CommandError(f"{username!r} is not a staff account.") from error
        except DeviceExists as error:
            raise CommandError(
                f"{username!r} already has an authenticator; use --replace to issue a new one."
            ) from error
        uri = device.config_url
        self.stdout.write(f"Authenticator for {username} (shown once):")
        self.stdout.write(f"  key: {b32encode(device.bin_key).decode()}")
        self.stdout.write(f"  uri: {uri}")
        if not no_qr:
            segno.make(uri, error="m").terminal(out=self.stdout, compact=True)
