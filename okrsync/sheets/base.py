"""The interface every sheet backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

from okrsync.core.grid import CellWrite, Grid

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
        return (self.time, self.pull, self.row, self.key_result, self.cell, self.column,
                self.old, self.new, self.source)


@dataclass
class WriteReport:
    """What a backend did not write, and why (cells changed by someone during the run)."""

    skipped: dict[tuple[int, int], str] = field(default_factory=dict)
    """(row, col) → reason, 0-based."""


class SheetBackend(ABC):
    """Reads one worksheet as a Grid, and writes owned cells plus log lines back."""

    @property
    @abstractmethod
    def name(self) -> str:
        """Where the sheet is, for messages."""

    @abstractmethod
    def read(self) -> Grid:
        """The worksheet's values, merges, formulas, percent formats and fills."""

    @abstractmethod
    def write(self, writes: Sequence[CellWrite], log: Sequence[LogRecord],
              header_rows: Sequence[int] = ()) -> WriteReport:
        """Apply the writes and append the log lines of the cells written.

        A backend that can tell re-checks the sheet first: writes to a row whose KR moved,
        to a column whose header (in `header_rows`) changed, or to a cell someone changed
        since the read are skipped and reported, never sent to the wrong place.
        """

    @abstractmethod
    def read_log(self) -> list[LogRecord]:
        """Every change recorded by earlier pulls, oldest first."""

    def close(self) -> None:  # noqa: B027 (nothing to release by default)
        """Release connections; the backend is not used afterwards."""
