"""What okrsync remembers, kept with the sheet: in its change log (the `okrsync log` tab
both backends keep), beside the cells each pull changed, the Andon alarms a pull raised
and the weekly briefs `digest --post` delivered.

The memory travels with the sheet: a pull or digest on a new machine, from cron or a
laptop, knows what was already said. Its lines are log lines like any other (a person can
read them in the tab, `okrsync history` lists them), told apart by their `pull` column:

    20240820-090000.123          a pull's changes (`undo-…`: an undo's)
    andon-20240820-090000.123    an alarm raised: `new` is the alarm, `source` its detail
    digest-20240820-090000.123   a brief delivered: `new` is the department

A run's id is its time to the millisecond (`run_id`): two pulls in the same second are two
pulls, each undone on its own. Logs written before say the second only; both read back.

`undo` reverts changes only, and `report --since` and the digest read moves only from
change lines (`is_change`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from okrsync.core.andon import Alarm, Alert, status_in_cell
from okrsync.core.progress import Status
from okrsync.core.text import clean
from okrsync.sheets.base import LogRecord

ALARM = "andon-"
"""The `pull` column of a line that records an alarm raised."""
DIGEST = "digest-"
"""The `pull` column of a line that records a brief delivered."""
ALARM_COLUMN = "Andon"
DIGEST_COLUMN = "digest"


def logged(text: str) -> str:
    """A KR's text as the log holds it (control characters made visible): what log lines
    are matched to KRs by."""
    return clean(text)


_RUN_TIME = "%Y%m%d-%H%M%S"


def run_id(now: datetime, kind: str = "") -> str:
    """The `pull` column of a run's lines: `kind` and its time to the millisecond."""
    return f"{kind}{now:{_RUN_TIME}}.{now.microsecond // 1000:03d}"


def run_time(pull: str, kind: str = "") -> datetime | None:
    """When the run with this id ran (its local time, to the second); None for an id that
    is not a run's (`kind` is the prefix to expect)."""
    text = pull.removeprefix(kind)[:15]
    try:
        return datetime.strptime(text, _RUN_TIME)
    except ValueError:
        return None


def is_change(record: LogRecord) -> bool:
    """A line recording a cell a pull (or an undo) changed, not a memory line."""
    return not record.pull.startswith((ALARM, DIGEST))


def alarm_lines(alerts: Sequence[Alert], now: datetime, cells: dict[int, str]
                ) -> list[LogRecord]:
    """The log lines that remember `alerts` (raised at `now`); `cells` gives each KR's
    Key Result cell by sheet row, to point at in the tab."""
    pull = run_id(now, ALARM)
    return [LogRecord(now.isoformat(timespec="seconds"), pull, alert.row, alert.key_result,
                      cells.get(alert.row, ""), ALARM_COLUMN, None, alert.alarm.value,
                      alert.detail) for alert in alerts]


def digest_lines(departments: Sequence[str], now: datetime, what: str) -> list[LogRecord]:
    """The log lines that remember briefs delivered at `now`, one per department;
    `what` says so in the sheet's language, for people reading the tab."""
    pull = run_id(now, DIGEST)
    return [LogRecord(now.isoformat(timespec="seconds"), pull, 0, "", "", DIGEST_COLUMN,
                      None, department, what) for department in departments]


@dataclass(frozen=True)
class Raised:
    """An alarm raised by an earlier pull, as its log line says."""

    time: str
    """ISO 8601, with the offset of the zone it was raised in."""
    key_result: str
    alarm: Alarm
    detail: str


def raised(records: Iterable[LogRecord]) -> list[Raised]:
    """Every alarm the log remembers, oldest first (a line whose alarm this okrsync does
    not know, edited by a person, is skipped)."""
    found = []
    for record in records:
        if record.pull.startswith(ALARM):
            try:
                alarm = Alarm(str(record.new))
            except ValueError:
                continue
            found.append(Raised(record.time, record.key_result, alarm, record.source))
    return found


def asked_since(records: Iterable[LogRecord], start: date) -> set[str]:
    """The KRs (by text) whose value was asked for (a `stale` alarm) on or after `start`."""
    day = start.isoformat()
    return {r.key_result for r in raised(records) if r.alarm is Alarm.STALE and r.time[:10] >= day}


def last_statuses(records: Iterable[LogRecord], status_label: str) -> dict[str, Status]:
    """Per KR text, the last status other than `no data` its status cell (the column
    headed `status_label`) showed, from the change log's old and new values."""
    found: dict[str, Status] = {}
    for record in records:
        if not is_change(record) or record.column != status_label:
            continue
        for value in (record.old, record.new):
            status = status_in_cell(str(value)) if value is not None else None
            if status is not None and status is not Status.NO_DATA:
                found[record.key_result] = status
    return found


def last_delivered(records: Iterable[LogRecord]) -> dict[str, str]:
    """Per department, when (ISO time) its brief was last delivered."""
    found: dict[str, str] = {}
    for record in records:
        if record.pull.startswith(DIGEST) and record.new is not None:
            department = str(record.new)
            found[department] = max(record.time, found.get(department, record.time))
    return found
