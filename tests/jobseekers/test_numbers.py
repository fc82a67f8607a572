import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from jobseekers.numbers import normalize_jobseeker_number


@pytest.mark.parametrize(
    "typed",
    [
        "33010-12345678",
        "３３０１０－１２３４５６７８",
        "33010ー12345678",
        "33010‐12345678",
        "33010−12345678",
        " 33010 - 1234 5678 ",
        "3301012345678",
        "３３０１０１２３４５６７８",
        "33010\u300012345678",
    ],
)
def test_it_accepts_what_people_type(typed):
    assert normalize_jobseeker_number(typed) == "33010-12345678"


def test_a_six_digit_second_part_is_zero_padded_to_the_normal_form():
    assert normalize_jobseeker_number("33010-123456") == "33010-00123456"
    assert normalize_jobseeker_number("３３０１０－１２３４５６") == "33010-00123456"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "abcde-12345678",
        "3301-12345678",
        "330100-1234567",
        "33010-123456789",
        "12345",
        "33010-1234-5678",
        "330101234567",
        "33010123456789",
        "33010-",
        "<script>",
    ],
)
def test_it_refuses_malformed_numbers(typed):
    with pytest.raises(ValidationError):
        normalize_jobseeker_number(typed)


def test_the_message_is_japanese_by_default_and_english_when_asked():
    with pytest.raises(ValidationError) as error:
        normalize_jobseeker_number("abc")
    with translation.override("ja"):
        assert "求職番号" in str(error.value.messages[0])
    with translation.override("en"):
        assert "jobseeker number" in str(error.value.messages[0])
