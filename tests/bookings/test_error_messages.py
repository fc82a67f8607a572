"""Every error of every journey form names its field: an error summary never repeats a message,
and never shows Django's generic "This field is required." (in either language)."""

import pytest
from django.utils import translation

from portal.forms import (
    ChecklistForm,
    ConsentForm,
    DetailsForm,
    FirstVisitForm,
    ReturningForm,
    TimeForm,
)

GENERIC = {"This field is required.", "このフィールドは必須です。"}

EMPTY = {}
TOO_LONG = {
    "number": "1" * 41,
    "family_name": "あ" * 51,
    "given_name": "あ" * 51,
    "family_name_kana": "ア" * 51,
    "given_name_kana": "ア" * 51,
    "email": "a" * 250 + "@example.jp",
    "interpreter": "on",
    "interpreter_language": "語" * 200,
    "note": "あ" * 2000,
}

FORMS = [FirstVisitForm, ReturningForm, ConsentForm, ChecklistForm, DetailsForm, TimeForm]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("form_class", FORMS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("data", [EMPTY, TOO_LONG], ids=["empty", "too-long"])
def test_the_error_summary_never_repeats_a_message(form_class, data, language):
    with translation.override(language):
        form = form_class(data)
        form.is_valid()
        messages = [message for _anchor, message in form.error_summary()]
    if form_class is DetailsForm and data is EMPTY:
        assert messages == []  # nothing is required there
        return
    assert messages, f"{form_class.__name__} accepted {data}"
    assert len(messages) == len(set(messages)), messages
    assert not GENERIC & set(messages), messages


@pytest.mark.django_db
def test_messages_name_the_field():
    with translation.override("ja"):
        form = ReturningForm({})
        form.is_valid()
        assert dict(form.error_summary()) == {
            "id_number": "求職番号を入力してください。",
            "id_email": "メールアドレスを入力してください。",
        }
    with translation.override("en"):
        form = ChecklistForm({})
        form.is_valid()
        assert "Tick the box to confirm: the firewall." in dict(form.error_summary()).values()
