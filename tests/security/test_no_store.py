"""`Cache-Control: no-store` on every page that is not explicitly cacheable (issue 15, 3.8).

Shared PCs in libraries and offices: a page with a jobseeker's name and number, a reservation,
an email or a counselor's day must not be kept by the browser or a proxy. The tests walk every
URL pattern the portal routes — public and admin — as a signed-in jobseeker and as a signed-in
staff member, and find `no-store` on every answer but the one page that opted out.
"""

import pytest
import time_machine
from django.apps import apps
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from bookings.services.reservations import reservation_access_token
from jobseekers.signin import sign_in_request_returning
from portal.views import SESSION_DETAILS
from security.middleware import NoStoreMiddleware, shared_cache_allowed
from tests.bookings.conftest import NOW, World
from tests.factories import ReservationFactory, UserFactory, tokyo
from tests.helpers import sign_in_client, sign_in_token, staff_login

# The walk's sign-in link is made at NOW and spent on the database's clock, which starts there.
pytestmark = [pytest.mark.django_db, pytest.mark.clock(NOW)]

# The only pages that may be cached: the same for everyone, nothing personal, no CSRF token.
CACHEABLE = {"security_txt"}


def _patterns(resolver=None, namespace: str = ""):
    """(namespaced name, names of the URL's keyword arguments) of every named URL pattern."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name, set(pattern.pattern.regex.groupindex)


def _admin_model(name: str):
    """The model of an admin URL name such as `admin:bookings_reservation_change`."""
    for model in apps.get_models():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            return model
    return None


class Walk:
    """A world with one of everything, and the argument each URL pattern needs."""

    def __init__(self):
        self.world = World()
        # Room for the reservation below and a second one in the journey.
        self.world.office.max_upcoming_web_bookings = 5
        self.world.office.save()
        self.reservation = ReservationFactory(
            jobseeker=self.world.jobseeker, slot=self.world.slot_at(tokyo(2026, 12, 4, 10, 0))
        )
        self.reservation_token = reservation_access_token(self.reservation)
        sign_in_request_returning(
            number=self.world.jobseeker.number, email=self.world.jobseeker.email, now=NOW
        )
        self.sign_in_token = sign_in_token(now=NOW)

    def kwargs(self, name: str, params: set[str]) -> dict[str, str]:
        values = {}
        for param in params:
            if param == "token":
                values[param] = (
                    self.sign_in_token if name == "bookings:sign_in" else self.reservation_token
                )
            elif param == "reference":
                values[param] = self.reservation.reference
            elif param == "date":
                values[param] = self.world.slot.starts_at.date().isoformat()
            elif param == "bureau":
                values[param] = self.world.office.bureau.code
            elif param == "pk" and name.startswith("consent:"):
                values[param] = str(self.world.terms.pk)
            elif param == "app_label":
                values[param] = "bookings"
            elif param == "content_type_id":
                from django.contrib.contenttypes.models import ContentType

                values[param] = str(ContentType.objects.get_for_model(type(self.reservation)).pk)
            else:
                # An object id of the admin: the first row of the URL's model (or of the
                # reservations, whose pages hold the most), so that pages render, not 404.
                model = _admin_model(name) or type(self.reservation)
                row = model._default_manager.order_by("pk").first()
                values[param] = str(row.pk if row is not None else 1)
        return values


@pytest.fixture
def walk(settings):
    settings.SECURITY_CONTACT = ["mailto:security@example.jp"]
    with time_machine.travel(NOW, tick=False):
        yield Walk()


def _cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def _walk(client: Client, walk: Walk, *, prefix: str) -> dict[str, tuple[int, set[str]]]:
    seen = {}
    for name, params in _patterns():
        url = reverse(name, kwargs=walk.kwargs(name, params))
        if not url.startswith(prefix):
            continue
        response = client.get(url)
        seen[name] = (response.status_code, _cache_control(response))
    return seen


def test_every_public_page_of_a_signed_in_jobseeker_is_no_store(walk):
    # A page that fails answers 500 through Django's handler, and that answer is checked too.
    client = Client(raise_request_exception=False)
    sign_in_client(client, walk.world.jobseeker, slot=walk.world.slot, details={})
    session = client.session
    session[SESSION_DETAILS] = {"note": ""}
    session["journey_link_sent_to"] = walk.world.jobseeker.email
    session.save()
    # The slot-choice page twice: rendered, then served from the shared cache.
    day = f"/book/date/{walk.world.slot.starts_at.date().isoformat()}/"
    with time_machine.travel(NOW, tick=False):
        for _ in range(2):
            response = client.get(day)
            assert response.status_code == 200
            assert "no-store" in _cache_control(response)
        seen = _walk(client, walk, prefix="/")
    public = {name: found for name, found in seen.items() if not name.startswith("admin:")}
    # The pages that show personal data rendered in full, not as a redirect.
    for name in [
        "bookings:check",
        "bookings:confirmation",
        "bookings:link_sent",
        "bookings:reservation",
        "bookings:reservation_ics",
        "bookings:sign_in",
    ]:
        assert public[name][0] == 200, (name, public[name])
    for name, (status, directives) in public.items():
        if name in CACHEABLE:
            assert directives == {"public", "max-age=86400"}, (name, directives)
        else:
            assert {"no-store", "private"} <= directives, (name, status, directives)


def test_every_admin_page_of_a_signed_in_staff_member_is_no_store(walk):
    client = staff_login(Client(raise_request_exception=False), UserFactory(is_superuser=True))
    with time_machine.travel(NOW, tick=False):
        seen = _walk(client, walk, prefix="/admin/")
        # The walk was made signed in to the end (no GET logged the session out).
        assert client.get("/admin/bookings/reservation/").status_code == 200
    assert len(seen) > 50
    rendered = [name for name, (status, _) in seen.items() if status == 200]
    assert {
        "admin:bookings_reservation_change",
        "admin:jobseekers_jobseeker_change",
        "admin:notifications_notification_changelist",
    } <= set(rendered)
    for name, (status, directives) in seen.items():
        assert "no-store" in directives, (name, status, directives)


def test_anonymous_visitors_and_errors_get_no_store_too(walk):
    client = Client(raise_request_exception=False)
    for path in ["/", "/identify/", "/book/check/", "/r/" + "0" * 64 + "/", "/no-such-page/"]:
        response = client.get(path)
        assert "no-store" in _cache_control(response), (path, response.status_code)


def test_a_view_cannot_make_itself_cacheable_but_through_the_opt_out():
    request = RequestFactory().get("/")

    def careless(request):
        response = HttpResponse("reservation of 山田 太郎")
        response["Cache-Control"] = "public, max-age=600"
        return response

    response = NoStoreMiddleware(careless)(request)
    assert {"no-store", "private", "max-age=0"} <= _cache_control(response)
    assert "public" not in _cache_control(response)

    @shared_cache_allowed(max_age=300)
    def public_document(request):
        return HttpResponse("the same for everyone")

    @shared_cache_allowed(max_age=300)
    def missing_document(request):
        return HttpResponse("not found", status=404)

    assert _cache_control(NoStoreMiddleware(public_document)(request)) == {
        "public",
        "max-age=300",
    }
    assert "no-store" in _cache_control(NoStoreMiddleware(missing_document)(request))
