import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okrsync.core.values import format_number, is_blank, parse_number, unit_of
from okrsync.errors import KRError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4.5점", 4.5),
        ("3분", 3.0),
        ("20%", 20.0),
        ("1,234", 1234.0),
        ("₩1,000,000", 1_000_000.0),
        ("1,000,000원", 1_000_000.0),
        ("1.2만", 12_000.0),
        ("3억", 300_000_000.0),
        ("10k", 10_000.0),
        ("4.5점 이상", 4.5),
        ("3분 이하", 3.0),
        ("≥ 4.5", 4.5),
        ("-5", -5.0),
        ("−5", -5.0),
        ("１２．５", 12.5),
        (" 7 명 ", 7.0),
        ("300ms", 300.0),
        (".5", 0.5),
        (2.5, 2.5),
    ],
)
def test_numbers_as_people_type_them(text, expected):
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", [None, "", "  ", "-", "—", "N/A", "n/a", "TBD", "미정"])
def test_blank_means_no_value(text):
    assert parse_number(text) is None
    assert is_blank(text)


@pytest.mark.parametrize("text", ["abc", "1.2.3", "12 34", "1,23", "1e5", "nan", "4.5점?", "½"])
def test_unreadable_values_raise_with_the_text(text):
    with pytest.raises(KRError) as caught:
        parse_number(text)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_numbers_are_rejected(value):
    with pytest.raises(KRError):
        parse_number(value)


def test_units():
    assert [unit_of(t) for t in ["4.5점", "3분 이하", "20%", "₩1,000", "5", 5.0]] == [
        "점", "분", "%", "₩", "", ""]


def test_format_number():
    assert format_number(1234.0) == "1,234"
    assert format_number(4.25) == "4.25"


@given(st.text(max_size=30))
def test_any_text_parses_or_raises_krerror(text):
    try:
        result = parse_number(text)
    except KRError:
        return
    assert result is None or math.isfinite(result)


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).map(lambda f: round(f, 3)))
def test_formatted_numbers_read_back(number):
    assert parse_number(format_number(number)) == pytest.approx(number, abs=1e-3)
