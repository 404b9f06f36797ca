"""mam.utc.aware_utc: naive datetimes are UTC; aware ones are converted, or kept with ``keep_offset``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from mam.utc import aware_utc

CST = timezone(timedelta(hours=8))


def test_naive_is_taken_as_utc():
    assert aware_utc(datetime(2024, 5, 1, 12, 0)) == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert aware_utc(datetime(2024, 5, 1, 12, 0), keep_offset=True).tzinfo is UTC


def test_aware_is_converted_to_utc():
    out = aware_utc(datetime(2024, 5, 1, 20, 0, tzinfo=CST))
    assert out.tzinfo is UTC and out.hour == 12


def test_keep_offset_leaves_an_aware_value_as_written():
    dt = datetime(2024, 5, 1, 20, 0, tzinfo=CST)
    assert aware_utc(dt, keep_offset=True) is dt
