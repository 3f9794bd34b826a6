"""`okrsync history` and `okrsync undo`: the change log, read back and reverted."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime

from okrsync.config import Config
from okrsync.core.grid import CellWrite, Grid, ValueKind, parse_a1
from okrsync.core.layout import Column, Layout, detect_layout
from okrsync.core.okr import read_key_results
from okrsync.core.plan import same_value
from okrsync.environment import Environment
from okrsync.errors import ExitCode
from okrsync.i18n import _
from okrsync.logbook import is_change, run_id, run_time
from okrsync.sheets.base import LogRecord, SheetBackend
from okrsync.workspace import locked, open_sheet

UNDO_PULL = "undo-"
"""How an undo's lines are marked in the log's `pull` column (`undo-20240820-090000.123`)."""
UNDO_SOURCE = "undo of pull "
"""How an undo's lines name the pull they revert, in the log's `source` column."""


@dataclass(frozen=True)
class HistoryResult:
    """Logged changes, oldest first."""

    records: list[LogRecord]
    exit_code: ExitCode = ExitCode.OK


def history(env: Environment, config: Config, kr: str | None = None, row: int | None = None
            ) -> HistoryResult:
    """Every logged change, oldest first; only one KR's when `kr` (text) or `row` is given."""
    with closing(open_sheet(config, env)) as backend:
        records = backend.read_log()
    if kr:
        wanted = kr.casefold()
        records = [r for r in records if wanted in r.key_result.casefold()]
    if row is not None:
        records = [r for r in records if r.row == row]
    return HistoryResult(records)


def _when(record: LogRecord) -> float | None:
    """When a log line was written, as a timestamp: its time (ISO 8601, with or without
    an offset), else the time in its pull's id (`20240820-090000.123`); None when neither
    reads (a person's edit)."""
    try:
        moment: datetime | None = datetime.fromisoformat(record.time)
    except ValueError:
        moment = run_time(record.pull, UNDO_PULL if record.pull.startswith(UNDO_PULL) else "")
    try:
        return None if moment is None else moment.timestamp()  # without an offset: local
    except (OverflowError, OSError):
        return None


def last_pull(records: list[LogRecord]) -> str | None:
    """The newest pull that wrote something and has not been undone: newest by the time
    its lines carry, not by where they stand (a person may sort the log tab newest
    first); of lines with the same time, the lower one. The alarms and briefs the log
    remembers are not writes to undo."""
    undone = {r.source.removeprefix(UNDO_SOURCE) for r in records
              if r.source.startswith(UNDO_SOURCE)}
    newest: tuple[float, int] | None = None
    pull = None
    for position, record in enumerate(records):
        if (not is_change(record) or record.pull.startswith(UNDO_PULL)
                or record.pull in undone):
            continue
        when = _when(record)
        if when is not None and (newest is None or (when, position) > newest):
            newest, pull = (when, position), record.pull
    return pull


@dataclass
class UndoResult:
    pull: str | None
    reverted: list[LogRecord] = field(default_factory=list)
    refused: list[tuple[LogRecord, str]] = field(default_factory=list)
    sheet: str = ""
    dry_run: bool = False

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.PARTIAL if self.refused else ExitCode.OK


def _cell(address: str) -> tuple[int, int]:
    return parse_a1(address)


def undo(env: Environment, config: Config, dry_run: bool = False) -> UndoResult:
    """Put back the old values of the last pull's writes.

    A cell someone changed since that pull (it no longer shows what the pull wrote)
    keeps the person's value and is reported; so is a row whose KR moved.
    """
    with locked(config, env.lock_dir), closing(open_sheet(config, env)) as backend:
        return _undo(backend, env.now(zone=config.okr.zone), dry_run)


def _owned(grid: Grid, layout: Layout) -> tuple[set[int], dict[tuple[int, int], str]]:
    """The columns a pull writes into, and the cells it may have written, whatever a log
    line says: in a KR's row, its achievement, status and last-synced cells, and, for a
    KR linked to JIRA, its quarter cells; never a formula. Each cell with its KR's text."""
    roles = [layout.columns[c] for c in (Column.ACHIEVEMENT, Column.STATUS, Column.SYNCED)
             if c in layout.columns]
    owned: dict[tuple[int, int], str] = {}
    for kr in read_key_results(grid, layout):
        for col in roles + (list(layout.quarters.values()) if kr.linked else []):
            if (kr.row, col) not in grid.formulas:
                owned[(kr.row, col)] = kr.text
    return set(roles) | set(layout.quarters.values()), owned


def _refusal(record: LogRecord, grid: Grid, layout: Layout, columns: set[int],
             owned: dict[tuple[int, int], str]) -> str | None:
    """Why a log line of the pull being undone must not be followed, or None."""
    not_ours = _("not a cell okrsync writes (only a KR's achievement, status, last-synced "
                 "and, when linked to JIRA, quarter cells); left alone")
    try:
        row, col = _cell(record.cell)
    except ValueError:
        return not_ours
    if record.row != row + 1:
        return _("the log line names row {row} but cell {cell}; it was edited, so it is "
                 "left alone").format(row=record.row, cell=record.cell)
    if col not in columns:
        return not_ours
    if grid.text(row, layout.columns[Column.KEY_RESULT]) != record.key_result:
        return _("its row no longer holds this KR (rows moved)")
    if (row, col) in grid.formulas:
        return _("it holds a formula, which okrsync never overwrites; left alone")
    if owned.get((row, col)) != record.key_result:
        return not_ours
    return None


def _undo(backend: SheetBackend, now: datetime, dry_run: bool) -> UndoResult:
    grid = backend.read()
    records = backend.read_log()
    pull = last_pull(records)
    result = UndoResult(pull, sheet=backend.name, dry_run=dry_run)
    if pull is None:
        return result
    layout = detect_layout(grid)  # without it, no cell is known to be okrsync's
    kr_col = layout.columns[Column.KEY_RESULT]
    columns, owned = _owned(grid, layout)
    writes: list[CellWrite] = []
    log: list[LogRecord] = []
    undo_id = run_id(now, UNDO_PULL)
    for record in reversed([r for r in records if r.pull == pull]):
        if (refusal := _refusal(record, grid, layout, columns, owned)) is not None:
            result.refused.append((record, refusal))
            continue
        row, col = _cell(record.cell)
        if not same_value(grid.get(row, col), record.new):
            result.refused.append((record, _("someone changed it since the pull; kept")))
            continue
        old = record.old
        if isinstance(old, str) or isinstance(record.new, str):
            kind = ValueKind.TEXT
        elif (row, col) in grid.percent:
            kind = ValueKind.PERCENT
        else:
            kind = ValueKind.NUMBER
        # the evidence note told how the undone value came about: it goes with it
        writes.append(CellWrite(row, col, True, old, kind, anchor=(kr_col, record.key_result),
                                note=""))
        log.append(LogRecord(now.isoformat(timespec="seconds"), undo_id, record.row,
                             record.key_result, record.cell, record.column, record.new, old,
                             f"{UNDO_SOURCE}{pull}"))
        result.reverted.append(record)
    if writes and not dry_run:
        report = backend.write(writes, log, layout.header_rows)
        for (row, col), reason in report.skipped.items():
            for record in list(result.reverted):
                if _cell(record.cell) == (row, col):
                    result.reverted.remove(record)
                    result.refused.append((record, reason))
    return result
