"""How the audit trail's stored codes read on the staff's pages (no codes, no English in ja)."""

from django.utils import translation

from backoffice.audit import audit_detail_label, audit_target_label


def test_the_counselors_day_and_a_time_change_read_as_words():
    with translation.override("ja"):
        assert audit_target_label("day:2027-01-13") == "この日の相談 2027年1月13日（水）"
        assert audit_target_label("reservation:42") == "予約 #42"
        assert audit_detail_label("slot 12 -> 34") == "日時の変更（予約枠 #12 → #34）"
    with translation.override("en"):
        assert audit_detail_label("slot 12 -> 34") == "Time changed (slot #12 → #34)"


def test_a_malformed_day_is_shown_as_stored_after_its_label():
    with translation.override("ja"):
        assert audit_target_label("day:not-a-date") == "この日の相談 not-a-date"
