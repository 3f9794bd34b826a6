from datetime import date

import pytest

from okrsync.core.calendar import OkrYear, Period
from okrsync.core.progress import (
    GREEN,
    RED,
    YELLOW,
    NotComputable,
    Status,
    Thresholds,
    achievement,
    color,
    status,
)


def test_achievement_going_up():
    assert achievement(4.0, 4.5, 4.2) == pytest.approx(0.4)


def test_achievement_going_down():
    # Average order time from 5 minutes down to 3: 4 minutes is half way.
    assert achievement(5.0, 3.0, 4.0) == pytest.approx(0.5)
    assert achievement(5.0, 3.0, 2.5) == pytest.approx(1.25)
    assert achievement(5.0, 3.0, 6.0) == pytest.approx(-0.5)


@pytest.mark.parametrize(
    ("start", "target", "current", "reason"),
    [
        (None, 10.0, 5.0, NotComputable.NO_START),
        (0.0, None, 5.0, NotComputable.NO_TARGET),
        (3.0, 3.0, 5.0, NotComputable.TARGET_EQUALS_START),
        (0.0, 10.0, None, NotComputable.NO_VALUE),
    ],
)
def test_not_computable_is_explicit(start, target, current, reason):
    assert achievement(start, target, current) is reason


@pytest.mark.parametrize(
    ("value", "expected", "result"),
    [
        (1.0, 0.5, Status.DONE),
        (0.45, 0.5, Status.ON_TRACK),
        (0.40, 0.5, Status.ON_TRACK),
        (0.39, 0.5, Status.AT_RISK),
        (0.25, 0.5, Status.AT_RISK),
        (0.24, 0.5, Status.OFF_TRACK),
        (NotComputable.NO_VALUE, 0.5, Status.NO_DATA),
    ],
)
def test_status_against_pace(value, expected, result):
    assert status(value, expected, Thresholds(0.10, 0.25)) is result


def _rgb(hex_color):
    return tuple(int(hex_color[i:i + 2], 16) for i in (0, 2, 4))


def test_color_gradient_stops_and_clamping():
    assert _rgb(color(0.0)) == RED
    assert _rgb(color(-3)) == RED
    assert _rgb(color(0.5)) == YELLOW
    assert _rgb(color(1.0)) == GREEN
    assert _rgb(color(1.7)) == GREEN
    mid = _rgb(color(0.25))
    assert all(min(a, b) <= m <= max(a, b) for a, b, m in zip(RED, YELLOW, mid, strict=True))


def test_quarters_with_calendar_year():
    year = OkrYear.containing(date(2024, 8, 20))
    assert (year.start, year.end, year.label) == (date(2024, 1, 1), date(2025, 1, 1), 2024)
    assert [year.quarter(date(2024, m, 1)) for m in (1, 3, 4, 6, 7, 10, 12)] == [
        1, 1, 2, 2, 3, 4, 4]


def test_quarters_with_fiscal_year_starting_in_april():
    year = OkrYear.containing(date(2025, 2, 10), start_month=4)
    assert (year.start, year.end, year.label) == (date(2024, 4, 1), date(2025, 4, 1), 2025)
    assert year.quarter(date(2024, 4, 1)) == 1
    assert year.quarter(date(2024, 12, 31)) == 3
    assert year.quarter(date(2025, 2, 10)) == 4


def test_expected_pace_is_the_share_of_the_year_passed():
    assert Period.at(date(2024, 1, 1)).expected == pytest.approx(1 / 366)
    assert Period.at(date(2024, 12, 31)).expected == 1.0
    assert Period.at(date(2024, 7, 1)).expected == pytest.approx(183 / 366)
