import pytest
from scrapy.http import Response

from ingest.middlewares import ratelimit_fields, seconds_from_retry_after, wait_seconds


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2", 2.0),
        ("120", 120.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # a date in the past: no wait
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after(value, expected):
    assert seconds_from_retry_after(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"api";r=0;t=55', {"r": 0, "t": 55}),
        ('"api";r=489;t=189', {"r": 489, "t": 189}),
        ('"pages";r=3', {"r": 3}),
        ("garbage", {}),
    ],
)
def test_ratelimit_header(value, expected):
    assert ratelimit_fields(value) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"RateLimit": '"api";r=0;t=55'}, 56.0),  # the official client sleeps t+1
        ({"RateLimit": '"api";r=10;t=55', "Retry-After": "3"}, 3.0),
        ({"Retry-After": "2"}, 2.0),
        ({"RateLimit": '"api";r=10;t=55'}, None),
        ({}, None),
    ],
)
def test_wait_seconds(headers, expected):
    assert wait_seconds(Response("http://x/", status=429, headers=headers)) == expected
