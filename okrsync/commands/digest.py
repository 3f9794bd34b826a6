"""`okrsync digest`: the weekly review brief, per department, so the meeting starts from it.

For each department: what moved since the last digest (old → new, from the change log),
KRs that have not moved for `[digest] stalled_weeks`, manual KRs whose owners owe a
value for this quarter (the reminder list, by owner), new Andon alarms, and where each
KR is heading (its forecast). With `--post`, each department's brief goes to its own
webhook (`[alerts.departments]`) or to `[alerts] webhook`, and the digest's date is
remembered so the next one starts there.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from okrsync.commands.common import known_department, shared_name
from okrsync.config import Config
from okrsync.core.andon import Alarm, status_in_cell
from okrsync.core.calendar import Period
from okrsync.core.forecast import Forecast, forecast
from okrsync.core.grid import a1
from okrsync.core.layout import Column
from okrsync.core.plan import Assessment
from okrsync.core.progress import Status
from okrsync.core.values import parse_number
from okrsync.environment import Environment
from okrsync.errors import ConfigError, ExitCode, KRError
from okrsync.i18n import _
from okrsync.sheets.base import LogRecord
from okrsync.sync import SheetState, load_state
from okrsync.workspace import sheet_identity

FIRST_WINDOW = timedelta(days=7)
"""With no earlier digest and no --since, a digest covers the last week."""


@dataclass(frozen=True)
class Move:
    """One cell of a KR that changed since the last digest: first old → last new."""

    key_result: str
    cell: str
    column: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Alarmed:
    """An Andon alarm raised since the last digest, read back from the change log."""

    key_result: str
    owner: str
    alarm: Alarm
    old: Any
    new: Any


@dataclass
class DepartmentBrief:
    department: str
    moves: list[Move] = field(default_factory=list)
    stalled: list[Assessment] = field(default_factory=list)
    owed: dict[str, list[Assessment]] = field(default_factory=dict)
    """Owner → their manual KRs with no value yet for this quarter."""
    alarms: list[Alarmed] = field(default_factory=list)
    forecasts: list[tuple[Assessment, Forecast | None]] = field(default_factory=list)


@dataclass
class DigestResult:
    period: Period
    since: date
    stalled_weeks: int
    language: str
    departments: list[DepartmentBrief]
    sheet: str
    posted: list[str] = field(default_factory=list)
    """Departments whose brief was delivered to a webhook."""
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.PARTIAL if self.warnings else ExitCode.OK


def _state_file(env: Environment) -> Any:
    return env.config_dir / "digests.json"


def last_digest(env: Environment, config: Config) -> date | None:
    """When the last digest of this sheet was posted, if ever."""
    try:
        known = json.loads(_state_file(env).read_text(encoding="utf-8"))
        return date.fromisoformat(known[sheet_identity(config)])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember_digest(env: Environment, config: Config, day: date) -> None:
    path = _state_file(env)
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
        known = known if isinstance(known, dict) else {}
    except (OSError, ValueError):
        known = {}
    known[sheet_identity(config)] = day.isoformat()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known, indent=1) + "\n", encoding="utf-8")


def _value_columns(state: SheetState) -> set[str]:
    """Column letters of the cells whose change means a KR moved: quarters, achievement."""
    layout = state.layout
    columns = set(layout.quarters.values())
    if Column.ACHIEVEMENT in layout.columns:
        columns.add(layout.columns[Column.ACHIEVEMENT])
    return {a1(0, col).rstrip("0123456789") for col in columns}


def _status_column(state: SheetState) -> set[str]:
    col = state.layout.columns.get(Column.STATUS)
    return set() if col is None else {_column_of(a1(0, col))}


def _column_of(cell: str) -> str:
    return cell.rstrip("0123456789")


def _number(value: Any) -> float | None:
    try:
        return parse_number(value)
    except KRError:
        return None


def _alarms(item: Assessment, moves: Sequence[Move], state: SheetState) -> list[Alarmed]:
    """Alarms a KR raised since the last digest: its status fell to off track, or its
    achievement went down (from the first old to the last new value in the window)."""
    layout = state.layout
    found = []
    status_col = layout.columns.get(Column.STATUS)
    achievement_col = layout.columns.get(Column.ACHIEVEMENT)
    for move in moves:
        column = _column_of(move.cell)
        if status_col is not None and column == _column_of(a1(0, status_col)):
            old = status_in_cell(str(move.old or ""))
            new = status_in_cell(str(move.new or ""))
            if new is Status.OFF_TRACK and old is not Status.OFF_TRACK:
                found.append(Alarmed(item.kr.text, item.kr.owner, Alarm.OFF_TRACK, move.old,
                                     move.new))
        if achievement_col is not None and column == _column_of(a1(0, achievement_col)):
            old_value, new_value = _number(move.old), _number(move.new)
            if old_value is not None and new_value is not None and new_value < old_value:
                found.append(Alarmed(item.kr.text, item.kr.owner, Alarm.REGRESSED, move.old,
                                     move.new))
    return found


def brief(state: SheetState, records: Sequence[LogRecord], since: date,
          stalled_weeks: int) -> list[DepartmentBrief]:
    """The brief of every department, from the sheet as it stands and its change log."""
    period = state.period
    window = since.isoformat()
    stall_from = (period.as_of - timedelta(weeks=stalled_weeks)).isoformat()
    value_columns = _value_columns(state)
    shown_columns = value_columns | _status_column(state)
    log_starts = min((r.time[:10] for r in records), default=None)
    last_move: dict[str, str] = {}
    moves: dict[str, dict[str, Move]] = {}
    for record in records:
        if _column_of(record.cell) in value_columns:
            last_move[record.key_result] = max(last_move.get(record.key_result, ""),
                                               record.time[:10])
        if record.time[:10] < window or _column_of(record.cell) not in shown_columns:
            continue
        cells = moves.setdefault(record.key_result, {})
        first = cells.get(record.cell)
        cells[record.cell] = Move(record.key_result, record.cell, record.column,
                                  first.old if first else record.old, record.new)
    briefs: dict[str, DepartmentBrief] = {}
    for item in state.assessments:
        kr = item.kr
        department = briefs.setdefault(kr.department, DepartmentBrief(kr.department))
        kr_moves = [m for m in moves.get(kr.text, {}).values() if m.old != m.new]
        department.moves += kr_moves
        department.alarms += _alarms(item, kr_moves, state)
        moved_last = last_move.get(kr.text)
        can_tell = moved_last is not None or (log_starts is not None
                                              and log_starts <= stall_from)
        if (item.status is not Status.DONE and can_tell
                and (moved_last is None or moved_last < stall_from)):
            department.stalled.append(item)
        if not kr.linked and kr.quarters.get(period.quarter) is None and \
                item.status is not Status.DONE:
            department.owed.setdefault(kr.owner, []).append(item)
        department.forecasts.append((item, None if item.problems else forecast(kr, period)))
    return list(briefs.values())


def digest(
    env: Environment,
    config: Config,
    *,
    as_of: date | None = None,
    since: date | None = None,
    department: str | None = None,
    post: bool = False,
) -> DigestResult:
    """The weekly brief; with `post`, delivered to the departments' webhooks."""
    if post and not (config.alerts.webhook or config.alerts.departments):
        raise ConfigError(_("--post needs a webhook: set [alerts] webhook, or one per "
                            "department in [alerts.departments]. Nothing was posted."))
    if post:
        config.alerts.refuse_plain_http(departments=True)
    state, _sources = load_state(config, env.today(as_of), env=env, with_jira=False)
    try:
        records = state.backend.read_log()
    finally:
        state.close()
    start = since or last_digest(env, config) or (state.period.as_of - FIRST_WINDOW)
    briefs = brief(state, records, start, config.digest.stalled_weeks)
    if department is not None:
        known_department(state.assessments, department)
        briefs = [b for b in briefs if b.department.casefold() == department.casefold()]

    result = DigestResult(state.period, start, config.digest.stalled_weeks, state.language,
                          briefs, shared_name(config))
    if post:
        _post(env, config, result)
    return result


def _post(env: Environment, config: Config, result: DigestResult) -> None:
    """One chat post per department, to its webhook or the default one."""
    from okrsync.alerts import post_text
    from okrsync.render.digest import digest_post

    hooks = {name.casefold(): url for name, url in config.alerts.departments.items()}
    for item in result.departments:
        url = hooks.get(item.department.casefold(), config.alerts.webhook)
        shown = item.department or _("(no department)")
        if url is None:
            result.warnings.append(_("no webhook for {department}: set [alerts.departments] "
                                     "or [alerts] webhook").format(department=shown))
            continue
        problem = post_text(url, digest_post(result, item))
        if problem:
            result.warnings.append(_("the brief of {department} was not delivered: "
                                     "{problem}").format(department=shown, problem=problem))
        else:
            result.posted.append(item.department)
    if not result.warnings:
        remember_digest(env, config, result.period.as_of)

