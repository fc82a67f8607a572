"""The glossary (docs/glossary.md) is kept: no page or email uses a word it says never to use.

Reads the Japanese translations (locale/ja/LC_MESSAGES/*.po: msgstr for Japanese words, msgid
for English ones) and the templates, and names the file and line of each use.
"""

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "glossary.md"
CATALOGS = sorted((ROOT / "locale" / "ja" / "LC_MESSAGES").glob("*.po"))
TEMPLATES = sorted(
    path for pattern in ("*.html", "*.txt") for path in (ROOT / "templates").rglob(pattern)
)


@dataclass(frozen=True)
class Rule:
    pattern: str
    use: str
    jobseekers_only: bool = False  # the word is the staff's own: fine on staff pages

    def search(self, text: str) -> re.Match | None:
        return re.search(self.pattern, text)


JAPANESE = [
    Rule(r"支援者|付添人|付き添い", "介助者"),
    Rule(r"利用者|求職者様", "求職者"),
    Rule(r"カウンセラー|相談担当者", "相談員"),
    Rule(r"第[0-9０-９]+条[(（][0-9０-９]+[)）]", "第N条第M項"),
    Rule(r"(?<!利用)規約第", "利用規約第N条"),
    Rule(r"参照番号|予約コード|受付番号", "予約番号"),
    Rule(r"求職者番号", "求職番号"),
    Rule(r"招待状", "招待メール"),
    Rule(r"会議URL|参加URL", "ミーティングURL"),
    Rule(r"取消|取り消", "キャンセル"),
    Rule(r"無断キャンセル|不参加|ノーショー", "無断欠席"),
    Rule(r"オンライン相談|ネット相談", "オンライン職業相談"),
    Rule(r"送信を予約", "まもなく送信されます"),
    # 所 after a word it ends (場所, 住所, 事業所, 近所 …) is not the office.
    Rule(
        r"安定所|(?<![場住業務近役箇出短長判])所(?:へ|に|まで|から|で|の|が|は)",
        "ハローワーク",
        True,
    ),
]
ENGLISH = [
    Rule(r"(?i)\bjob[ -]seekers?\b", "jobseeker"),
    Rule(r"(?i)\bcounsellors?\b", "counselor"),
    Rule(r"(?i)\b(?:advisers?|consultants?)\b", "counselor"),
    Rule(r"(?i)\b(?:supporters?|helpers?|carers?|caregivers?)\b", "assistant"),
    Rule(r"(?i)\b(?:booking|reservation) numbers?\b", "reference"),
]

# Where the staff alone read a string: the admin and the back office, model labels (shown in
# the admin), the roster import, the management commands, and the meeting URL's problems and
# the video services' errors (meetings/).
STAFF_ONLY = re.compile(
    r"^(?:templates/admin/|backoffice/|meetings/)|(?:^|/)admin[^/]*\.py$|(?:^|/)models\.py$"
    r"|(?:^|/)roster\.py$|/management/|^(?:bookings/meeting|notifications/services/meeting)\.py$"
)


@dataclass(frozen=True)
class Text:
    path: Path
    line: int
    text: str
    staff_only: bool


def _catalog_texts(path: Path, *, field: str):
    """Each msgid or msgstr line of a .po file, with its entry's readers."""
    locations: list[str] = []
    current = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#:"):
            locations.extend(line[2:].split())
        elif line.startswith("msgid"):
            current = "msgid"
        elif line.startswith("msgstr"):
            current = "msgstr"
        elif not line.strip():
            locations, current = [], None
        if current != field or line.startswith("#"):
            continue
        value = "".join(re.findall(r'"(.*)"', line))
        staff = bool(locations) and all(STAFF_ONLY.search(loc) for loc in locations)
        yield Text(path, number, value, staff)


def _template_texts():
    for path in TEMPLATES:
        staff = bool(STAFF_ONLY.search(path.relative_to(ROOT).as_posix()))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            yield Text(path, number, line, staff)


def _misuses(texts, rules: list[Rule]) -> list[str]:
    found = []
    for text in texts:
        for rule in rules:
            if rule.jobseekers_only and text.staff_only:
                continue
            if match := rule.search(text.text):
                where = f"{text.path.relative_to(ROOT)}:{text.line}"
                found.append(f"{where}: {match.group()!r} (use {rule.use})")
    return found


def test_the_japanese_text_uses_the_glossary_words():
    texts = [t for po in CATALOGS for t in _catalog_texts(po, field="msgstr")]
    assert len(texts) > 500 and len(TEMPLATES) > 50
    assert _misuses([*texts, *_template_texts()], JAPANESE) == []


def test_the_english_text_uses_the_glossary_words():
    texts = [t for po in CATALOGS for t in _catalog_texts(po, field="msgid")]
    assert len(texts) > 500
    assert _misuses([*texts, *_template_texts()], ENGLISH) == []


def test_a_misuse_is_named_with_its_file_and_line(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    po = tmp_path / "django.po"
    po.write_text(
        '#: templates/emails/invitation-body.txt\nmsgid "Tell the office."\n'
        'msgstr "事前に所へお知らせください（第13条(2)）。支援者も。"\n\n'
        '#: backoffice/admin/bookings.py\nmsgid "Closed days"\nmsgstr "所の閉庁日"\n',
        encoding="utf-8",
    )
    found = _misuses(_catalog_texts(po, field="msgstr"), JAPANESE)
    assert found == [
        "django.po:3: '支援者' (use 介助者)",
        "django.po:3: '第13条(2)' (use 第N条第M項)",
        "django.po:3: '所へ' (use ハローワーク)",
    ]


def test_every_word_the_glossary_forbids_is_checked():
    never = []
    for row in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        if len(cells) == 4 and cells[2] and cells[2] not in ("never", "---"):
            never.extend(word for word in re.split(r"[,;]\s*", cells[2]) if word)
    assert len(never) > 20
    unchecked = []
    for word in never:
        sample = re.sub(r"\s+\(.*\)$", "", word).replace("N", "13").replace("M", "2")
        rules = JAPANESE if re.search(r"[^\x00-\x7f]", sample) else ENGLISH
        if not any(rule.search(sample) for rule in rules):
            unchecked.append(word)
    assert unchecked == []
