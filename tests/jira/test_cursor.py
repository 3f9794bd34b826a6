"""Where a read of JIRA starts: a pure decision on JIRA's clock."""

from datetime import UTC, datetime, timedelta

import pytest

from okrsync.jira.live.cursor import ChangesSince, Cursor, FullRead, decide

T0 = datetime(2024, 8, 20, 9, 0, tzinfo=UTC)
LAST = Cursor("sig", full_at=T0 - timedelta(days=2), read_at=T0)


def test_the_window_is_measured_on_jiras_clock_with_a_margin():
    decision = decide(LAST, signature="sig", now=T0 + timedelta(minutes=85), full=False,
                      full_refresh_days=7)
    assert decision == ChangesSince(95)
    assert decision.jql == 'updated >= "-95m"'


def test_a_part_of_a_minute_counts_as_a_minute():
    assert decide(LAST, signature="sig", now=T0 + timedelta(seconds=61), full=False,
                  full_refresh_days=7) == ChangesSince(12)


@pytest.mark.parametrize(("previous", "signature", "now", "full", "days", "reason"), [
    (None, "sig", T0, False, 7, "first"),
    (LAST, "sig", T0 + timedelta(hours=1), True, 7, "asked"),
    (LAST, "sig", T0 + timedelta(hours=1), False, 0, "asked"),
    (LAST, "other", T0 + timedelta(hours=1), False, 7, "changed"),
    (LAST, "sig", None, False, 7, "no-clock"),
    (LAST, "sig", T0 - timedelta(minutes=1), False, 7, "clock"),
    (LAST, "sig", T0 + timedelta(days=5, minutes=1), False, 7, "refresh"),
])
def test_everything_is_read_when_the_last_read_cannot_be_built_on(
        previous, signature, now, full, days, reason):
    assert decide(previous, signature=signature, now=now, full=full,
                  full_refresh_days=days) == FullRead(reason)


def test_a_time_zone_changes_nothing():
    seoul = (T0 + timedelta(minutes=30)).astimezone(
        __import__("datetime").timezone(timedelta(hours=9)))
    assert decide(LAST, signature="sig", now=seoul, full=False,
                  full_refresh_days=7) == ChangesSince(40)
