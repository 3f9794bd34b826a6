"""Where each KR is heading: its achievement at the end of the OKR year, at its pace so far.

The pace so far is the straight line from the KR's start value at the start of the OKR
year to its latest value at that value's date (the end of its quarter, or today for the
current quarter). At that pace the forecast gives the achievement at the end of the year
and the day the target would be reached. A status compares a KR with the pace the
calendar expects; a forecast says where the KR's own pace leads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from okrsync.core.calendar import Period
from okrsync.core.okr import KeyResult
from okrsync.core.progress import NotComputable

CALL_OUT_BELOW = 0.70
"""A KR on track by the calendar but forecast below this at year end is called out."""


@dataclass(frozen=True)
class Forecast:
    achievement_at_year_end: float
    """The achievement (1.0 = the target) the KR reaches at the year's end at its pace."""
    target_date: date | None
    """The day it reaches its target at that pace; None when it never does (no progress,
    or going backwards), and the day it got there is unknown when already past it."""


def latest_date(kr: KeyResult, period: Period) -> date | None:
    """The date of the KR's latest value: today for the current quarter, otherwise the
    last day of its quarter."""
    quarter = kr.current_quarter
    if quarter is None:
        return None
    if quarter >= period.quarter:
        return period.as_of
    end = period.year.quarter_start(quarter + 1) if quarter < 4 else period.year.end
    return end - timedelta(days=1)


def forecast(kr: KeyResult, period: Period) -> Forecast | None:
    """The KR's forecast, or None when it has no achievement or no time has passed."""
    achieved = kr.achievement()
    when = latest_date(kr, period)
    if isinstance(achieved, NotComputable) or when is None:
        return None
    year = period.year
    elapsed = (when - year.start).days + 1
    total = (year.end - year.start).days
    if elapsed <= 0:
        return None
    pace = achieved / elapsed  # achievement per day
    at_year_end = round(achieved + pace * (total - elapsed), 4)
    if achieved >= 1.0 or pace <= 0:
        target = None
    else:
        target = year.start + timedelta(days=max(0, round(1.0 / pace) - 1))
    return Forecast(at_year_end, target)
