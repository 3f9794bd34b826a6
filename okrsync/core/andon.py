"""Andon: notice trouble early. What a pull flags compared with the pull before it.

"Before" is the sheet as the previous pull (and people since) left it: its quarter
values and its status cell. "After" is the sheet this pull writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from okrsync.core.calendar import Period
from okrsync.core.okr import KeyResult
from okrsync.core.plan import Assessment
from okrsync.core.progress import NotComputable, Status, status_from_word, status_word
from okrsync.i18n import _s, sheet_language


class Alarm(StrEnum):
    REGRESSED = "regressed"
    """The achievement went down."""
    OFF_TRACK = "off-track"
    """The KR is off track and was not before."""
    STALE = "stale"
    """No value yet for the current quarter, well into it."""


@dataclass(frozen=True)
class Before:
    achievement: float | NotComputable
    status: Status


@dataclass(frozen=True)
class Alert:
    row: int
    key_result: str
    department: str
    owner: str
    alarm: Alarm
    detail: str


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def status_in_cell(text: str) -> Status | None:
    """The status okrsync wrote in a status cell, in either language (`on track · …`,
    `주의 · …`): a sheet switched to Korean still compares with what it said before."""
    return status_from_word(text.split("·")[0])


def find_alerts(
    before: Mapping[int, Before],
    after: Sequence[Assessment],
    period: Period,
    stale_after_days: int,
) -> list[Alert]:
    """KRs that went backwards, fell off track, or went stale, in sheet order; each
    detail in the sheet's language."""
    alerts: list[Alert] = []

    def alert(kr: KeyResult, alarm: Alarm, detail: str) -> None:
        alerts.append(Alert(kr.sheet_row, kr.text, kr.department, kr.owner, alarm, detail))

    for item in after:
        kr = item.kr
        if item.problems:
            continue  # no number okrsync stands behind: nothing to compare
        old = before.get(kr.row)
        new = item.achievement
        if old is not None:
            if (not isinstance(old.achievement, NotComputable)
                    and not isinstance(new, NotComputable) and new < old.achievement - 1e-9):
                alert(kr, Alarm.REGRESSED, _s("achievement went from {old} to {new}").format(
                    old=_percent(old.achievement), new=_percent(new)))
            if item.status is Status.OFF_TRACK and old.status is not Status.OFF_TRACK:
                shown = "–" if isinstance(new, NotComputable) else _percent(new)
                alert(kr, Alarm.OFF_TRACK, _s(
                    "fell off track (was {was}; {now} against {expected} expected)").format(
                    was=status_word(old.status, sheet_language()), now=shown,
                    expected=_percent(period.expected)))
        latest = kr.current_quarter
        if (item.status is not Status.DONE and (latest or 0) < period.quarter
                and period.days_into_quarter > stale_after_days):
            alert(kr, Alarm.STALE, _s(
                "no value for Q{quarter} yet, {days} days into the quarter").format(
                quarter=period.quarter, days=period.days_into_quarter))
    return alerts
