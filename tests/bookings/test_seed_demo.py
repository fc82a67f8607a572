import pytest
from django.core.management import call_command
from django.utils import timezone

from bookings.models import Counselor, Slot, WeeklyAvailability
from consent.models import TermsVersion
from consent.selectors import terms_in_force
from core.calendar import TOKYO, is_closed
from jobseekers.models import Jobseeker
from offices.models import Office

# The outcome depends on the date the suite runs at: `make test-dates` runs it at each date.
pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def _counts():
    return [
        m.objects.count()
        for m in (Office, Counselor, WeeklyAvailability, Slot, TermsVersion, Jobseeker)
    ]


def test_seed_demo_twice_gives_the_same_counts(capsys):
    call_command("seed_demo")
    first = _counts()
    out = capsys.readouterr().out
    assert "admin" in out
    call_command("seed_demo")
    assert _counts() == first
    assert first[0] >= 3 and first[3] > 0


def test_demo_slots_fall_on_no_closed_day():
    call_command("seed_demo")
    for starts_at in Slot.objects.values_list("starts_at", flat=True):
        assert not is_closed(starts_at.astimezone(TOKYO).date())


def test_the_demo_terms_are_the_published_text():
    call_command("seed_demo")
    terms = TermsVersion.objects.get(label="v1")
    assert "オンライン職業相談等利用規約" in terms.body
    assert terms.published_at is not None


def test_the_demo_has_a_second_version_citing_article_5_5():
    call_command("seed_demo")
    v1 = TermsVersion.objects.get(label="v1")
    v2 = TermsVersion.objects.get(label="v2")
    assert "職業安定法第5条の4" in v1.body
    assert "職業安定法第5条の5" in v2.body and "職業安定法第5条の4" not in v2.body
    assert "第5条の5" in v2.summary
    assert "Article 5-5" in v2.body_en and "Article 5-4" in v1.body_en
    assert terms_in_force(bureau_id=v2.bureau_id, now=timezone.now()) == v2
