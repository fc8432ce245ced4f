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
        'https://zoom.us/j/1"onmouseover="x',
        "https://zoom.us/j/<script>",
        "https://zoom.us/j/1>",
        "https://zoom.us/j/{1}",
        "https://zoom.us/j/1|2",
        "https://zoom.us/j/1\\2",
        "https://zoom.us/j/1`",
        "https://zoom.us/j/1\u200b",  # zero-width space
        "https://zoom.us/j/1\u202egnp.exe",  # right-to-left override
        "https://zoom.us/j/1\u00ad",  # soft hyphen
        "https://zoom.us/j/1\x7f",  # DEL
        "https://zoom.us/j/1\x85x",  # a C1 control, inside
        "https://zoom.us/j/1\u3000x",  # ideographic space, inside
        "https://zoom.us/j/1\ue000",  # private use
    ],
)
def test_unsafe_or_malformed_links_are_refused(url):
    with pytest.raises(InvalidMeetingLink) as info:
        validate_meeting_link(url)
    assert isinstance(info.value, BookingError)
    assert info.value.code == "invalid_meeting_link"


@pytest.mark.parametrize(
    "url",
    [
        "https://zoom.us/j/1?pwd=a%20b&x=[y]",
        "https://münchen.example/räume/1",
        "https://x.example/~a",
    ],
)
def test_readable_non_ascii_and_escaped_links_stay_accepted(url):
    assert validate_meeting_link(url) == url
