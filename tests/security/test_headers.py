"""Headers and templates: a strict Content Security Policy holds on every page."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import UserFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("path", ["/", "/admin/login/"])
def test_pages_carry_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = _csp(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert csp["default-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    # 'self' and, when the page used it, this response's nonce; nothing else runs.
    assert csp["script-src"][0] == "'self'"
    assert all(value.startswith("'nonce-") for value in csp["script-src"][1:])
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_nonce_changes_with_every_response(client):
    first = _csp(client.get("/admin/login/"))["style-src"]
    second = _csp(client.get("/admin/login/"))["style-src"]
    assert first[1].startswith("'nonce-")
    assert first != second


def test_the_admin_pages_render_under_the_policy(client):
    staff_login(client, UserFactory(is_superuser=True))
    response = client.get("/admin/")
    assert response.status_code == 200
    nonce = next(v for v in _csp(response)["script-src"] if v.startswith("'nonce-"))[
        len("'nonce-") : -1
    ]
    html = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or f'nonce="{nonce}"' in tag or "application/json" in tag, tag


INLINE = [
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler (onclick=…)"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def _templates() -> list[Path]:
    return [
        path
        for path in (ROOT / "templates").rglob("*.html")
        if "emails" not in path.parts  # email HTML is read by mail clients, not under the CSP
    ]


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_needs_unsafe_inline(template):
    text = template.read_text(encoding="utf-8")
    for pattern, what in INLINE:
        assert not pattern.search(text), f"{template}: {what} is blocked by the CSP"
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", text, flags=re.I):
        if "src=" in tag or 'type="application/json"' in tag:
            continue
        assert "csp_nonce" in tag, f'{template}: {tag} needs nonce="{{{{ csp_nonce }}}}"'


def test_security_txt_names_the_contact(client, settings):
    settings.SECURITY_CONTACT = ["mailto:security@example.jp"]
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Contact: mailto:security@example.jp" in body
    assert "Expires: " in body


def test_no_security_txt_without_a_contact(client, settings):
    settings.SECURITY_CONTACT = []
    assert client.get("/.well-known/security.txt").status_code == 404
