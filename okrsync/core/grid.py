"""The sheet as the core sees it: a grid of values plus the merges and formulas."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from okrsync.core.values import CellValue


@dataclass(frozen=True)
class Merge:
    """A merged range, 0-based, end-exclusive."""

    row0: int
    col0: int
    row1: int
    col1: int

    def __contains__(self, cell: tuple[int, int]) -> bool:
        row, col = cell
        return self.row0 <= row < self.row1 and self.col0 <= col < self.col1


@dataclass(frozen=True)
class Grid:
    """One worksheet's content, 0-based rows and columns.

    `values` may be ragged (backends drop trailing empty cells). A percentage cell
    is already on its displayed scale (a cell showing 20% holds 20.0). `fills` has
    the current solid background of the cells that have one, as `RRGGBB`.
    """

    values: Sequence[Sequence[CellValue]]
    merges: Sequence[Merge] = ()
    formulas: frozenset[tuple[int, int]] = frozenset()
    percent: frozenset[tuple[int, int]] = frozenset()
    """Cells formatted as a percentage (their value is already ×100)."""
    fills: Mapping[tuple[int, int], str] = field(default_factory=dict)
    title: str = ""
    """The tab's name (`2024 OKR`), when the backend knows it."""

    @property
    def height(self) -> int:
        return len(self.values)

    @property
    def width(self) -> int:
        return max((len(row) for row in self.values), default=0)

    def get(self, row: int, col: int) -> CellValue:
        if 0 <= row < len(self.values):
            line = self.values[row]
            if 0 <= col < len(line):
                return line[col]
        return None

    def text(self, row: int, col: int) -> str:
        """The cell as text, stripped; numbers without a trailing `.0`."""
        value = self.get(row, col)
        if value is None:
            return ""
        if isinstance(value, int | float):
            return str(int(value)) if float(value).is_integer() else str(value)
        return str(value).strip()

    def merge_at(self, row: int, col: int) -> Merge | None:
        for merge in self.merges:
            if (row, col) in merge:
                return merge
        return None


def column_letter(col: int) -> str:
    """0-based column → its letters: 0 → `A`, 25 → `Z`, 26 → `AA`."""
    letters = ""
    number = col + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def a1(row: int, col: int) -> str:
    """0-based (row, col) as an A1 address: (6, 7) → `H7`."""
    return f"{column_letter(col)}{row + 1}"


_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def parse_a1(address: str) -> tuple[int, int]:
    """An A1 address → 0-based (row, col): `H7` → (6, 7). ValueError when it is none."""
    match = _A1.match(address.strip())
    if not match or int(match[2]) < 1:
        raise ValueError(f"{address!r} is not a cell address")
    col = 0
    for letter in match[1].upper():
        col = col * 26 + ord(letter) - 64
    return int(match[2]) - 1, col - 1


class ValueKind(StrEnum):
    NUMBER = "number"
    PERCENT = "percent"
    """A number on the displayed scale (45 = 45%), stored as 0.45 with a % format."""
    TEXT = "text"
    """Always stored as text, never interpreted (a leading `=` stays text)."""


@dataclass(frozen=True)
class CellWrite:
    """One owned cell to change. `value` is only written when `set_value` is true."""

    row: int
    col: int
    set_value: bool = False
    value: float | str | None = None
    kind: ValueKind = ValueKind.NUMBER
    fill: str | None = None
    """New solid background as `RRGGBB`, or None to leave the fill alone."""
    anchor: tuple[int, str] | None = None
    """(column, text) of the KR cell on the same row, for backends that verify rows."""
    note: str | None = None
    """The evidence note to put on the cell (a Google Sheets note, an Excel comment); ""
    removes okrsync's note; None leaves the note alone. A note someone else wrote is never
    replaced nor removed (`is_okrsync_note`)."""


NOTE_SIGNATURE = "okrsync · "
"""How an evidence note ends: its last line is `okrsync · 2024-11-15 09:00 KST`."""


def is_okrsync_note(text: str | None) -> bool:
    """Whether a cell's note is okrsync's own (or there is none), so it may be replaced."""
    if not text or not text.strip():
        return True
    return text.rstrip().rsplit("\n", 1)[-1].startswith(NOTE_SIGNATURE)
