"""Reading names (セイ・メイ): hiragana and half-width katakana become full-width katakana."""

import re
import unicodedata

import jaconv
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_KATAKANA = re.compile(r"^[\u30A0-\u30FF\u3000 ]+$")


def normalize_kana(raw: str) -> str:
    """Return the name in full-width katakana, or raise ValidationError."""
    text = jaconv.h2z(str(raw or "").strip(), kana=True, ascii=False, digit=False)
    text = jaconv.hira2kata(text)
    text = unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "")
    if not text:
        raise ValidationError(_("Enter the reading in katakana or hiragana."), code="required")
    if not _KATAKANA.match(text):
        raise ValidationError(_("Enter the reading in katakana or hiragana only."), code="invalid")
    return text
