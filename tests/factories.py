"""factory_boy factories for the domain; defaults make a valid, bookable world."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from bookings.models import (
    SLOT_LENGTH,
    Counselor,
    Reservation,
    ReservationSource,
    Slot,
    WeeklyAvailability,
)
from consent.models import Consent, ConsentChannel, TermsVersion
from core.calendar import TOKYO
from core.tokens import hash_token, new_nonce, new_reference, reservation_token
from jobseekers.models import Jobseeker, RegistrationStatus
from offices.models import Bureau, Office, StaffProfile


class BureauFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bureau
        django_get_or_create = ("code",)

    code = "okayama"
    name = "岡山労働局"
    name_en = "Okayama Labour Bureau"


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office

    bureau = factory.SubFactory(BureauFactory)
    code = factory.Sequence(lambda n: f"office{n}")
    registration_code = factory.Sequence(lambda n: f"{33010 + n * 10}")
    name = factory.Sequence(lambda n: f"ハローワーク{n}")
    name_en = factory.Sequence(lambda n: f"Hello Work {n}")
    phone = "000-0000-0000"
    email = "office@hellowork.example.jp"
    video_app_name = "Zoom"
    video_app_terms_url = "https://zoom.example/terms"
    video_app_guide_url = "https://zoom.example/guide"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@hellowork.example.jp")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffProfile

    user = factory.SubFactory(UserFactory)
    office = factory.SubFactory(OfficeFactory)
    bureau = factory.LazyAttribute(lambda p: p.office.bureau if p.office else BureauFactory())


class CounselorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Counselor

    user = factory.SubFactory(UserFactory)
    office = factory.SubFactory(OfficeFactory)
    display_name = factory.Sequence(lambda n: f"相談員{n}")
    meeting_room_url = factory.Sequence(lambda n: f"https://zoom.example/j/{1000 + n}")


class WeeklyAvailabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WeeklyAvailability

    counselor = factory.SubFactory(CounselorFactory)
    weekday = 0
    start_time = dt.time(9, 0)
    end_time = dt.time(12, 0)
    valid_from = dt.date(2024, 1, 1)


def tokyo(year, month, day, hour=0, minute=0, second=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=TOKYO)


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Slot

    counselor = factory.SubFactory(CounselorFactory)
    office = factory.LazyAttribute(lambda s: s.counselor.office)
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + SLOT_LENGTH)


class JobseekerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jobseeker

    number = factory.Sequence(lambda n: f"33010-{n:08d}")
    family_name = "山田"
    given_name = "花子"
    family_name_kana = "ヤマダ"
    given_name_kana = "ハナコ"
    email = factory.Sequence(lambda n: f"jobseeker{n}@example.jp")
    email_verified_at = factory.LazyFunction(timezone.now)
    office = factory.SubFactory(OfficeFactory)
    registration_status = RegistrationStatus.VERIFIED_STAFF
    registration_valid_until = dt.date(2099, 12, 31)


class TermsVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TermsVersion

    bureau = factory.SubFactory(BureauFactory)
    label = factory.Sequence(lambda n: f"v{n + 1}")
    body = "オンライン職業相談等利用規約"
    summary = "初版"
    effective_from = tokyo(2024, 4, 1)
    published_at = tokyo(2024, 3, 1)
    # As if its Art 14 notices had gone out when it was published.
    notices_queued_at = factory.LazyAttribute(lambda v: v.published_at)


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    jobseeker = factory.SubFactory(JobseekerFactory)
    terms_version = factory.SubFactory(TermsVersionFactory)
    given_at = factory.LazyFunction(timezone.now)
    channel = ConsentChannel.WEB
    video_app_terms_accepted = True


class ReservationFactory(factory.django.DjangoModelFactory):
    """A reservation written directly (no rules checked); use the service to test rules."""

    class Meta:
        model = Reservation

    reference = factory.LazyFunction(new_reference)
    jobseeker = factory.SubFactory(JobseekerFactory)
    slot = factory.SubFactory(SlotFactory)
    office = factory.LazyAttribute(lambda r: r.slot.office)
    starts_at = factory.LazyAttribute(lambda r: r.slot.starts_at)
    source = ReservationSource.WEB
    meeting_url = "https://zoom.example/j/1"
    access_nonce = factory.LazyFunction(new_nonce)
    access_token_hash = factory.LazyAttribute(
        lambda r: hash_token(reservation_token(reference=r.reference, nonce=r.access_nonce))
    )
