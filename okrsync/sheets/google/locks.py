"""How teams lock a Google sheet down, read with the sheet: protected ranges okrsync's
account may not edit, and strict data validation ("reject input") on cells okrsync owns.

Google takes a `batchUpdate` whole or not at all: one cell of a protected range, or one
value a strict rule rejects, and every value and color of the pull is refused. So the
backend skips those cells before sending (and names each), and writes the rest.

A protected range locks its cells unless the account may edit it (`requestingUserCanEdit`)
or it only warns (`warningOnly`, which binds people in the browser, not the API). A
strict rule is judged here as Sheets judges it for the conditions a dashboard uses (a
list, a list taken from a range, numbers, text, blank or not); a rule okrsync cannot
judge (a custom formula, dates) is not risked: the cell is skipped and said so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from okrsync.core.grid import Grid


@dataclass(frozen=True)
class Rect:
    """A GridRange of one tab, end-exclusive; None is unbounded."""

    row0: int
    col0: int
    row1: int | None
    col1: int | None

    @classmethod
    def of(cls, grid: Mapping[str, Any]) -> Rect:
        return cls(grid.get("startRowIndex", 0), grid.get("startColumnIndex", 0),
                   grid.get("endRowIndex"), grid.get("endColumnIndex"))

    def __contains__(self, cell: tuple[int, int]) -> bool:
        row, col = cell
        return (self.row0 <= row and (self.row1 is None or row < self.row1)
                and self.col0 <= col and (self.col1 is None or col < self.col1))


@dataclass(frozen=True)
class Lock:
    """A protected range okrsync's account may not edit."""

    rect: Rect
    holes: tuple[Rect, ...] = ()
    """Its unprotected ranges (of a protected sheet)."""
    description: str = ""

    def __contains__(self, cell: tuple[int, int]) -> bool:
        return cell in self.rect and not any(cell in hole for hole in self.holes)


def locks_of(protected: Sequence[Mapping[str, Any]],
             named: Mapping[str, Mapping[str, Any]]) -> list[Lock]:
    """The protected ranges of one tab (ProtectedRange objects) that lock okrsync out;
    `named` resolves a range given by its named range's id."""
    locks = []
    for item in protected:
        if item.get("requestingUserCanEdit") or item.get("warningOnly"):
            continue
        grid = item.get("range") or named.get(str(item.get("namedRangeId")), {})
        locks.append(Lock(Rect.of(grid), tuple(Rect.of(u) for u in
                                               item.get("unprotectedRanges") or []),
                          str(item.get("description") or "")))
    return locks


def strict_rules(data: Sequence[Mapping[str, Any]]) -> dict[tuple[int, int], dict[str, Any]]:
    """The strict data validation rules of the cells in GridData blocks, by (row, col)."""
    rules: dict[tuple[int, int], dict[str, Any]] = {}
    for block in data:
        top, left = block.get("startRow", 0), block.get("startColumn", 0)
        for r, row in enumerate(block.get("rowData") or [], start=top):
            for c, cell in enumerate(row.get("values") or [], start=left):
                rule = (cell or {}).get("dataValidation")
                if rule and rule.get("strict"):
                    rules[(r, c)] = dict(rule)
    return rules


def list_source(rule: Mapping[str, Any]) -> str | None:
    """The range a list-from-a-range rule takes its words from (`Lists!A1:A5`)."""
    condition = rule.get("condition") or {}
    if condition.get("type") != "ONE_OF_RANGE":
        return None
    values = condition.get("values") or [{}]
    text = str(values[0].get("userEnteredValue") or "").lstrip("=").replace("$", "")
    return text or None


@dataclass
class Verdict:
    """Whether a rule takes a value: `takes` None when okrsync cannot judge it."""

    takes: bool | None
    allowed: list[str] = field(default_factory=list)
    """The words a list rule takes (for the message)."""
    kind: str = ""


def judge(rule: Mapping[str, Any], entered: Mapping[str, Any],
          listed: Mapping[str, Grid]) -> Verdict:
    """Whether a strict `rule` takes the value about to be `entered` (a CellData's
    userEnteredValue: {} clears the cell, which any rule takes); `listed` holds the
    ranges list rules take their words from, as read."""
    condition = rule.get("condition") or {}
    kind = str(condition.get("type") or "")
    given = [str(v.get("userEnteredValue", "")) for v in condition.get("values") or []]
    if not entered:
        return Verdict(True, kind=kind)
    number = entered.get("numberValue")
    text = _shown(entered)
    if kind == "ONE_OF_LIST":
        return Verdict(text in given, given, kind)
    if kind == "ONE_OF_RANGE":
        source = list_source(rule)
        words = listed.get(source or "")
        if words is None:
            return Verdict(None, kind=kind)
        allowed = [t for row in range(words.height) for col in range(words.width)
                   if (t := words.text(row, col))]
        return Verdict(text in allowed, allowed, kind)
    if kind.startswith("NUMBER_"):
        try:
            bounds = [float(v) for v in given]
        except ValueError:  # a formula
            return Verdict(None, kind=kind)
        if number is None:
            return Verdict(False, kind=kind)
        return Verdict(_compare(kind, float(number), bounds), kind=kind)
    texts = {"TEXT_EQ": lambda: text == given[0], "TEXT_NOT_EQ": lambda: text != given[0],
             "TEXT_CONTAINS": lambda: given[0] in text,
             "TEXT_NOT_CONTAINS": lambda: given[0] not in text,
             "TEXT_STARTS_WITH": lambda: text.startswith(given[0]),
             "TEXT_ENDS_WITH": lambda: text.endswith(given[0]),
             "BLANK": lambda: False, "NOT_BLANK": lambda: True}
    if kind in texts and (given or kind in ("BLANK", "NOT_BLANK")):
        return Verdict(texts[kind](), kind=kind)
    return Verdict(None, kind=kind)


def _compare(kind: str, number: float, bounds: list[float]) -> bool | None:
    if not bounds or (kind.endswith("BETWEEN") and len(bounds) < 2):
        return None
    low = bounds[0]
    return {
        "NUMBER_GREATER": number > low, "NUMBER_GREATER_THAN_EQ": number >= low,
        "NUMBER_LESS": number < low, "NUMBER_LESS_THAN_EQ": number <= low,
        "NUMBER_EQ": number == low, "NUMBER_NOT_EQ": number != low,
        "NUMBER_BETWEEN": len(bounds) > 1 and low <= number <= bounds[1],
        "NUMBER_NOT_BETWEEN": len(bounds) > 1 and not low <= number <= bounds[1],
    }.get(kind)


def _shown(entered: Mapping[str, Any]) -> str:
    """A value as a list rule compares it: numbers without a trailing `.0`."""
    if "numberValue" in entered:
        number = float(entered["numberValue"])
        return str(int(number)) if number.is_integer() else str(number)
    if "boolValue" in entered:
        return "TRUE" if entered["boolValue"] else "FALSE"
    return str(next(iter(entered.values()), ""))
