"""The Japanese catalog is complete: no untranslated or fuzzy entry, and the .mo is current."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

PO = Path(__file__).resolve().parents[1] / "locale" / "ja" / "LC_MESSAGES" / "django.po"


def _entries(text: str):
    for block in text.split("\n\n"):
        if "msgid " not in block or block.lstrip().startswith("#~"):
            continue
        msgid = "".join(re.findall(r'"(.*)"', block.split("msgstr")[0].split("msgid ", 1)[1]))
        if not msgid:
            continue
        msgstrs = re.findall(r'msgstr(?:\[\d\])? ((?:".*"\s*)+)', block)
        values = ["".join(re.findall(r'"(.*)"', m)) for m in msgstrs]
        yield (
            msgid,
            values,
            "fuzzy" in "".join(line for line in block.splitlines() if line.startswith("#,")),
        )


def test_every_japanese_entry_is_translated_and_not_fuzzy():
    problems = [
        msgid
        for msgid, values, fuzzy in _entries(PO.read_text(encoding="utf-8"))
        if fuzzy or not values or any(not v for v in values)
    ]
    assert problems == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_the_compiled_catalog_is_current(tmp_path):
    out = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(out), str(PO)], check=True)  # noqa: S603, S607
    assert out.read_bytes() == PO.with_suffix(".mo").read_bytes()
