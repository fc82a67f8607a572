"""A search key for Japanese personal names, so that a name is found however staff type it.

`name_key` folds what differs between two spellings of one name that a person would call the
same: full- and half-width forms (NFKC), hiragana and katakana (both become katakana), spaces of
either width and the ・ between parts of a foreign name (removed), Latin case, ideographic
variation selectors (葛 with or without one), and the kanji variants of core/data/name_variants.tsv
(髙→高, 﨑→崎, 邊/邉→辺, 澤→沢 …). That table is an extract of published maps, named with their
licences in the file: the MJ縮退マップ (IPA / CITPC), column 「法務省戸籍法関連通達・通知」, and
where it is silent the 国税庁 JIS縮退マップ.

Compare keys, never the names themselves: `name_key(stored) == name_key(typed)`, or a key column
kept beside the name and searched with `contains`. The key is for finding, not for display.
"""

import re
import unicodedata
from functools import cache
from pathlib import Path

import jaconv

VARIANTS_FILE = Path(__file__).resolve().parent / "data" / "name_variants.tsv"

# Variation selectors pick a glyph (an IVS such as 葛󠄀), not a character; a search ignores them.
_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
# After NFKC: any whitespace (U+3000 has become U+0020), and the middle dots between the parts of
# a foreign name (ジョン・スミス; NFKC turns the half-width ･ into ・).
_SEPARATORS = re.compile(r"[\s・]+")


def _code_point(text: str) -> str:
    if not text.startswith("U+"):
        raise ValueError(f"not a code point: {text!r}")
    return chr(int(text[2:], 16))


def read_variant_rows(path: Path) -> list[tuple[str, str, str]]:
    """The rows of a variant file as (variant, canonical, source); a malformed row raises."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != 5:
            raise ValueError(f"{path.name} line {number}: 5 columns expected, {len(cells)} found")
        variant, canonical, variant_code, canonical_code, source = cells
        if (_code_point(variant_code), _code_point(canonical_code)) != (variant, canonical):
            raise ValueError(f"{path.name} line {number}: the characters and codes differ")
        rows.append((variant, canonical, source))
    return rows


@cache
def variant_table() -> dict[str, str]:
    """The variant → canonical form map of core/data/name_variants.tsv."""
    return {variant: canonical for variant, canonical, _ in read_variant_rows(VARIANTS_FILE)}


@cache
def _translation() -> dict[int, str]:
    return {ord(variant): canonical for variant, canonical in variant_table().items()}


def fold_variants(text: str) -> str:
    """Replace each kanji variant of the table by its canonical form (髙橋 → 高橋)."""
    return text.translate(_translation())


def name_key(text: str | None) -> str:
    """The key two spellings of one name share: 髙橋 りん, 高橋りん, ﾀｶﾊｼ ﾘﾝ → one key per script.

    Kanji and kana stay what they are (no reading is guessed): 高橋 and タカハシ have different
    keys, and a search tries the typed text against both the name and its reading.
    """
    # Selectors and separators go before the last NFKC, which may then compose what they kept
    # apart (a base letter and its combining mark).
    text = _SELECTORS.sub("", text or "")
    text = unicodedata.normalize("NFKC", text).casefold()
    text = unicodedata.normalize("NFKC", _SEPARATORS.sub("", text))
    return fold_variants(jaconv.hira2kata(text))
