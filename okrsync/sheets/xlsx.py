"""An .xlsx workbook as the dashboard, through openpyxl.

Reading loads the workbook twice: once for the values Excel last calculated
(`data_only`), once as written (formulas, styles) to write back into. Writing
changes only the cells in the plan, appends to the `okrsync log` sheet, saves to
a temporary file beside the workbook and renames it over the original, so a
crash never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import PatternFill
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from okrsync.core.grid import CellWrite, Grid, Merge, ValueKind
from okrsync.core.values import CellValue
from okrsync.errors import SourceError
from okrsync.sheets.base import LOG_HEADER, LOG_TAB, LogRecord, SheetBackend, WriteReport

PERCENT_FORMAT = "0.0%"


def _is_percent(number_format: str) -> bool:
    # Quoted text in a format ("0.0\"%p\"") is literal, not a percentage.
    unquoted = "".join(part for i, part in enumerate(number_format.split('"')) if i % 2 == 0)
    return "%" in unquoted


def _value(cell: Cell | MergedCell) -> CellValue:
    value: Any = cell.value
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        number = float(value)
        # Rounded so that 0.55 formatted as 55% reads as 55, not 55.00000000000001.
        return round(number * 100, 10) if _is_percent(cell.number_format or "") else number
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _fill(cell: Cell | MergedCell) -> str | None:
    fill = cell.fill
    if fill is None or fill.fill_type != "solid":
        return None
    color = fill.fgColor
    if color is None or color.type != "rgb" or not isinstance(color.rgb, str):
        return None
    return color.rgb[-6:].upper()


class XlsxSheet(SheetBackend):
    """One worksheet of an .xlsx workbook. `output` writes elsewhere, keeping the original."""

    def __init__(self, path: Path, worksheet: str | None = None, output: Path | None = None):
        self.path = path
        self.worksheet = worksheet
        self.output = output
        self._book: Workbook | None = None
        self._stamp: tuple[int, int] | None = None

    @property
    def name(self) -> str:
        tab = f" [{self.worksheet}]" if self.worksheet else ""
        if self.output is not None:
            return f"{self.output} (a copy of {self.path}{tab})"
        return f"{self.path}{tab}"

    def _load(self, data_only: bool) -> Workbook:
        try:
            # keep_vba: a macro-enabled workbook (.xlsm) keeps its macros when saved.
            return load_workbook(self.path, data_only=data_only,
                                 keep_vba=self.path.suffix.lower() == ".xlsm")
        except FileNotFoundError:
            raise SourceError(f"workbook {self.path} does not exist") from None
        except (InvalidFileException, OSError, KeyError, ValueError) as error:
            raise SourceError(f"workbook {self.path} cannot be read as .xlsx: {error}") from None

    def _sheet(self, book: Workbook) -> Worksheet:
        if self.worksheet is None:
            for sheet in book.worksheets:
                if sheet.title != LOG_TAB:
                    return sheet
            raise SourceError(f"workbook {self.path} has no worksheet")
        if self.worksheet not in book.sheetnames:
            tabs = ", ".join(repr(t) for t in book.sheetnames if t != LOG_TAB)
            raise SourceError(
                f"workbook {self.path} has no tab {self.worksheet!r}; its tabs are: {tabs}"
            )
        sheet = book[self.worksheet]
        assert isinstance(sheet, Worksheet)
        return sheet

    def _file_stamp(self) -> tuple[int, int]:
        stat = self.path.stat()
        return stat.st_mtime_ns, stat.st_size

    def read(self) -> Grid:
        if not self.path.exists():
            raise SourceError(f"workbook {self.path} does not exist")
        self._stamp = self._file_stamp()
        values_sheet = self._sheet(self._load(data_only=True))
        self._book = self._load(data_only=False)
        sheet = self._sheet(self._book)
        rows: list[list[CellValue]] = []
        formulas: set[tuple[int, int]] = set()
        percent: set[tuple[int, int]] = set()
        fills: dict[tuple[int, int], str] = {}
        for r, (shown, written) in enumerate(
            zip(values_sheet.iter_rows(), sheet.iter_rows(), strict=True)
        ):
            row: list[CellValue] = []
            for c, (value_cell, cell) in enumerate(zip(shown, written, strict=True)):
                row.append(_value(value_cell))
                if cell.data_type == "f":
                    formulas.add((r, c))
                if _is_percent(cell.number_format or ""):
                    percent.add((r, c))
                if (color := _fill(cell)) is not None:
                    fills[(r, c)] = color
            rows.append(row)
        merges = [
            Merge(m.min_row - 1, m.min_col - 1, m.max_row, m.max_col)
            for m in sheet.merged_cells.ranges
        ]
        return Grid(rows, merges, frozenset(formulas), frozenset(percent), fills)

    def write(self, writes: Sequence[CellWrite], log: Sequence[LogRecord],
              header_rows: Sequence[int] = ()) -> WriteReport:
        if self._book is None:
            raise RuntimeError("read() must come before write()")
        if self.output is None and self._file_stamp() != self._stamp:
            raise SourceError(
                f"workbook {self.path} was changed by someone else while okrsync ran; "
                "nothing was written. Run the pull again."
            )
        if self.output is None and (parts := _parts_openpyxl_drops(self.path)):
            raise SourceError(
                f"workbook {self.path} contains {parts}, which openpyxl cannot keep when it "
                "saves; okrsync will not overwrite it. Write a copy with --output (without "
                f"the {parts}), or keep the dashboard in Google Sheets. Nothing was written."
            )
        sheet = self._sheet(self._book)
        for write in writes:
            cell = sheet.cell(write.row + 1, write.col + 1)
            if isinstance(cell, MergedCell):
                continue
            if write.set_value:
                _set_value(cell, write.value, write.kind)
            if write.fill is not None:
                cell.fill = PatternFill(fill_type="solid", fgColor="FF" + write.fill)
        if log:
            _append_log(self._book, log)
        self._save(self._book)
        return WriteReport()

    def _save(self, book: Workbook) -> None:
        target = self.output or self.path
        handle, temp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".xlsx",
                                        dir=target.parent)
        os.close(handle)
        try:
            book.save(temp)
            if target.exists():
                shutil.copymode(target, temp)
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        if self.output is None:
            self._stamp = self._file_stamp()

    def read_log(self) -> list[LogRecord]:
        book = self._book or self._load(data_only=False)
        if LOG_TAB not in book.sheetnames:
            return []
        records = []
        for row in book[LOG_TAB].iter_rows(min_row=2, values_only=True):
            if not row or row[0] is None:
                continue
            cells = list(row[: len(LOG_HEADER)]) + [None] * (len(LOG_HEADER) - len(row))
            records.append(LogRecord(
                time=str(cells[0]), pull=str(cells[1] or ""), row=int(cells[2] or 0),
                key_result=str(cells[3] or ""), cell=str(cells[4] or ""),
                column=str(cells[5] or ""), old=_log_value(cells[6]), new=_log_value(cells[7]),
                source=str(cells[8] or ""),
            ))
        return records


_DROPPED = {"xl/charts/": "charts", "xl/drawings/": "drawings or images",
            "xl/pivotTables/": "pivot tables", "xl/slicers/": "slicers"}


def _parts_openpyxl_drops(path: Path) -> str:
    """What in the workbook a save through openpyxl would lose ("" when nothing)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return ""
    found = dict.fromkeys(label for prefix, label in _DROPPED.items()
                          if any(name.startswith(prefix) for name in names))
    return " and ".join(found)


def _log_value(value: object) -> float | str | None:
    if value is None or isinstance(value, float | str):
        return value
    if isinstance(value, int):
        return float(value)
    return str(value)


def _set_value(cell: Cell, value: float | str | None, kind: ValueKind) -> None:
    if value is None:
        cell.value = None
    elif kind is ValueKind.TEXT or isinstance(value, str):
        cell.value = str(value)
        cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
    elif kind is ValueKind.PERCENT:
        cell.value = value / 100
        if not _is_percent(cell.number_format or ""):
            cell.number_format = PERCENT_FORMAT
    else:
        cell.value = value


def _append_log(book: Workbook, log: Sequence[LogRecord]) -> None:
    if LOG_TAB in book.sheetnames:
        sheet = book[LOG_TAB]
    else:
        sheet = book.create_sheet(LOG_TAB)
        sheet.append(LOG_HEADER)
    for record in log:
        sheet.append(record.as_row())
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
