"""The name search key: one key for the spellings of a name that staff would call the same."""

import unicodedata

import jaconv
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.names import (
    VARIANTS_FILE,
    fold_variants,
    name_key,
    read_variant_rows,
    variant_table,
)

# The variants issue 18 names, each with the form the published maps fold it to.
NAMED_IN_THE_ISSUE = [
    ("髙", "高"),
    ("﨑", "崎"),
    ("邊", "辺"),
    ("邉", "辺"),
    ("齋", "斎"),
    ("澤", "沢"),
    ("濵", "浜"),
    ("德", "徳"),
    ("𠮷", "吉"),
    ("桒", "桑"),
    ("嶋", "島"),
    ("濱", "浜"),
    ("廣", "広"),
    ("國", "国"),
    ("榮", "栄"),
    ("惠", "恵"),
    ("眞", "真"),
    ("瀨", "瀬"),
    ("冨", "富"),
    ("槇", "槙"),
    ("櫻", "桜"),
    ("萬", "万"),
    ("龍", "竜"),
    ("﨔", "欅"),
]


@pytest.mark.parametrize(("variant", "canonical"), NAMED_IN_THE_ISSUE)
def test_each_variant_named_in_the_issue_folds_to_its_common_form(variant, canonical):
    assert fold_variants(variant) == canonical
    assert name_key(f"{variant}田 花子") == name_key(f"{canonical}田花子")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("高橋", "髙橋 りん"),
        ("高橋りん", "髙橋 りん"),
        ("山崎", "山﨑"),
        ("渡辺", "渡邉"),
        ("渡辺", "渡邊"),
        ("吉田", "𠮷田"),
        ("斎藤", "齋藤"),
    ],
)
def test_a_name_typed_in_the_common_form_finds_the_registered_variant(typed, stored):
    assert name_key(typed) in name_key(stored)


def test_sai_of_saito_folds_as_the_family_register_does():
    # 齊 and 斉 are one character, 齋 and 斎 another; the maps keep the two apart.
    assert name_key("齊藤") == name_key("斉藤") != name_key("斎藤") == name_key("齋藤")


@pytest.mark.parametrize(
    "spelling",
    [
        "たかはし りん",
        "タカハシ リン",
        "ﾀｶﾊｼ ﾘﾝ",
        "タカハシ\u3000リン",
        "たかはしりん",
        " タカハシ  りん ",
    ],
)
def test_kana_of_either_kind_width_and_spacing_give_one_key(spelling):
    assert name_key(spelling) == "タカハシリン"


def test_voiced_half_width_kana_join_their_mark():
    assert name_key("ｻｲﾄｳ ｼﾞｭﾝ") == name_key("さいとう じゅん") == "サイトウジュン"


def test_a_foreign_name_matches_with_or_without_its_dot_and_in_any_case():
    assert name_key("ジョン・スミス") == name_key("ｼﾞｮﾝ･ｽﾐｽ") == name_key("ジョン スミス")
    assert name_key("SMITH John") == name_key("ｓｍｉｔｈ　ｊｏｈｎ") == "smithjohn"


def test_an_ideographic_variation_selector_is_ignored():
    assert name_key("葛\U000e0100城") == name_key("葛城")


def test_a_compatibility_ideograph_becomes_its_unified_form():
    assert name_key("\ufa10本") == name_key("塚本")  # 塚 (U+FA10) and 塚


def test_kanji_and_its_reading_keep_different_keys():
    assert name_key("高橋") != name_key("たかはし")


def test_nothing_gives_an_empty_key():
    assert name_key(None) == name_key("") == name_key(" \u3000") == ""


def test_the_table_has_every_row_with_its_published_source():
    rows = read_variant_rows(VARIANTS_FILE)
    assert len(rows) == len(variant_table()) >= 100
    assert {source for _, _, source in rows} <= {"MJ", "NTA"}
    assert len({variant for variant, _, _ in rows}) == len(rows)


def test_no_canonical_form_is_itself_folded_again():
    table = variant_table()
    assert not set(table.values()) & set(table)


def test_every_character_in_the_table_survives_nfkc():
    # A variant that NFKC changes would never reach the table; a canonical form that NFKC
    # changes would make the key unstable.
    for variant, canonical in variant_table().items():
        assert len(variant) == len(canonical) == 1
        assert unicodedata.normalize("NFKC", variant) == variant
        assert unicodedata.normalize("NFKC", canonical) == canonical


def test_a_row_whose_characters_and_codes_differ_is_refused(tmp_path):
    bad = tmp_path / "variants.tsv"
    bad.write_text("# header\n髙\t高\tU+9AD9\tU+9AD9\tMJ\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        read_variant_rows(bad)


def test_a_row_with_missing_columns_is_refused(tmp_path):
    bad = tmp_path / "variants.tsv"
    bad.write_text("髙\t高\tU+9AD9\n", encoding="utf-8")
    with pytest.raises(ValueError, match="5 columns"):
        read_variant_rows(bad)


HIRAGANA = [chr(c) for c in range(0x3041, 0x3097)]
NAME_TEXT = st.text(
    alphabet=st.sampled_from(
        HIRAGANA
        + [chr(c) for c in range(0x30A1, 0x30F7)]
        + list("高橋田中山崎渡辺吉島浜沢斎藤 \u3000・")
        + list(variant_table())
        + list("AbcXyz0129")
    ),
    max_size=20,
)


@given(st.text(max_size=30))
def test_the_key_of_a_key_is_itself(text):
    assert name_key(name_key(text)) == name_key(text)


@given(NAME_TEXT)
def test_the_key_ignores_width(text):
    narrow = jaconv.z2h(text, kana=True, ascii=True, digit=True)
    wide = jaconv.h2z(narrow, kana=True, ascii=True, digit=True)
    assert name_key(narrow) == name_key(wide) == name_key(text)


@given(NAME_TEXT)
def test_the_key_ignores_the_kind_of_kana(text):
    assert name_key(jaconv.kata2hira(text)) == name_key(jaconv.hira2kata(text)) == name_key(text)


@given(NAME_TEXT, st.lists(st.sampled_from([" ", "\u3000", "  "]), max_size=5), st.randoms())
def test_the_key_ignores_spaces_anywhere(text, spaces, random):
    chars = list(text)
    for space in spaces:
        chars.insert(random.randint(0, len(chars)), space)
    assert name_key("".join(chars)) == name_key(text)


@given(NAME_TEXT)
def test_the_key_ignores_which_variant_is_written(text):
    canonical_to_variant = {c: v for v, c in variant_table().items()}
    written = "".join(canonical_to_variant.get(char, char) for char in text)
    assert name_key(written) == name_key(text)
