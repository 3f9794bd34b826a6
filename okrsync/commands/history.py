"""`okrsync history` and `okrsync undo`: the change log, read back and reverted."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime

from okrsync.config import Config
from okrsync.core.grid import CellWrite, ValueKind, parse_a1
from okrsync.core.layout import Column, detect_layout
from okrsync.core.plan import same_value
from okrsync.environment import Environment
from okrsync.errors import ExitCode, LayoutError
from okrsync.i18n import _
from okrsync.logbook import is_change
from okrsync.sheets.base import LogRecord, SheetBackend
from okrsync.workspace import locked, open_sheet

UNDO_PULL = "undo-"
"""How an undo's lines are marked in the log's `pull` column (`undo-20240820-090000`)."""
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


def last_pull(records: list[LogRecord]) -> str | None:
    """The newest pull that wrote something and has not been undone (the alarms and
    briefs the log remembers are not writes to undo)."""
    undone = {r.source.removeprefix(UNDO_SOURCE) for r in records
              if r.source.startswith(UNDO_SOURCE)}
    for record in reversed(records):
        if (is_change(record) and not record.pull.startswith(UNDO_PULL)
                and record.pull not in undone):
            return record.pull
    return None


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


def _undo(backend: SheetBackend, now: datetime, dry_run: bool) -> UndoResult:
    grid = backend.read()
    records = backend.read_log()
    pull = last_pull(records)
    result = UndoResult(pull, sheet=backend.name, dry_run=dry_run)
    if pull is None:
        return result
    try:
        layout = detect_layout(grid)
        kr_col: int | None = layout.columns[Column.KEY_RESULT]
        header_rows: tuple[int, ...] = layout.header_rows
    except LayoutError:
        kr_col, header_rows = None, ()
    writes: list[CellWrite] = []
    log: list[LogRecord] = []
    undo_id = f"{UNDO_PULL}{now:%Y%m%d-%H%M%S}"
    for record in reversed([r for r in records if r.pull == pull]):
        row, col = _cell(record.cell)
        if kr_col is not None and grid.text(row, kr_col) != record.key_result:
            result.refused.append((record, _("its row no longer holds this KR (rows moved)")))
            continue
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
        anchor = (kr_col, record.key_result) if kr_col is not None else None
        writes.append(CellWrite(row, col, True, old, kind, anchor=anchor))
        log.append(LogRecord(now.isoformat(timespec="seconds"), undo_id, record.row,
                             record.key_result, record.cell, record.column, record.new, old,
                             f"{UNDO_SOURCE}{pull}"))
        result.reverted.append(record)
    if writes and not dry_run:
        report = backend.write(writes, log, header_rows)
        for (row, col), reason in report.skipped.items():
            for record in list(result.reverted):
                if _cell(record.cell) == (row, col):
                    result.reverted.remove(record)
                    result.refused.append((record, reason))
    return result
