"""Finding the dashboard's header and which column holds what.

Headers may be Korean or English, in any order, on one row or two (a merged group
cell such as `목표` over `시작값 | 목표값`, `분기별 데이터` over `1Q | 2Q | 3Q | 4Q`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from okrsync.core.grid import Grid, a1, column_letter
from okrsync.errors import LayoutError
from okrsync.i18n import _

HEADER_SEARCH_ROWS = 30
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


class Column(StrEnum):
    """The columns the tool knows. Every other column is left alone."""

    DEPARTMENT = "department"
    OBJECTIVE = "objective"
    KEY_RESULT = "key_result"
    DESCRIPTION = "description"
    HISTORY = "history"
    OWNER = "owner"
    START = "start"
    TARGET = "target"
    ACHIEVEMENT = "achievement"
    JIRA = "jira"
    METRIC = "metric"
    STATUS = "status"
    SYNCED = "synced"


# Normalised header text → column. Matching is exact on the normalised text, so
# `목표` (Objective) never swallows `목표값` (Target) or `목표 시작값` (Start).
ALIASES: Mapping[Column, tuple[str, ...]] = {
    Column.DEPARTMENT: ("부서", "부서명", "조직", "팀", "실", "본부", "department", "dept",
                        "team", "org", "organization", "division"),
    Column.OBJECTIVE: ("목표", "objective", "objectives", "o", "목표 objective"),
    Column.KEY_RESULT: ("key result", "key results", "kr", "krs", "핵심 결과", "핵심결과",
                        "key result 핵심 결과", "핵심 결과 key result"),
    Column.DESCRIPTION: ("key result 설명", "kr 설명", "설명", "description",
                         "key result description", "kr description"),
    Column.HISTORY: ("key result 히스토리", "kr 히스토리", "히스토리", "history",
                     "key result history", "kr history", "이력", "변경 이력"),
    Column.OWNER: ("담당자", "담당", "owner", "책임자", "kr owner", "assignee"),
    Column.START: ("목표 시작값", "시작값", "시작 값", "시작", "start", "start value",
                   "baseline", "기준값", "initial value", "목표 start"),
    Column.TARGET: ("목표 목표값", "목표값", "목표 값", "target", "target value", "goal",
                    "목표 target"),
    Column.ACHIEVEMENT: ("목표값 대비 달성률", "달성률", "달성도", "달성율", "achievement",
                         "achievement rate", "progress", "진척률", "진척도"),
    Column.JIRA: ("jira", "jira 연동", "jira link", "jira 링크", "지라", "지라 연동"),
    Column.METRIC: ("jira metric", "jira 기준", "jira 지표", "지라 기준", "metric"),
    Column.STATUS: ("상태", "status", "진행 상태", "okrsync status", "동기화 상태"),
    Column.SYNCED: ("last synced", "마지막 동기화", "최종 동기화", "동기화 시각", "synced",
                    "last sync", "동기화 일시"),
}
_BY_ALIAS = {alias: column for column, aliases in ALIASES.items() for alias in aliases}

REQUIRED = (Column.KEY_RESULT, Column.START, Column.TARGET)
UNIQUE = (Column.KEY_RESULT, Column.START, Column.TARGET, Column.ACHIEVEMENT, Column.JIRA,
          Column.METRIC, Column.STATUS, Column.SYNCED)
"""Columns a value is read from or written to: two headers naming one is an ambiguity
(`Goal` and `Target`), never settled by taking the first. (Two department columns,
`본부` and `팀`, are a hierarchy: the first is the department.)"""

_QUARTER = re.compile(
    r"""^(?:fy\s*)?(?:(?P<year>(?:20)?\d{2})\s*년?\s*)?
    (?:q\s*(?P<a>[1-4])|(?P<b>[1-4])\s*(?:q|분기))
    (?:\s*(?:실적|actual|actuals|데이터|data|값|value|결과))?$""",
    re.VERBOSE,
)


def normalise(text: str) -> str:
    """Header text reduced to what identifies it: case, spacing, brackets, punctuation."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", text)
    text = re.sub(r"\W+", " ", text)  # "Progress %", "달성률(%)" → "progress", "달성률"
    return " ".join(text.split())


def quarter_of(text: str) -> tuple[int, int | None] | None:
    """`Q1`, `1Q`, `1분기`, `24Q1`, `2024 Q1`, `Q1 실적` → (1, year or None)."""
    match = _QUARTER.match(normalise(text))
    if not match:
        return None
    quarter = int(match["a"] or match["b"])
    year = match["year"]
    return quarter, (None if year is None else (int(year) + 2000 if len(year) == 2 else int(year)))


@dataclass(frozen=True)
class Layout:
    """Where the header is and which column holds what (0-based)."""

    header_rows: tuple[int, ...]
    columns: Mapping[Column, int]
    quarters: Mapping[int, int]
    """Quarter number (1–4) → column, for the OKR year being worked on."""
    labels: tuple[str, ...]
    """The header text of every column, for messages."""
    dated: bool = False
    """Whether the quarter headers carry their years (`24Q1`)."""

    @property
    def language(self) -> str:
        """`ko` when the headers are Korean (any Hangul in them), else `en`."""
        return "ko" if any(_HANGUL.search(label) for label in self.labels) else "en"

    @property
    def first_data_row(self) -> int:
        return self.header_rows[-1] + 1

    def describe(self) -> dict[str, tuple[str, str]]:
        """The detected mapping, role → (column letter, header text), for `okrsync check`."""
        found = [(column.value, index) for column, index in self.columns.items()]
        found += [(f"Q{quarter}", index) for quarter, index in sorted(self.quarters.items())]
        return {role: (column_letter(index), self.labels[index])
                for role, index in sorted(found, key=lambda item: item[1])}


@dataclass
class _Candidate:
    rows: tuple[int, ...]
    labels: list[str]
    columns: dict[Column, int]
    quarters: dict[int, list[tuple[int, int | None]]]  # quarter → [(col, year)]
    repeated: dict[Column, list[int]]
    """Columns read as a column already found, by role."""

    @property
    def score(self) -> int:
        return len(self.columns) + len(self.quarters)


def _classify(texts: list[str]) -> tuple[Column | None, tuple[int, int | None] | None]:
    """The column a header means, trying the most specific reading first."""
    for text in texts:
        if not text:
            continue
        quarter = quarter_of(text)
        if quarter:
            return None, quarter
        column = _BY_ALIAS.get(normalise(text))
        if column:
            return column, None
    return None, None


def _group_labels(grid: Grid, row: int, width: int) -> tuple[list[str], list[int]]:
    """The upper header row with each group cell spread over the columns it spans, and
    for each column the column of the upper cell its label comes from.

    A merge says how far a group reaches; without one, a blank upper cell belongs
    to the group on its left when both have sub-headers below.
    """
    upper = [grid.text(row, col) for col in range(width)]
    lower = [grid.text(row + 1, col) for col in range(width)]
    spread = list(upper)
    origin = list(range(width))
    for col in range(width):
        if spread[col]:
            continue
        merge = grid.merge_at(row, col)
        if merge and merge.row0 == row:
            spread[col], origin[col] = upper[merge.col0], merge.col0
        elif col > 0 and lower[col] and lower[col - 1] and spread[col - 1]:
            left_merge = grid.merge_at(row, col - 1)
            if left_merge is None or left_merge.col1 > col:
                spread[col], origin[col] = spread[col - 1], origin[col - 1]
    return spread, origin


def _is_two_row_header(grid: Grid, row: int, width: int, origin: list[int]) -> bool:
    """Whether rows `row` and `row + 1` read as one header: group cells over sub-headers.

    Every text in the lower row must sit under a group cell that spans two columns or
    more (`목표` over `시작값 | 목표값`); a lower row with text under a one-column header
    is a data row (or another table), never part of the header. An upper row of one
    text (`2024 OKR 대시보드` over the whole table) is a title, not a group row.
    """
    spans: dict[int, int] = {}
    for col in range(width):
        if grid.text(row, origin[col]):
            spans[origin[col]] = spans.get(origin[col], 0) + 1
    if len(spans) < 2:
        return False
    subheaders = [col for col in range(width) if grid.text(row + 1, col)]
    return bool(subheaders) and all(
        grid.text(row, origin[col]) and spans.get(origin[col], 0) >= 2 for col in subheaders)


def _candidate(grid: Grid, rows: tuple[int, ...], width: int) -> _Candidate | None:
    """The header as read from `rows`, or None when they do not read as a header."""
    columns: dict[Column, int] = {}
    quarters: dict[int, list[tuple[int, int | None]]] = {}
    repeated: dict[Column, list[int]] = {}
    labels: list[str] = []
    if len(rows) == 1:
        uppers = [grid.text(rows[0], col) for col in range(width)]
        lowers = [""] * width
    else:
        uppers, origin = _group_labels(grid, rows[0], width)
        if not _is_two_row_header(grid, rows[0], width, origin):
            return None
        lowers = [grid.text(rows[1], col) for col in range(width)]
    for col in range(width):
        upper, lower = uppers[col], lowers[col]
        combined = f"{upper} {lower}".strip() if lower else upper
        labels.append(combined)
        column, quarter = _classify([lower, combined, upper] if lower else [upper])
        if quarter:
            quarters.setdefault(quarter[0], []).append((col, quarter[1]))
        elif column and column not in columns:
            columns[column] = col
        elif column:
            repeated.setdefault(column, []).append(col)
    return _Candidate(rows, labels, columns, quarters, repeated)


def _pick_year(candidate: _Candidate, year: int | None) -> dict[int, int]:
    """Quarter → column for the OKR year worked on, when headers carry years."""
    years = {y for cols in candidate.quarters.values() for _, y in cols if y is not None}
    wanted = year if year is not None else max(years, default=None)
    if years and wanted not in years:
        shown = ", ".join(str(y) for y in sorted(years))
        raise LayoutError(_(
            "The quarter columns are for {years}, but the date falls in OKR year {wanted}. "
            "Pass --as-of with a date in {years}, or add columns for {wanted}."
        ).format(years=shown, wanted=wanted))
    chosen: dict[int, int] = {}
    for quarter, cols in sorted(candidate.quarters.items()):
        matching = [col for col, y in cols if y is None or y == wanted]
        if len(matching) > 1:
            names = ", ".join(repr(candidate.labels[col]) for col in matching)
            raise LayoutError(_("Quarter {quarter} appears in more than one column: "
                                "{names}.").format(quarter=quarter, names=names))
        if matching:
            chosen[quarter] = matching[0]
    return chosen


def detect_layout(grid: Grid, year: int | None = None) -> Layout:
    """Find the header row(s) and map every known column.

    `year` (the OKR year of the date worked on) picks the quarter columns when the
    headers carry years (`24Q1 … 25Q4`). Raises LayoutError naming what is missing
    and what was seen.
    """
    width = grid.width
    best: _Candidate | None = None
    for row in range(min(HEADER_SEARCH_ROWS, grid.height)):
        single = _candidate(grid, (row,), width)
        double = _candidate(grid, (row, row + 1), width)
        for candidate in (single, double):
            if candidate is not None and (best is None or candidate.score > best.score):
                best = candidate
    if best is None or best.score == 0:
        raise LayoutError(_(
            "No header row found in the first {count} rows: expected headers such as 부서, "
            "목표, Key Result, 목표 시작값, 목표 목표값, 1Q–4Q."
        ).format(count=HEADER_SEARCH_ROWS))
    missing = [column for column in REQUIRED if column not in best.columns]
    if missing or not best.quarters:
        names = [_display(column) for column in missing]
        if not best.quarters:
            names.append(_("quarter columns (Q1–Q4, 1Q, 1분기, 24Q1, …)"))
        seen = ", ".join(repr(label) for label in best.labels if label) or _("(nothing)")
        where = _(" and ").join(str(r + 1) for r in best.rows)
        raise LayoutError(_(
            "Required column not found: {names}. Headers seen in row {rows}: {seen}."
        ).format(names=", ".join(names), rows=where, seen=seen))
    for column in UNIQUE:
        if column in best.repeated:
            both = ", ".join(f"{column_letter(col)} {best.labels[col]!r}"
                             for col in [best.columns[column], *best.repeated[column]])
            raise LayoutError(_("More than one column reads as {column}: {names}. Rename all "
                                "but one, so okrsync knows which to use.").format(
                column=_display(column), names=both))
    quarters = _pick_year(best, year)
    dated = any(y is not None for cols in best.quarters.values() for _col, y in cols)
    return Layout(best.rows, dict(best.columns), quarters, tuple(best.labels), dated)


_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def sheet_year(grid: Grid, layout: Layout) -> tuple[int, str] | None:
    """The one year a sheet names for itself, and where: in its tab's name (`2024 OKR`)
    or in the title cells above its header (`2024 OKR 대시보드`). None when it names no
    year, or more than one (`2024–2025`, a date in a note)."""
    found: list[tuple[int, str]] = [(int(y), _("the tab name {name}").format(
        name=repr(grid.title))) for y in _YEAR.findall(grid.title)]
    for row in range(layout.header_rows[0]):
        for col in range(grid.width):
            text = grid.text(row, col)
            found += [(int(y), _("cell {cell} {text}").format(cell=a1(row, col),
                                                              text=repr(text)))
                      for y in _YEAR.findall(text)]
    return found[0] if len({year for year, _where in found}) == 1 else None


def _display(column: Column) -> str:
    korean, english = ALIASES[column][0], ALIASES[column][-1]
    names = {
        Column.KEY_RESULT: "Key Result (핵심 결과)",
        Column.START: "목표 시작값 (Start)",
        Column.TARGET: "목표 목표값 (Target)",
    }
    return names.get(column, f"{korean} ({english})")
