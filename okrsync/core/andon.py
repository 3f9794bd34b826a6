"""Andon: notice trouble early, and say it once. What a pull flags, against what okrsync
last knew of each KR.

An alarm is raised when a KR *enters* a state, never again while it stays there:

- `off-track`: the KR is off track now, and the last status okrsync knew was another;
- `regressed`: the achievement went down *and* the status got worse (on track → at risk);
  a correction that keeps the status is not a regression;
- `stale`: no value yet for the current quarter well into it; asked once a quarter.

"What okrsync last knew" (`Known`) skips `no data`: a KR that had a problem (a typo, a
broken link) and is fixed compares with where it stood before the problem, and a KR's
first value compares with nothing, so neither raises an alarm. It comes from the sheet
(the status and achievement cells okrsync wrote) and, where those say `no data`, from the
sheet's change log (`okrsync.logbook`), which also remembers the alarms raised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from okrsync.core.calendar import Period
from okrsync.core.okr import KeyResult
from okrsync.core.plan import Assessment
from okrsync.core.progress import (
    NotComputable,
    Status,
    percent_points,
    status_from_word,
    status_word,
)
from okrsync.i18n import Words, _s, sheet_language


class Alarm(StrEnum):
    REGRESSED = "regressed"
    """The achievement went down and the status got worse."""
    OFF_TRACK = "off-track"
    """The KR is off track and was not before."""
    STALE = "stale"
    """No value yet for the current quarter, well into it."""


def alarm_word(alarm: Alarm, t: Words) -> str:
    """The alarm as people read it (`하락`, `위험 진입`, `값 미입력`; as `--fail-on` names it
    in English) in `t`'s language."""
    return {Alarm.REGRESSED: t("regressed"), Alarm.OFF_TRACK: t("off-track"),
            Alarm.STALE: t("stale")}[alarm]


RANK = {Status.DONE: 0, Status.ON_TRACK: 1, Status.AT_RISK: 2, Status.OFF_TRACK: 3}
"""How far behind each status is; `no data` is no status to compare."""


@dataclass(frozen=True)
class Known:
    """What okrsync last knew of one KR, before this pull."""

    achievement: float | None = None
    """Its last achievement (1.0 = the target), if it had one."""
    status: Status | None = None
    """Its last status other than `no data`; None when it never had one."""
    stale_asked: bool = False
    """Its value for the current quarter was already asked for (a `stale` alarm)."""


@dataclass(frozen=True)
class Alert:
    row: int
    key_result: str
    department: str
    owner: str
    alarm: Alarm
    detail: str


def _percent(value: float) -> str:
    return f"{percent_points(value)}%"


def status_cell(text: str) -> tuple[Status | None, str | None]:
    """What okrsync wrote in a status cell, in either language: the status (a sheet
    switched to Korean still compares with what it said before) and the note after it,
    a problem after `no data` (`데이터 없음 · JIRA: …`) or a caveat after another status
    (`순항 · 미추정 이슈 …`); None for what the cell does not say."""
    word, dot, note = text.partition("·")
    status = status_from_word(word)
    return status, (note.strip() or None) if dot and status is not None else None


def status_in_cell(text: str) -> Status | None:
    """The status okrsync wrote in a status cell (`status_cell`)."""
    return status_cell(text)[0]


def worse(now: Status, before: Status | None) -> bool:
    """Whether `now` is further behind than `before` (never, against no known status)."""
    return before is not None and now in RANK and RANK[now] > RANK[before]


def find_alerts(
    known: Mapping[int, Known],
    after: Sequence[Assessment],
    period: Period,
    stale_after_days: int,
) -> list[Alert]:
    """The KRs that entered an alarm's state since okrsync last knew them (`known`, by
    0-based row), in sheet order; each detail in the sheet's language."""
    alerts: list[Alert] = []

    def alert(kr: KeyResult, alarm: Alarm, detail: str) -> None:
        alerts.append(Alert(kr.sheet_row, kr.text, kr.department, kr.owner, alarm, detail))

    for item in after:
        kr = item.kr
        if item.problems:
            continue  # no number okrsync stands behind: nothing to compare
        before = known.get(kr.row, Known())
        new = item.achievement
        if (worse(item.status, before.status) and before.achievement is not None
                and not isinstance(new, NotComputable)
                and percent_points(new) < percent_points(before.achievement)):
            alert(kr, Alarm.REGRESSED, _s("achievement went from {old} to {new}").format(
                old=_percent(before.achievement), new=_percent(new)))
        if (item.status is Status.OFF_TRACK and before.status is not None
                and before.status is not Status.OFF_TRACK):
            shown = "–" if isinstance(new, NotComputable) else _percent(new)
            alert(kr, Alarm.OFF_TRACK, _s(
                "fell off track (was {was}; {now} against {expected} expected)").format(
                was=status_word(before.status, sheet_language()), now=shown,
                expected=_percent(period.expected)))
        if is_stale(kr, item.status, period, stale_after_days) and not before.stale_asked:
            alert(kr, Alarm.STALE, _s(
                "no value for Q{quarter} yet, {days} days into the quarter").format(
                quarter=period.quarter, days=period.days_into_quarter))
    return alerts


def is_stale(kr: KeyResult, status: Status, period: Period, stale_after_days: int) -> bool:
    """No value yet for the current quarter, more than `stale_after_days` into it."""
    return (status is not Status.DONE and (kr.current_quarter or 0) < period.quarter
            and period.days_into_quarter > stale_after_days)


class Why(StrEnum):
    """Why a KR needs attention this week, most urgent first."""

    OFF_TRACK = "off-track"
    """Newly off track (위험)."""
    REGRESSED = "regressed"
    """Its achievement went down."""
    STALLED = "stalled"
    """No move for `stalled_weeks`."""
    OWED = "owed"
    """A manual KR whose value for this quarter is not in yet."""
    BELOW_TARGET = "below target"
    """Heading below its target by the year's end, at its own pace."""
