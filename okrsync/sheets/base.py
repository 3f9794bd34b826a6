"""The interface every sheet backend implements."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from okrsync.core.grid import CellWrite, Grid
from okrsync.core.template import Template
from okrsync.core.text import clean

LOG_TAB = "okrsync log"
"""The tab (or sheet) where every pull appends what it changed."""

LOG_HEADER = ("time", "pull", "row", "key result", "cell", "column", "old", "new", "source")


@dataclass(frozen=True)
class LogRecord:
    """One line of the change log: enough to audit and to undo a pull."""

    time: str
    pull: str
    row: int
    key_result: str
    cell: str
    column: str
    old: float | str | None
    new: float | str | None
    source: str

    def as_row(self) -> tuple[object, ...]:
        """The cells to write: texts with control characters and lone surrogates made
        visible (`clean`), as no sheet can hold them and a person's text may carry them."""
        return tuple(clean(value) if isinstance(value, str) else value for value in (
            self.time, self.pull, self.row, self.key_result, self.cell, self.column,
            self.old, self.new, self.source))

    @classmethod
    def from_cells(cls, cells: Sequence[object]) -> LogRecord | None:
        """A log line from the cells of one row, as any backend reads them; None for a
        row without a time (blank, or a person's note below the log).

        Every backend reads the same line the same way: blank ('' or nothing) is no
        value, TRUE/FALSE are the texts a sheet shows, ints and floats are numbers,
        dates and times are ISO 8601 texts.
        """
        padded = list(cells[: len(LOG_HEADER)]) + [None] * (len(LOG_HEADER) - len(cells))
        if _log_text(padded[0]) == "":
            return None
        return cls(
            time=_log_text(padded[0]), pull=_log_text(padded[1]), row=_log_row(padded[2]),
            key_result=_log_text(padded[3]), cell=_log_text(padded[4]),
            column=_log_text(padded[5]), old=log_value(padded[6]), new=log_value(padded[7]),
            source=_log_text(padded[8]),
        )


def log_value(value: object) -> float | str | None:
    """An old or new value of the log as read back: a number, a text, or None."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        number = float(value)
        return number if math.isfinite(number) else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _log_text(value: object) -> str:
    found = log_value(value)
    if found is None:
        return ""
    if isinstance(found, float):
        return str(int(found)) if found.is_integer() else repr(found)
    return found


def _log_row(value: object) -> int:
    found = log_value(value)
    try:
        number = float(found) if found is not None else 0.0
    except ValueError:
        return 0
    return int(number) if math.isfinite(number) and number.is_integer() else 0


@dataclass
class WriteReport:
    """What a backend did not write, and why (cells changed by someone during the run)."""

    skipped: dict[tuple[int, int], str] = field(default_factory=dict)
    """(row, col) → reason, 0-based."""


PERCENT_FORMAT = "0%"
"""How okrsync formats a percent cell it writes or lays out (a dashboard's columns, a cell
with no percent format): a whole percent, as every report shows it. A cell someone
formatted as a percent keeps its format."""


class SheetBackend(ABC):
    """Reads one worksheet as a Grid, and writes owned cells plus log lines back."""

    @property
    @abstractmethod
    def name(self) -> str:
        """Where the sheet is, for messages."""

    @property
    def writes_a_copy(self) -> bool:
        """Whether a pull writes a new file (`--output`) even when no value changes: the
        copy asked for is made all the same."""
        return False

    @abstractmethod
    def read(self, *, for_writing: bool = True) -> Grid:
        """The worksheet's values, merges, formulas, percent formats and fills. Without
        `for_writing` (a report), a backend may skip what only writing needs (formulas,
        fills) and is not written through afterwards."""

    @abstractmethod
    def write(self, writes: Sequence[CellWrite], log: Sequence[LogRecord],
              header_rows: Sequence[int] = ()) -> WriteReport:
        """Apply the writes and append the log lines of the cells written (and the lines
        that are no cell's: what okrsync.logbook remembers). When every write is refused,
        nothing is written, log lines included.

        A backend that can tell re-checks the sheet first: writes to a row whose KR moved,
        to a column whose header (in `header_rows`) changed, or to a cell someone changed
        since the read are skipped and reported, never sent to the wrong place.
        """

    @abstractmethod
    def read_log(self) -> list[LogRecord]:
        """Every change recorded by earlier pulls, oldest first."""

    @abstractmethod
    def create_dashboard(self, title: str, template: Template, *, replace: bool = False
                         ) -> None:
        """Lay out an empty dashboard in a new tab (or workbook) called `title`: the
        template's headers, merges, column widths, a frozen header and a percent format
        on its percent columns. `replace` lets a new workbook replace an existing file;
        an existing tab is never replaced."""

    def close(self) -> None:  # noqa: B027 (nothing to release by default)
        """Release connections; the backend is not used afterwards."""
