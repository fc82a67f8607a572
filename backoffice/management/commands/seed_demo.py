"""Demo data for `make run`: a bureau, its offices, counselors, 4 weeks of slots, the terms."""

import datetime as dt
import secrets
from base64 import b32encode
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings.models import Counselor, WeeklyAvailability
from bookings.services.slots import slots_generate
from consent.models import TermsVersion
from core.calendar import TOKYO, tokyo_date
from jobseekers.models import Jobseeker, RegistrationStatus
from jobseekers.services import registration_end_for
from offices.models import Bureau, Office, StaffProfile
from security.services import totp_device_issue

TERMS_DIR = Path(__file__).resolve().parents[3] / "consent" / "terms_texts"

# Real office names of the Okayama Labour Bureau; phone numbers are fictional (demo).
OFFICES = [
    ("okayama", "33010", "ハローワーク岡山", "Hello Work Okayama", "岡山市北区野田1-1-20"),
    ("kurashiki", "33020", "ハローワーク倉敷中央", "Hello Work Kurashiki Chuo", "倉敷市笹沖1378-1"),
    ("tsuyama", "33030", "ハローワーク津山", "Hello Work Tsuyama", "津山市山下9-6"),
    ("kasaoka", "33040", "ハローワーク笠岡", "Hello Work Kasaoka", "笠岡市六番町2-5"),
]

COUNSELORS = [
    ("okayama", "counselor", "相談員 佐藤"),
    ("okayama", "counselor2", "相談員 鈴木"),
    ("kurashiki", "counselor3", "相談員 高橋"),
    ("tsuyama", "counselor4", "相談員 田中"),
    ("kasaoka", "counselor5", "相談員 伊藤"),
]


class Command(BaseCommand):
    help = "Load demo data (idempotent): offices, counselors, 4 weeks of slots, terms, logins."

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        with transaction.atomic():
            bureau, _ = Bureau.objects.update_or_create(
                code="okayama", defaults={"name": "岡山労働局", "name_en": "Okayama Labour Bureau"}
            )
            offices = {}
            for index, (code, reg, name, name_en, address) in enumerate(OFFICES):
                offices[code], _ = Office.objects.update_or_create(
                    code=code,
                    defaults={
                        "bureau": bureau,
                        "registration_code": reg,
                        "name": name,
                        "name_en": name_en,
                        "address": address,
                        "phone": f"000-0000-000{index + 1}（デモ）",
                        "email": f"{code}@hellowork.example.jp",
                        "video_app_name": "Zoom",
                        "video_app_terms_url": "https://explore.zoom.us/ja/terms/",
                        "video_app_guide_url": "https://support.zoom.com/hc/ja",
                    },
                )
            self._terms(bureau, now)
            created_logins = self._users(bureau, offices)
            self._jobseeker(offices["okayama"], now)
        slots = 0
        today = tokyo_date(now)
        for counselor in Counselor.objects.select_related("office"):
            slots += slots_generate(
                counselor=counselor,
                start_date=today,
                end_date=today + dt.timedelta(weeks=4),
                now=now,
            )
        self.stdout.write(
            f"Demo data ready: {Office.objects.count()} offices, "
            f"{Counselor.objects.count()} counselors, {slots} new slots."
        )
        for username, password in created_logins:
            self.stdout.write(f"  login {username} / {password}  (shown once)")
        # The admin asks every staff account for a TOTP code too (docs/security.md).
        user_model = get_user_model()
        for user in user_model.objects.filter(is_staff=True).order_by("username"):
            if TOTPDevice.objects.filter(user=user).exists():
                continue
            device = totp_device_issue(user=user, actor=None, replace=False)
            self.stdout.write(
                f"  authenticator {user.username}: key {b32encode(device.bin_key).decode()}  "
                f"uri {device.config_url}"
            )
        self.stdout.write(
            "  Admin login: username, password and the 6-digit code of an authenticator app set "
            "up with the key above; for the demo, `.venv/bin/python manage.py otp_code admin` "
            "prints the current code."
        )

    def _terms(self, bureau: Bureau, now: dt.datetime) -> None:
        # Entered as history (published now, effective earlier): no Art 14 notice goes out.
        versions = [
            (
                "v1",
                "okayama-v1.ja.txt",
                "初版",
                "First version",
                dt.datetime(2024, 4, 1, tzinfo=TOKYO),
            ),
            (
                "v2",
                "okayama-v2.ja.txt",
                "第9条(1)の引用条文を、令和4年10月1日施行の職業安定法改正に合わせて"
                "「職業安定法第5条の4」から「職業安定法第5条の5」に改めました。"
                "個人情報の保護の内容に変更はありません。",
                "Article 9(1) now cites Article 5-5 of the Employment Security Act instead of "
                "Article 5-4, following the amendment in force since 1 October 2022. The "
                "protection of personal information is unchanged.",
                dt.datetime(2025, 4, 1, tzinfo=TOKYO),
            ),
        ]
        for label, filename, summary, summary_en, effective in versions:
            if TermsVersion.objects.filter(bureau=bureau, label=label).exists():
                continue
            TermsVersion.objects.create(
                bureau=bureau,
                label=label,
                body=(TERMS_DIR / filename).read_text(encoding="utf-8"),
                body_en=(TERMS_DIR / filename.replace(".ja.", ".en.")).read_text(encoding="utf-8"),
                summary=summary,
                summary_en=summary_en,
                effective_from=effective,
                published_at=now,
                notices_queued_at=now,
            )

    def _users(self, bureau: Bureau, offices: dict[str, Office]) -> list[tuple[str, str]]:
        user_model = get_user_model()
        created = []
        if not user_model.objects.filter(username="admin").exists():
            password = secrets.token_urlsafe(12)
            admin = user_model.objects.create_superuser(
                "admin", "admin@hellowork.example.jp", password
            )
            StaffProfile.objects.create(user=admin, office=None, bureau=bureau)
            created.append(("admin", password))
        for office_code, username, display in COUNSELORS:
            office = offices[office_code]
            user = user_model.objects.filter(username=username).first()
            if user is None:
                password = secrets.token_urlsafe(12)
                user = user_model.objects.create_user(
                    username, f"{username}@hellowork.example.jp", password
                )
                user.is_staff = True
                user.save()
                created.append((username, password))
            StaffProfile.objects.update_or_create(
                user=user, defaults={"office": office, "bureau": bureau}
            )
            user.groups.add(Group.objects.get(name="Counselor"))
            counselor, _ = Counselor.objects.update_or_create(
                user=user,
                defaults={
                    "office": office,
                    "display_name": display,
                    "meeting_room_url": f"https://zoom.example.jp/j/{office.registration_code}{user.pk:04d}",
                },
            )
            for weekday in range(5):
                for start, end in (
                    (dt.time(9, 0), dt.time(12, 0)),
                    (dt.time(13, 0), dt.time(16, 0)),
                ):
                    WeeklyAvailability.objects.get_or_create(
                        counselor=counselor,
                        weekday=weekday,
                        start_time=start,
                        end_time=end,
                        defaults={"valid_from": dt.date(2024, 4, 1)},
                    )
        # The other two roles of the back office (groups made by bookings migration 0005).
        for username, group, office in (
            ("staff", "Office staff", offices["okayama"]),
            ("bureau", "Bureau administrator", None),
        ):
            user = user_model.objects.filter(username=username).first()
            if user is None:
                password = secrets.token_urlsafe(12)
                user = user_model.objects.create_user(
                    username, f"{username}@hellowork.example.jp", password, is_staff=True
                )
                created.append((username, password))
            StaffProfile.objects.update_or_create(
                user=user, defaults={"office": office, "bureau": bureau}
            )
            user.groups.add(Group.objects.get(name=group))
        return created

    def _jobseeker(self, office: Office, now: dt.datetime) -> None:
        Jobseeker.objects.get_or_create(
            number="33010-00012345",
            defaults={
                "family_name": "岡山",
                "given_name": "太郎",
                "family_name_kana": "オカヤマ",
                "given_name_kana": "タロウ",
                "email": "taro.demo@example.jp",
                "email_verified_at": now,
                "office": office,
                "registration_status": RegistrationStatus.VERIFIED_STAFF,
                "registration_valid_until": registration_end_for(tokyo_date(now)),
            },
        )
