"""The personal room and the URL template behave as notifications/services/meeting.py does."""

import pytest
from django.utils import translation

from meetings.errors import ConfigurationError
from meetings.providers import PersonalRoomProvider, UrlTemplateProvider, provider_for
from meetings.providers.base import MeetingRef

from .conftest import meeting_request


def english(message) -> str:
    with translation.override("en"):
        return str(message)


def test_the_personal_room_is_the_counselors_room_url():
    provider = provider_for("personal_room")
    ref = provider.create(meeting_request(" https://zoom.example/j/123 "))
    assert ref == MeetingRef(provider_id="", join_url="https://zoom.example/j/123")
    assert provider.find_existing(meeting_request("https://zoom.example/j/123")) is None


def test_a_counselor_without_a_room_is_a_setting_to_fix():
    with pytest.raises(ConfigurationError) as caught:
        PersonalRoomProvider().create(meeting_request("  "))
    assert english(caught.value.message) == "The counselor has no personal meeting room URL."
    assert caught.value.retryable is False


@pytest.mark.parametrize("url", ["http://zoom.example/j/1", "zoom.example/j/1"])
def test_a_room_url_that_is_not_https_is_refused(url):
    with pytest.raises(ConfigurationError) as caught:
        PersonalRoomProvider().create(meeting_request(url))
    assert english(caught.value.message) == "The meeting URL is not a valid https URL."


def test_a_room_moves_with_the_counselors_current_room_and_is_never_deleted():
    provider = PersonalRoomProvider()
    ref = provider.create(meeting_request("https://zoom.example/j/1"))
    assert provider.update(ref, meeting_request("https://zoom.example/j/2")).join_url == (
        "https://zoom.example/j/2"
    )
    assert provider.delete(ref) is None


def test_the_template_makes_an_unguessable_url_per_meeting():
    provider = UrlTemplateProvider("https://meet.example.go.jp/hw/{token}")
    first = provider.create(meeting_request(""))
    second = provider.create(meeting_request(""))
    prefix = "https://meet.example.go.jp/hw/"
    assert first.join_url.startswith(prefix) and second.join_url.startswith(prefix)
    assert len(first.join_url) - len(prefix) >= 22  # 16 random bytes, base64
    assert first.join_url != second.join_url
    assert first.provider_id == ""


def test_a_moved_template_meeting_keeps_its_url():
    provider = UrlTemplateProvider("https://meet.example.go.jp/hw/{token}")
    ref = provider.create(meeting_request(""))
    assert provider.update(ref, meeting_request("")) == ref
    assert provider.delete(ref) is None


def test_a_template_without_token_is_a_setting_to_fix():
    with pytest.raises(ConfigurationError) as caught:
        UrlTemplateProvider("https://meet.example.go.jp/hw/fixed").create(meeting_request(""))
    assert english(caught.value.message) == "The office's meeting URL template has no {token}."


def test_a_template_url_longer_than_a_reservation_holds_is_refused():
    provider = UrlTemplateProvider("https://meet.example.go.jp/" + "x" * 300 + "/{token}")
    with pytest.raises(ConfigurationError):
        provider.create(meeting_request(""))


def test_an_unknown_provider_is_a_setting_to_fix():
    with pytest.raises(ConfigurationError):
        provider_for("skype", bureau="tokyo")
