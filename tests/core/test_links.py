import pytest

from fluentory_bookings.core.errors import BookingError, InvalidMeetingLink
from fluentory_bookings.core.links import MeetingProvider, meeting_provider, validate_meeting_link


@pytest.mark.parametrize(
    ("url", "provider"),
    [
        ("https://zoom.us/j/123456", MeetingProvider.ZOOM),
        ("https://us02web.zoom.us/j/123?pwd=x", MeetingProvider.ZOOM),
        ("https://meet.google.com/abc-defg-hij", MeetingProvider.GOOGLE_MEET),
        ("https://jitsi.example.org/room", MeetingProvider.CUSTOM),
        ("", MeetingProvider.NONE),
    ],
)
def test_valid_links_and_their_provider(url, provider):
    assert validate_meeting_link(url) == url
    assert meeting_provider(url) == provider


def test_surrounding_whitespace_is_stripped():
    assert validate_meeting_link("  https://zoom.us/j/1 ") == "https://zoom.us/j/1"


def test_lookalike_host_is_not_zoom():
    assert meeting_provider("https://zoom.us.evil.example/j/1") == MeetingProvider.CUSTOM
    assert meeting_provider("https://notzoom.us/j/1") == MeetingProvider.CUSTOM


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "http://zoom.us/j/1",
        "https://",
        "zoom.us/j/1",
        "https://user:pw@zoom.us/j/1",
        "https://zoom.us/j/1\nX-INJECTED:1",
        "https://zoom.us/ j",
        "ftp://files.example.org",
        None,
    ],
)
def test_unsafe_or_malformed_links_are_refused(url):
    with pytest.raises(InvalidMeetingLink) as info:
        validate_meeting_link(url)
    assert isinstance(info.value, BookingError)
    assert info.value.code == "invalid_meeting_link"
