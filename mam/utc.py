"""Datetimes in UTC: naive values read from files and databases are taken as UTC."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["aware_utc"]


def aware_utc(dt: datetime, *, keep_offset: bool = False) -> datetime:
    """``dt`` made timezone-aware: a naive value is taken as UTC; an aware one is converted to UTC, or with
    ``keep_offset`` returned as it is (still the same instant, written in its own zone)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt if keep_offset else dt.astimezone(UTC)
