"""Every date or time a person types is kept to a sensible range, by the form and the service.

Issue 15 §3 item 4: the phone desk stored a late notice "called at" 0001-01-01 00:00, and the
day view of 9999-12-31 overflowed. The range is today's (Asia/Tokyo): ten years back (history,
patterns that started long ago), five ahead; a phone call is within the last seven days and
not in the future.
"""

import datetime as dt

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from bookings.models import Reservation, Slot, WeeklyAvailability
from bookings.services.reservations import reservation_cancel, reservation_late_notice
from bookings.services.slots import slot_create
from consent.models import TermsVersion
from consent.services import TermsEffectiveDateInvalid, terms_draft_create, terms_publish
from core.dates import (
    SensibleDateField,
    SensibleDatesForm,
    call_time_check,
    date_check,
    date_range,
)
from core.errors import CallTimeInvalid, DateOutOfRange
from jobseekers.models import Jobseeker, UsageExport, UsageRecord
from jobseekers.roster import roster_check
from jobseekers.services import jobseeker_verify
from jobseekers.usage import usage_export
from offices.models import OfficeClosedDay
from tests.backoffice.conftest import BUREAU_ADMIN, OFFICE_STAFF, make_user
from tests.bookings.conftest import World, sign_in_client
from tests.factories import (
    CounselorFactory,
    JobseekerFactory,
    OfficeFactory,
    ReservationFactory,
    SlotFactory,
    TermsVersionFactory,
    UserFactory,
    WeeklyAvailabilityFactory,
    tokyo,
)
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db

NOW = tokyo(2026, 12, 1, 9, 0)
EDGES = [dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(2016, 11, 30), dt.date(2031, 12, 2)]


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def test_the_range_is_ten_years_back_and_five_ahead(now):
    assert date_range() == (dt.date(2016, 12, 1), dt.date(2031, 12, 1))
    # On 29 February the range ends on 28 February.
    assert date_range(now=tokyo(2028, 2, 29, 12)) == (dt.date(2018, 2, 28), dt.date(2033, 2, 28))
    for day in EDGES:
        with pytest.raises(DateOutOfRange):
            date_check(day)
    date_check(dt.date(2016, 12, 1))
    date_check(dt.date(2031, 12, 1))
    # An instant past 9999-12-31 in Tokyo is out of range too, not an OverflowError.
    with pytest.raises(DateOutOfRange):
        date_check(dt.datetime.max.replace(tzinfo=dt.UTC))


def test_a_call_is_within_the_last_seven_days_and_not_in_the_future(now):
    call_time_check(NOW - dt.timedelta(days=7), now=NOW)
    call_time_check(NOW + dt.timedelta(minutes=5), now=NOW)
    for called_at in (
        NOW - dt.timedelta(days=7, seconds=1),
        NOW + dt.timedelta(minutes=6),
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),
        tokyo(9999, 12, 31, 23, 59),
    ):
        with pytest.raises(CallTimeInvalid):
            call_time_check(called_at, now=NOW)


def test_the_form_field_says_the_range_in_japanese(now):
    field = SensibleDateField()
    with translation.override("ja"):
        for raw in ("0001-01-01", "9999-12-31"):
            with pytest.raises(ValidationError) as raised:
                field.clean(raw)
            message = " ".join(raised.value.messages)
            assert (
                message
                == "2016年12月1日（木）から2031年12月1日（月）までの日付を入力してください。"
            )
    assert field.clean("2026-12-01") == dt.date(2026, 12, 1)


# The services refuse what a form would have refused.


def test_the_phone_desk_services_refuse_a_call_time_out_of_range(now):
    reservation = ReservationFactory(slot=SlotFactory(starts_at=tokyo(2026, 12, 3, 10)))
    for service in (reservation_late_notice, reservation_cancel):
        with pytest.raises(CallTimeInvalid):
            service(
                reservation=reservation,
                actor=None,
                called_at=tokyo(1, 1, 1),
                **({"reason": "x"} if service is reservation_cancel else {}),
            )
    reservation.refresh_from_db()
    assert reservation.late_notice_at is None and reservation.cancelled_at is None


def test_slot_registration_terms_roster_and_export_services_refuse_dates_out_of_range(now):
    counselor = CounselorFactory()
    with pytest.raises(DateOutOfRange):
        slot_create(counselor=counselor, starts_at=tokyo(9999, 12, 31, 10))
    assert not Slot.objects.exists()
    jobseeker = JobseekerFactory(office=counselor.office)
    with pytest.raises(DateOutOfRange):
        jobseeker_verify(jobseeker=jobseeker, actor=None, valid_until=dt.date(9999, 12, 31))
    bureau = counselor.office.bureau
    with pytest.raises(TermsEffectiveDateInvalid):
        terms_draft_create(bureau=bureau, label="v9", body="本文", effective_from=tokyo(1, 1, 1))
    draft = TermsVersionFactory(
        bureau=bureau, effective_from=tokyo(9999, 12, 31), published_at=None, summary="改定"
    )
    with pytest.raises(TermsEffectiveDateInvalid):
        terms_publish(version=draft)
    assert not TermsVersion.objects.get(pk=draft.pk).is_published
    preview = roster_check(
        rows=[(1, [f"{counselor.office.registration_code}-00000001", "岡山 太郎", "9999/12/31"])],
        office=counselor.office,
        today=dt.date(2026, 12, 1),
        jobseekers=Jobseeker.objects.filter(office=counselor.office),
    )
    assert not preview.ok and "2031年12月1日" in " ".join(preview.rows[0].errors)
    with pytest.raises(DateOutOfRange):
        usage_export(
            actor=UserFactory(),
            records=UsageRecord.objects.all(),
            reason="裁判所からの照会に基づく",
            since=dt.date(1, 1, 1),
            until=dt.date(2026, 12, 1),
        )
    assert not UsageExport.objects.exists()


# The forms: custom pages and every admin form.


def test_the_phone_desk_refuses_a_call_typed_as_year_1(client, now):
    office = OfficeFactory()
    reservation = ReservationFactory(
        slot=SlotFactory(
            counselor=CounselorFactory(office=office), starts_at=tokyo(2026, 12, 1, 10)
        )
    )
    staff_login(client, make_user(OFFICE_STAFF, office=office))
    url = reverse("admin:bookings_reservation_phone", args=[reservation.pk])
    for called_at in ("0001-01-01T00:00", "9999-12-31T23:59", "2026-11-20T09:00"):
        for action in ("late", "cancel"):
            response = client.post(
                url,
                {"action": action, "caller": "本人", "called_at": called_at, "reason": "x"},
            )
            assert response.status_code == 400, (called_at, action)
            form = response.context["late_form" if action == "late" else "cancel_form"]
            assert form.errors["called_at"]
            assert any(
                text in response.content.decode()
                for text in ("過去7日以内", "未来の時刻は指定できません")
            )
    reservation.refresh_from_db()
    assert reservation.late_notice_at is None and reservation.cancel_called_at is None


def test_the_verify_and_export_pages_refuse_dates_out_of_range(client, now):
    office = OfficeFactory()
    jobseeker = JobseekerFactory(office=office, registration_valid_until=None)
    staff_login(client, make_user(OFFICE_STAFF, office=office))
    response = client.post(
        reverse("admin:jobseekers_jobseeker_verify", args=[jobseeker.pk]),
        {"valid_until": "9999-12-31"},
    )
    assert response.status_code == 400 and response.context["form"].errors["valid_until"]
    jobseeker.refresh_from_db()
    assert jobseeker.registration_valid_until is None
    staff_login(client, make_user(BUREAU_ADMIN, office=office))
    response = client.post(
        reverse("admin:jobseekers_usagerecord_export"),
        {"since": "0001-01-01", "until": "9999-12-31", "reason": "裁判所からの照会に基づく"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"since", "until"}
    assert not UsageExport.objects.exists()


def _admin_forms():
    """(name, form class) of every add and change form and inline formset of the admin."""
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    for model, model_admin in admin.site._registry.items():
        name = f"{model._meta.app_label}.{model._meta.model_name}"
        yield name, model_admin.get_form(request, None, change=False)
        for inline in model_admin.get_inline_instances(request, None):
            yield (
                f"{name} inline {inline.model._meta.model_name}",
                inline.get_formset(request, None).form,
            )


def test_every_admin_form_with_a_date_keeps_it_in_range(now):
    from django import forms

    from backoffice.dates import SensibleDatesAdmin

    # Every ModelAdmin of the site, the project's and the libraries' (auth, django-otp,
    # django-axes), and every inline, through backoffice.dates.sensible_dates_everywhere.
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, SensibleDatesAdmin), model
        assert all(issubclass(i, SensibleDatesAdmin) for i in model_admin.inlines), model
    dated = []
    for name, form_class in _admin_forms():
        fields = form_class.base_fields.values()
        if any(
            isinstance(f, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField)
            for f in fields
        ):
            dated.append(name)
            assert issubclass(form_class, SensibleDatesForm), name
    # The forms that matter are among them (the check above is not empty).
    assert {
        "offices.officeclosedday",
        "bookings.slot",
        "consent.termsversion",
        "otp_totp.totpdevice",
    } <= set(dated)


def test_admin_forms_refuse_a_new_date_out_of_range_and_keep_an_old_one(client, now):
    office = OfficeFactory()
    counselor = CounselorFactory(office=office)
    staff_login(client, UserFactory(is_superuser=True, is_staff=True))
    add_closed = reverse("admin:offices_officeclosedday_add")
    for day in ("0001-01-01", "9999-12-31"):
        response = client.post(add_closed, {"office": office.pk, "date": day, "reason": "x"})
        assert response.status_code == 200 and response.context["adminform"].form.errors
    assert not OfficeClosedDay.objects.exists()
    response = client.post(
        reverse("admin:bookings_slot_add"),
        {"counselor": counselor.pk, "starts_at_0": "9999-12-30", "starts_at_1": "10:00"},
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert not Slot.objects.exists()
    # A pattern that started eleven years ago can still be edited without retyping its start.
    pattern = WeeklyAvailabilityFactory(counselor=counselor, valid_from=dt.date(2015, 4, 1))
    response = client.post(
        reverse("admin:bookings_weeklyavailability_change", args=[pattern.pk]),
        {
            "counselor": counselor.pk,
            "weekday": pattern.weekday,
            "start_time": "09:00",
            "end_time": "12:00",
            "valid_from": "2015-04-01",
            "valid_until": "",
        },
    )
    assert response.status_code == 302
    pattern.refresh_from_db()
    assert pattern.end_time == dt.time(12) and pattern.valid_from == dt.date(2015, 4, 1)
    # But not moved to year 1.
    response = client.post(
        reverse("admin:bookings_weeklyavailability_change", args=[pattern.pk]),
        {
            "counselor": counselor.pk,
            "weekday": pattern.weekday,
            "start_time": "09:00",
            "end_time": "12:00",
            "valid_from": "0001-01-01",
            "valid_until": "",
        },
    )
    assert response.status_code == 200
    assert WeeklyAvailability.objects.get(pk=pattern.pk).valid_from == dt.date(2015, 4, 1)


def test_a_date_hierarchy_out_of_range_is_the_admin_s_error_page(client, now):
    staff_login(client, UserFactory(is_superuser=True, is_staff=True))
    url = reverse("admin:bookings_reservation_changelist")
    for query in (
        {"starts_at__year": "9999", "starts_at__month": "12"},
        {"starts_at__year": "9999", "starts_at__month": "12", "starts_at__day": "31"},
        {"starts_at__year": "9999"},
        {"starts_at__year": "1"},
        {"starts_at__year": "99999999999999999999"},
    ):
        response = client.get(url, query)
        assert response.status_code == 302 and response["Location"].endswith("?e=1"), query
    assert client.get(url, {"starts_at__year": "2026", "starts_at__month": "12"}).status_code == 200
    # A library's admin too (django-axes' access log has a date hierarchy).
    response = client.get(
        reverse("admin:axes_accesslog_changelist"), {"attempt_time__year": "99999999999999999999"}
    )
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_the_day_page_of_a_date_out_of_range_is_404(now):
    world = World()
    client = sign_in_client(Client(), world.jobseeker)
    assert client.get("/book/date/2026-12-03/").status_code == 200
    for day in ("9999-12-31", "0001-01-01", "0000-01-01", "2026-02-30", "2026-13-01"):
        assert client.get(f"/book/date/{day}/").status_code == 404, day
        assert client.post(f"/book/date/{day}/", {"slot": world.slot.pk}).status_code == 404
    assert reverse("bookings:day", args=[dt.date(2026, 12, 3)]) == "/book/date/2026-12-03/"
    assert not Reservation.objects.exists()
