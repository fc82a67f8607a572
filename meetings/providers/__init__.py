"""The providers, and the one way to get the one an office uses."""

from collections.abc import Mapping

import httpx

from ..credentials import credentials_for
from ..errors import ConfigurationError
from ..http import TOKENS, TokenCache
from .base import MeetingProvider, MeetingRef, MeetingRequest
from .offline import PersonalRoomProvider, UrlTemplateProvider
from .teams import TeamsProvider
from .webex import WebexProvider
from .zoom import ZoomProvider

__all__ = [
    "KINDS",
    "MeetingProvider",
    "MeetingRef",
    "MeetingRequest",
    "PersonalRoomProvider",
    "TeamsProvider",
    "UrlTemplateProvider",
    "WebexProvider",
    "ZoomProvider",
    "provider_for",
]

ONLINE = {"zoom": ZoomProvider, "webex": WebexProvider, "teams": TeamsProvider}
KINDS = ("personal_room", "url_template", *ONLINE)


def provider_for(
    kind: str,
    *,
    bureau: str = "",
    template: str = "",
    environ: Mapping[str, str] | None = None,
    client: httpx.Client | None = None,
    tokens: TokenCache = TOKENS,
) -> MeetingProvider:
    """The provider of `kind` for an office of `bureau`; the online ones load the bureau's
    credentials now, so a missing secret is a CredentialError before any request."""
    if kind == "personal_room":
        return PersonalRoomProvider()
    if kind == "url_template":
        return UrlTemplateProvider(template)
    if kind not in ONLINE:
        raise ConfigurationError(f"unknown meeting provider {kind!r}")
    credentials = credentials_for(bureau, kind, environ=environ)
    return ONLINE[kind](credentials, client=client, tokens=tokens)
