"""Key Results read from the grid, and what a pull computes for each."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from okrsync.core.grid import Grid, a1
from okrsync.core.layout import Column, Layout
from okrsync.core.progress import NotComputable, Status, Thresholds, achievement, status
from okrsync.core.text import clean
from okrsync.core.values import parse_number, unit_of
from okrsync.errors import KRError
from okrsync.i18n import _s

_INVALID_TEXT = re.compile(r"[\ud800-\udfff]")
"""A lone surrogate: what a broken client can put in a cell, and no output can carry."""

_NOTE_MARKERS = ("※", "*", "#", "note", "참고", "주)", "주:", "비고")


@dataclass
class KeyResult:
    """One row of the dashboard. `row` is 0-based; `sheet_row` is what people see."""

    row: int
    department: str
    objective: str
    text: str
    description: str = ""
    owner: str = ""
    unit: str = ""
    """The unit typed with start or target (`점`, `분`, `%`), for display."""
    start: float | None = None
    target: float | None = None
    quarters: dict[int, float | None] = field(default_factory=dict)
    link: str = ""
    metric: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def sheet_row(self) -> int:
        return self.row + 1

    @property
    def linked(self) -> bool:
        return bool(self.link)

    @property
    def current(self) -> float | None:
        """The latest quarter that has a value."""
        for quarter in sorted(self.quarters, reverse=True):
            value = self.quarters[quarter]
            if value is not None:
                return value
        return None

    @property
    def current_quarter(self) -> int | None:
        for quarter in sorted(self.quarters, reverse=True):
            if self.quarters[quarter] is not None:
                return quarter
        return None

    def achievement(self) -> float | NotComputable:
        return achievement(self.start, self.target, self.current)

    def quarter_achievement(self, quarter: int) -> float | NotComputable:
        return achievement(self.start, self.target, self.quarters.get(quarter))

    def status(self, expected: float, thresholds: Thresholds) -> Status:
        if self.errors:
            return Status.NO_DATA
        return status(self.achievement(), expected, thresholds)


def _is_note(grid: Grid, row: int, col: int, text: str) -> bool:
    """A note under the table: marked as one, or merged across several columns."""
    if text.lower().startswith(_NOTE_MARKERS):
        return True
    merge = grid.merge_at(row, col)
    return merge is not None and merge.col1 - merge.col0 > 1


def read_key_results(grid: Grid, layout: Layout) -> list[KeyResult]:
    """Every KR row below the header, with department and objective filled down.

    Blank spacer rows, notes and repeated header rows are not KRs. A value that
    cannot be read is recorded on its KR (with the cell address), not raised.
    """
    cols = layout.columns
    header_texts = {grid.text(r, cols[Column.KEY_RESULT]) for r in layout.header_rows}
    department = objective = ""
    results: list[KeyResult] = []
    for row in range(layout.first_data_row, grid.height):

        def text(column: Column, row: int = row) -> str:
            return grid.text(row, cols[column]) if column in cols else ""

        kr_text = text(Column.KEY_RESULT)
        if not kr_text and text(Column.JIRA):  # a link to pull, for no KR: say so
            results.append(KeyResult(row, department, objective, "", link=text(Column.JIRA),
                                     errors=[_s("{cell}: no key result, but a JIRA link in "
                                                "{link}; type the key result, or clear the "
                                                "row").format(
                                         cell=a1(row, cols[Column.KEY_RESULT]),
                                         link=a1(row, cols[Column.JIRA]))]))
            continue
        if not kr_text or kr_text in header_texts:
            continue
        if _is_note(grid, row, cols[Column.KEY_RESULT], kr_text):
            continue
        if text(Column.DEPARTMENT) and text(Column.DEPARTMENT) != department:
            department, objective = text(Column.DEPARTMENT), ""
        if text(Column.OBJECTIVE):
            objective = text(Column.OBJECTIVE)
        kr = KeyResult(
            row=row,
            department=department,
            objective=objective,
            text=kr_text,
            description=text(Column.DESCRIPTION),
            owner=text(Column.OWNER),
            link=text(Column.JIRA),
            metric=text(Column.METRIC),
        )
        for column, col in cols.items():
            if _INVALID_TEXT.search(grid.text(row, col)):
                kr.errors.append(_s(
                    "{cell}: holds characters that are not valid text ({text}); retype the "
                    "{column}").format(cell=a1(row, col),
                                       text=clean(grid.text(row, col), one_line=True)[:40],
                                       column=column_name(column)))
        for col in (cols[Column.START], cols[Column.TARGET]):
            if (row, col) in grid.percent:
                kr.unit = "%"
            kr.unit = kr.unit or unit_of(grid.get(row, col))
        kr.start = _number(grid, kr, row, cols[Column.START])
        kr.target = _number(grid, kr, row, cols[Column.TARGET])
        for quarter, col in layout.quarters.items():
            kr.quarters[quarter] = _number(grid, kr, row, col)
        _one_unit(grid, kr, [cols[Column.START], cols[Column.TARGET],
                             *layout.quarters.values()])
        if any(kr.quarter_achievement(q) is NotComputable.OUT_OF_RANGE for q in kr.quarters):
            kr.errors.append(_s(
                "{cells}: the start, target and values are too large to compute an "
                "achievement with").format(
                    cells=f"{a1(row, cols[Column.START])}:{a1(row, cols[Column.TARGET])}"))
        results.append(kr)
    return results


def column_name(column: Column) -> str:
    """What a column holds, in the sheet's language, for messages ("the owner", "담당자")."""
    return {
        Column.DEPARTMENT: _s("department"), Column.OBJECTIVE: _s("objective"),
        Column.KEY_RESULT: _s("key result"), Column.DESCRIPTION: _s("description"),
        Column.HISTORY: _s("history"), Column.OWNER: _s("owner"), Column.START: _s("start"),
        Column.TARGET: _s("target"), Column.ACHIEVEMENT: _s("achievement"),
        Column.JIRA: _s("jira"), Column.METRIC: _s("metric"), Column.STATUS: _s("status"),
        Column.SYNCED: _s("synced"),
    }[column]


_SAME_UNIT = {"₩": "원", "$": "usd", "달러": "usd"}


def _one_unit(grid: Grid, kr: KeyResult, cols: list[int]) -> None:
    """Start, target and quarters typed in different units (`5분` → `3점`) cannot be
    compared: the KR gets a problem, never an achievement across units."""
    units: dict[str, tuple[str, str]] = {}  # the unit as compared → (cell, as typed)
    for col in cols:
        value = grid.get(kr.row, col)
        unit = "%" if (kr.row, col) in grid.percent and value is not None else unit_of(value)
        if unit:
            units.setdefault(_SAME_UNIT.get(unit.lower(), unit.lower()),
                             (a1(kr.row, col), unit))
    if len(units) > 1:
        kr.errors.append(_s("{cells}: the values are in different units ({units}); type "
                            "start, target and quarters in one unit").format(
            cells=", ".join(cell for cell, _typed in units.values()),
            units=", ".join(typed for _cell, typed in units.values())))


def _number(grid: Grid, kr: KeyResult, row: int, col: int) -> float | None:
    try:
        return parse_number(grid.get(row, col))
    except KRError as error:
        kr.errors.append(f"{a1(row, col)}: {error}")
        return None
