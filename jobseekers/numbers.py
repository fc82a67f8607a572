"""The jobseeker number (求職番号): accept what people type, store one normal form.

Printed on the Hello Work card as five digits, a dash and up to eight digits
(``33010-12345678``). The normal form is ``NNNNN-NNNNNNNN``: the second part is
zero-padded to eight digits, so ``33010-123456`` and ``33010-00123456`` are one number.
The first five digits name the office of registration; nothing more is assumed.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NORMAL_FORM = re.compile(r"^\d{5}-\d{8}$")
NORMAL_FORM_PATTERN = r"^[0-9]{5}-[0-9]{8}$"

# Dash-like characters people type between the two parts (full-width, long vowel mark, …).
_DASHES = "-－ー‐‑‒–—―−ｰ﹣˗"
_SPACES = " \u3000\t"


def normalize_jobseeker_number(raw: str) -> str:
    """Return the normal form of a typed 求職番号, or raise ValidationError."""
    if raw is None:
        raise ValidationError(_("Enter your jobseeker number."), code="required")
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    for ch in _SPACES:
        text = text.replace(ch, "")
    for ch in _DASHES:
        text = text.replace(ch, "-")
    if not text:
        raise ValidationError(_("Enter your jobseeker number."), code="required")
    if not re.fullmatch(r"[0-9-]+", text):
        raise ValidationError(
            _("The jobseeker number may contain only digits and a dash, e.g. 33010-12345678."),
            code="invalid_characters",
        )
    parts = [p for p in text.split("-") if p != ""]
    if len(parts) == 1:
        digits = parts[0]
        if len(digits) != 13:
            raise ValidationError(
                _(
                    "The jobseeker number has 5 digits, a dash and up to 8 digits "
                    "(e.g. 33010-12345678); without the dash it is 13 digits."
                ),
                code="invalid_length",
            )
        first, second = digits[:5], digits[5:]
    elif len(parts) == 2:
        first, second = parts
        if len(first) != 5 or not 1 <= len(second) <= 8:
            raise ValidationError(
                _(
                    "The jobseeker number has 5 digits, a dash and up to 8 digits "
                    "(e.g. 33010-12345678)."
                ),
                code="invalid_length",
            )
    else:
        raise ValidationError(
            _("The jobseeker number has one dash, between the 5-digit and the 8-digit part."),
            code="invalid_format",
        )
    return f"{first}-{second.zfill(8)}"


def office_code_of(number: str) -> str:
    """The five digits that name the office of registration."""
    return number[:5]
