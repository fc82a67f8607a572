"""Every staff page in Japanese and in Japan time (issue 18).

The pages are read from the URLconf (`tests/admin_urls.py`, as the scope walk does): every
admin list (with objects in it), change page, add page, history page, custom page and the
intermediate page of every action, now and added later, is rendered in Japanese as office
staff holding every permission of the domain (the superuser-like office role of the scope walk),
and then as a superuser for the pages of accounts and authenticators.

- No English word in the visible text (text nodes and the attributes a person reads or hears:
  title, aria-label, placeholder, alt, the value of buttons) outside a short allow-list of
  product names and formats; URLs, email addresses and the seeded data's own ASCII strings
  (user names, user agents, paths) are taken out first.
- No datetime in UTC: every seeded moment lies between 09:00 and 15:00 in Tokyo, so between
  00:00 and 06:00 UTC, and one audit entry at 07:30 in Tokyo lies on the previous day in UTC
  (22:30); no page may show an hour of those, nor an ISO timestamp.
"""

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from bookings.models import Reservation
from jobseekers.models import AuditAction, AuditEntry
from offices.models import Bureau, Office
from tests.admin_urls import fill, url_params, url_patterns
from tests.factories import tokyo
from tests.helpers import staff_login

from .test_scope_walk import CLOCK, DOMAIN_APPS, World, _object_model, _user, body_of, owned

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# A moment whose Tokyo date is not its UTC date: 2027-01-13 07:30 JST = 2027-01-12 22:30 UTC.
EARLY = tokyo(2027, 1, 13, 7, 30)

# English a Japanese page may show: product and format names, and units people read as such.
ALLOWED_WORDS = {
    "Zoom",
    "Webex",
    "Microsoft",
    "Teams",
    "Entra",  # Microsoft Entra ID: where a Teams user's object id is found
    "CSV",
    "iCalendar",
    "ics",
    "URL",
    "Excel",
    "UTF",
    "Shift_JIS",
    "BOM",
    "ID",
    "IP",
    "PDF",
    "TOTP",
    "QR",
    "OS",
    "English",  # the language switch names each language in itself
    "Hello",  # "Hello Work": the service's name
    "Work",
    "MB",
    "JIS",
    "Shift",  # Shift_JIS
    "GET",  # HTTP methods of the usage records
    "POST",
    "Web",  # ウェブ is written Web in Japanese too (Web予約)
    "token",  # the placeholder {token} of the meeting URL template, typed as it is
}
# Attributes whose text a person reads or hears.
SPOKEN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
URL_OR_EMAIL = re.compile(r"(https?://\S+|[\w.+-]+@[\w-]+(\.[\w-]+)+)")
PATH = re.compile(r"/[\w/.\-?=&%]+")
WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class VisibleText(HTMLParser):
    """The text of a page as a person reads or hears it: no script, style or template, and
    no text a page marks as English (lang="en": the English reference text of the terms)."""

    HIDDEN = {"script", "style", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0
        self.open: list[tuple[str, bool]] = []  # (tag, hidden) of each open element

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        hidden = tag in self.HIDDEN or (attributes.get("lang") or "").startswith("en")
        if tag not in VOID:
            self.open.append((tag, hidden))
        if hidden:
            self.hidden_depth += 1
        if self.hidden_depth:
            return
        for name in SPOKEN_ATTRIBUTES:
            if attributes.get(name):
                self.parts.append(attributes[name])
        is_button = tag == "button" or (
            tag == "input" and attributes.get("type") in ("submit", "button", "reset")
        )
        if is_button and attributes.get("value"):
            self.parts.append(attributes["value"])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if not any(name == tag for name, _ in self.open):
            return
        while self.open:
            name, hidden = self.open.pop()
            self.hidden_depth -= hidden
            if name == tag:
                break

    def handle_data(self, data):
        if not self.hidden_depth and data.strip():
            self.parts.append(data)


def visible_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.parts


def seeded_ascii(world: World) -> list[str]:
    """The ASCII strings of the seeded data a page may show as they are (longest first)."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jobseekers.models import UsageRecord

    values = set(get_user_model().objects.values_list("username", flat=True))
    values |= set(UsageRecord.objects.values_list("user_agent", flat=True))
    values |= set(TOTPDevice.objects.values_list("name", flat=True))
    values |= set(Reservation.objects.values_list("reference", flat=True))
    values |= set(Bureau.objects.values_list("code", flat=True))
    values |= set(Bureau.objects.values_list("name_en", flat=True))
    values |= set(Office.objects.values_list("name_en", flat=True))
    # The names of systems and browsers (Linux, Firefox); the kinds of device are translated.
    for family in ("os_family", "browser_family"):
        values |= set(UsageRecord.objects.values_list(family, flat=True))
    values |= set(Office.objects.values_list("code", flat=True))
    values |= {"ekkyo-b", "ekkyo-f", "own", "test", "-blocked", "-audit", "early", "-bounce"}
    values |= {"-error", "-today", "event-own", "-outcome", "-in-session", "-upcoming", "-cancel"}
    return sorted({v.strip() for v in values if v and v.strip()}, key=len, reverse=True)


def english_words(html: str, data: list[str]) -> list[str]:
    found = []
    for part in visible_text(html):
        text = URL_OR_EMAIL.sub(" ", part)
        for value in data:
            text = text.replace(value, " ")
        text = PATH.sub(" ", text)
        for word in WORD.findall(text):
            if word not in ALLOWED_WORDS:
                found.append(word)
    return found


# A time of day as a page shows it (10:00, 9:30, 10時00分), with the hour.
TIME = re.compile(r"(?<![\d:])(\d{1,2})(?::|時)(\d{2})(?![\d])")
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\+00:00|\bUTC\b")


def utc_renderings(html: str) -> list[str]:
    """Times of day in the visible text that only a UTC rendering of the seeded moments gives."""
    found = []
    for part in visible_text(html):
        found += ISO.findall(part)
        for match in TIME.finditer(part):
            hour = int(match.group(1))
            midnight = hour == 0 and match.group(2) == "00"  # a terms version's start
            if (hour <= 6 and not midnight) or hour in (22, 23):
                found.append(match.group(0))
    return found


@dataclass
class Page:
    url: str
    route: str
    name: str | None


def staff_pages(world: World, owner: str = "A", apps_: set[str] | None = None) -> list[Page]:
    """Every admin GET page: lists, add pages, custom pages, and each object's pages filled
    with an object of `owner`'s office (or any row, for a model no office owns)."""
    pages = []
    labels = sorted({model._meta.app_label for model in admin.site._registry})
    for route, _, name, pattern in url_patterns():
        if not route.startswith("admin/") or name in ("logout", "jsi18n", "autocomplete"):
            continue
        params = url_params(pattern)
        if params and route.endswith("<path:object_id>/"):
            continue  # redirects to the change page, which is walked
        if not params:
            pages.append(Page(fill(route, {}), route, name))
        elif params == ["app_label"]:
            pages += [Page(fill(route, {"app_label": label}), route, name) for label in labels]
        elif len(params) == 1:
            model = _object_model(route)
            if model is None:
                continue
            rows = owned(model, world, owner).order_by("pk")
            if not rows.exists():
                rows = model._default_manager.order_by("pk")
            obj = rows.first()
            if obj is not None:
                pages.append(Page(fill(route, {params[0]: obj.pk}), route, name))
    if apps_ is not None:
        pages = [p for p in pages if _app_of(p.route) in apps_ or _app_of(p.route) is None]
    return pages


def _app_of(route: str) -> str | None:
    parts = route.split("/")
    return parts[1] if len(parts) > 2 and parts[1] else None


def action_pages(client: Client, world: World, owner: str = "A") -> list[tuple[str, str]]:
    """(label, html) of the page each action shows before it acts (a confirmation, a form)."""
    pages = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in DOMAIN_APPS:
            continue
        ids = list(owned(model, world, owner).values_list("pk", flat=True)[:2])
        if not ids:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for action in model_admin._get_base_actions():
            if action.name not in ("delete_selected", "generate_slots"):
                continue  # the others act at once; their messages are checked by their tests
            response = client.post(
                url, {"action": action.name, "index": "0", "_selected_action": ids}
            )
            if response.status_code == 200:
                pages.append((f"{url} action {action.name}", body_of(response)))
    return pages


@pytest.fixture
def world(time_machine):
    time_machine.move_to(CLOCK, tick=False)
    built = World()
    AuditEntry.objects.create(
        at=EARLY,
        actor=built.a.users[0],
        action=AuditAction.VIEW,
        jobseeker=built.a.jobseekers[0],
        target="early",
    )
    return built


def rendered(world: World, role: str) -> list[tuple[str, str]]:
    """(url, html) of every staff page for `role`, in Japanese."""
    user = _user(role, world)
    client = staff_login(Client(HTTP_ACCEPT_LANGUAGE="ja"), user)
    client.cookies["django_language"] = "ja"
    out = []
    apps_ = None if role == "superuser" else DOMAIN_APPS
    for page in staff_pages(world, apps_=apps_):
        response = client.get(page.url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        out.append((page.url, body_of(response)))
    out += action_pages(client, world)
    return out


def _report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{url}: {sorted(set(words))}" for url, words in problems.items())


@pytest.mark.parametrize("role", ["office staff", "bureau administrator"])
def test_no_english_on_a_japanese_staff_page(world, role):
    pages = rendered(world, role)
    assert len(pages) > 40, [url for url, _ in pages]
    data = seeded_ascii(world)
    problems = {url: words for url, html in pages if (words := english_words(html, data))}
    assert not problems, f"{len(problems)} pages show English:\n" + _report(problems)


@pytest.mark.parametrize("role", ["office staff", "bureau administrator"])
def test_no_staff_page_shows_a_utc_time(world, role):
    pages = rendered(world, role)
    problems = {url: found for url, html in pages if (found := utc_renderings(html))}
    assert not problems, f"{len(problems)} pages show UTC times:\n" + _report(problems)
    # Not vacuous, and as the jobseekers' pages write it: the 10:00 consultation of the 13th.
    shown = {url for url, html in pages if "2027年1月13日（水）10:00" in html}
    reservation = world.a.reservations[0]
    assert reverse("admin:bookings_reservation_changelist") in shown
    assert reverse("admin:bookings_reservation_change", args=[reservation.pk]) in shown
    assert reverse("admin:bookings_slot_changelist") in shown


def test_the_checks_catch_what_they_look_for():
    """Not vacuous: English labels and UTC hours are found; data, URLs and product names not."""
    html = (
        '<div title="Filter by date"><script>var English = 1;</script>'
        "<p>Zoom の URL https://example.jp/a 2027年1月13日10:00</p>"
        '<input type="submit" value="Save"></div>'
    )
    assert english_words(html, []) == ["Filter", "by", "date", "Save"]
    assert utc_renderings(html) == []
    assert utc_renderings("<td>2027年1月13日1:00</td><td>2027-01-12 22:30</td>") == [
        "1:00",
        "22:30",
    ]
    assert {"2027-01-13T01:00", "+00:00"} <= set(utc_renderings("<td>2027-01-13T01:00+00:00</td>"))
    assert english_words('<p lang="en">The terms</p><p>規約</p>', []) == []
