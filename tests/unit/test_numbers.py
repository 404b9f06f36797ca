"""mam.numbers: one way to read a number out of loosely typed metadata."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from mam.numbers import as_float, as_int


@pytest.mark.parametrize(("value", "expected"), [
    ("1.5", 1.5), (" 2 ", 2.0), (3, 3.0), (Fraction(1, 4), 0.25), (True, 1.0), ("-0.0", -0.0), ("1e3", 1000.0),
    (None, None), ("", None), ("n/a", None), ("1/2", None), ([1], None), ({}, None), (b"x", None),
    ("inf", None), ("-inf", None), ("nan", None), (float("inf"), None), (float("nan"), None), ("1" + "0" * 400, None),
])  # fmt: skip
def test_as_float_reads_finite_numbers_only(value, expected):
    assert as_float(value) == expected


def test_finite_false_passes_inf_and_nan_on():
    assert as_float("inf", finite=False) == math.inf
    assert as_float("-inf", finite=False) == -math.inf
    assert math.isnan(as_float("nan", finite=False))
    assert as_float("garbage", finite=False) is None and as_float(None, finite=False) is None


def test_strip_also_drops_separator_controls_float_refuses():
    assert as_float("\x1c12.5\x1f") is None  # float() keeps the ASCII separators
    assert as_float("\x1c12.5\x1f", strip=True) == 12.5
    assert as_float("  7 \n", strip=True) == as_float("  7 \n") == 7.0
    assert as_float(None, strip=True) is None and as_float(4, strip=True) == 4.0


@pytest.mark.parametrize(("value", "expected"), [
    ("100", 100), ("5.9", 5), ("-5.9", -5), (42.0, 42), (None, None), ("x", None), ("inf", None), ("nan", None),
])  # fmt: skip
def test_as_int_truncates_finite_numbers(value, expected):
    assert as_int(value) == expected
