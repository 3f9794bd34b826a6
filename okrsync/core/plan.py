"""What a pull writes: the owned cells whose value or color must change.

Owned cells: the current quarter's value of JIRA-linked KRs, the achievement,
status and last-synced cells, and the fill of quarter and achievement cells.
Nothing else is ever in a plan. A formula in an owned cell is left alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from okrsync.core.calendar import Period
from okrsync.core.grid import CellWrite, Grid, ValueKind, a1
from okrsync.core.layout import Column, Layout
from okrsync.core.okr import KeyResult
from okrsync.core.progress import (
    NotComputable,
    Status,
    Thresholds,
    color,
    percent_points,
    status_word,
)
from okrsync.core.text import clean
from okrsync.core.values import CellValue, is_blank, parse_number
from okrsync.errors import KRError
from okrsync.i18n import _s, words


@dataclass(frozen=True)
class Assessment:
    """A KR as a pull or report sees it: its numbers, where it stands, what went wrong."""

    kr: KeyResult
    achievement: float | NotComputable
    status: Status
    problems: tuple[str, ...] = ()
    jira_value: float | None = None
    """The value just measured in JIRA for the current quarter, if any."""
    caveats: tuple[str, ...] = ()
    """What a reader of its value should know, that does not make it wrong (an
    unestimated issue counted as 0 points, as JIRA counts it)."""

    def status_text(self, lang: str = "en") -> str:
        """The status cell: the status in the sheet's language, then the first problem if
        there is one, else the first caveat (as text any sheet can hold: control
        characters made visible)."""
        word = status_word(self.status, lang)
        notes = self.problems or self.caveats
        if not notes:
            return word
        more = ""
        if len(notes) > 1:
            t = words(lang)
            more = t(" (+{count} more)").format(count=len(notes) - 1)
        return clean(f"{word} · {notes[0]}{more}", one_line=True)


def assess(
    kr: KeyResult,
    period: Period,
    thresholds: Thresholds,
    problems: Sequence[str] = (),
    jira_value: float | None = None,
    caveats: Sequence[str] = (),
) -> Assessment:
    """Where `kr` stands. A KR with a problem has no achievement and no status (`no data`):
    a number okrsync cannot stand behind is never shown, written or alerted on."""
    problems = (*kr.errors, *problems)
    if problems:
        return Assessment(kr, NotComputable.PROBLEM, Status.NO_DATA, problems, jira_value)
    return Assessment(
        kr=kr,
        achievement=_rounded(kr.achievement()),
        status=kr.status(period.expected, thresholds),
        jira_value=jira_value,
        caveats=tuple(caveats),
    )


def owned_cell_problems(grid: Grid, layout: Layout, kr: KeyResult, period: Period) -> list[str]:
    """What stops okrsync from writing a KR's owned cells, found before anything is asked
    or written: a formula where JIRA's value goes, an owned cell inside merged cells."""
    problems = []
    owned = [layout.columns[c] for c in (Column.ACHIEVEMENT, Column.STATUS, Column.SYNCED)
             if c in layout.columns]
    quarter_col = layout.quarters.get(period.quarter)
    if kr.linked and quarter_col is not None:
        owned.append(quarter_col)
        if (kr.row, quarter_col) in grid.formulas:
            problems.append(_s(
                "{cell} holds a formula, so JIRA's value has nowhere to go (okrsync leaves "
                "formulas alone); clear the cell or unlink the KR").format(
                    cell=a1(kr.row, quarter_col)))
    for col in (layout.columns[c] for c in (Column.STATUS, Column.SYNCED)
                if c in layout.columns):
        if (kr.row, col) in grid.formulas:
            problems.append(_s("{cell} holds a formula; okrsync leaves formulas alone, so it "
                               "cannot fill this cell").format(cell=a1(kr.row, col)))
    for col in owned:
        merge = grid.merge_at(kr.row, col)
        if merge is not None and (merge.row0, merge.col0) != (kr.row, col):
            problems.append(_s("{cell} is inside the merged cells {merged}, so okrsync "
                               "cannot write it; unmerge them").format(
                cell=a1(kr.row, col),
                merged=f"{a1(merge.row0, merge.col0)}:{a1(merge.row1 - 1, merge.col1 - 1)}"))
    return problems


@dataclass(frozen=True)
class Change:
    """One value a pull changes (colors and the synced stamp are not listed)."""

    row: int
    key_result: str
    cell: str
    column: str
    old: CellValue
    new: CellValue
    source: str
    unit: str = ""
    """Shown after numbers: `%` for achievement and percentage KRs."""


@dataclass
class Plan:
    writes: list[CellWrite] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def recolored(self) -> int:
        return sum(1 for write in self.writes if write.fill is not None)


def same_value(old: CellValue, new: float | str | None) -> bool:
    """Whether a cell holding `old` already shows `new` (numbers compare as numbers)."""
    if new is None:
        return is_blank(old)
    if isinstance(new, str):
        return isinstance(old, str) and old.strip() == new.strip()
    try:
        number = parse_number(old)
    except KRError:
        return False
    return number is not None and math.isclose(number, new, rel_tol=1e-9, abs_tol=1e-9)


class _Builder:
    def __init__(self, grid: Grid, layout: Layout) -> None:
        self.grid = grid
        self.layout = layout
        self.cells: dict[tuple[int, int], CellWrite] = {}
        self.plan = Plan()

    def _merge(self, write: CellWrite) -> None:
        key = (write.row, write.col)
        if key in self.cells:
            old = self.cells[key]
            write = CellWrite(
                write.row, write.col,
                set_value=old.set_value or write.set_value,
                value=write.value if write.set_value else old.value,
                kind=write.kind if write.set_value else old.kind,
                fill=write.fill or old.fill,
                anchor=write.anchor,
                note=write.note if write.note is not None else old.note,
            )
        self.cells[key] = write

    def anchor(self, kr: KeyResult) -> tuple[int, str]:
        return self.layout.columns[Column.KEY_RESULT], kr.text

    def value(
        self, kr: KeyResult, col: int, new: float | str | None, kind: ValueKind, source: str,
        note: str | None = None,
    ) -> bool:
        """Set an owned cell (and its evidence `note`), unless it already shows `new`, holds
        a formula or lies inside merged cells (`owned_cell_problems` reports those). Whether
        it will change."""
        old = self.grid.get(kr.row, col)
        merge = self.grid.merge_at(kr.row, col)
        hidden = merge is not None and (merge.row0, merge.col0) != (kr.row, col)
        if hidden or (kr.row, col) in self.grid.formulas or same_value(old, new):
            return False
        self._merge(CellWrite(kr.row, col, True, new, kind, anchor=self.anchor(kr), note=note))
        unit = "%" if kind is ValueKind.PERCENT else kr.unit if kind is ValueKind.NUMBER else ""
        self.plan.changes.append(Change(
            kr.sheet_row, kr.text, a1(kr.row, col), self.layout.labels[col], old, new, source,
            unit,
        ))
        return True

    def fill(self, kr: KeyResult, col: int, rgb: str) -> None:
        if self.grid.fills.get((kr.row, col)) != rgb:
            self._merge(CellWrite(kr.row, col, fill=rgb, anchor=self.anchor(kr)))


def plan_pull(
    grid: Grid,
    layout: Layout,
    assessments: Sequence[Assessment],
    period: Period,
    synced_stamp: str,
    sources: Mapping[int, str],
    lang: str = "en",
    notes: Mapping[int, str] | None = None,
) -> Plan:
    """The writes that bring the sheet in line with `assessments`.

    `sources` names, per 0-based row, where the JIRA value came from (for the log);
    `notes` the evidence to put on the JIRA value's cell when the value changes.
    A KR with a problem keeps every cell as it is, but for its status cell, which says
    `no data` and the problem. The synced stamp moves only with JIRA's value, so a pull
    that finds nothing new writes nothing.
    """
    builder = _Builder(grid, layout)
    columns = layout.columns
    for item in assessments:
        kr = item.kr
        if not item.problems:
            if item.jira_value is not None:
                col = layout.quarters[period.quarter]
                kind = (ValueKind.PERCENT if kr.unit == "%" or (kr.row, col) in grid.percent
                        else ValueKind.NUMBER)
                changed = builder.value(kr, col, item.jira_value, kind,
                                        sources.get(kr.row, "JIRA"),
                                        (notes or {}).get(kr.row))
                synced = columns.get(Column.SYNCED)
                if synced is not None and (changed or is_blank(grid.get(kr.row, synced))):
                    builder.value(kr, synced, synced_stamp, ValueKind.TEXT, "okrsync")
            _plan_colors(builder, kr, item)
        if Column.STATUS in columns:
            builder.value(kr, columns[Column.STATUS], item.status_text(lang), ValueKind.TEXT,
                          "okrsync")
    builder.plan.writes = list(builder.cells.values())
    return builder.plan


def _plan_colors(builder: _Builder, kr: KeyResult, item: Assessment) -> None:
    layout = builder.layout
    for quarter, col in layout.quarters.items():
        value = kr.quarter_achievement(quarter)
        if kr.quarters.get(quarter) is not None and not isinstance(value, NotComputable):
            builder.fill(kr, col, color(value))
    if Column.ACHIEVEMENT in layout.columns and not isinstance(item.achievement, NotComputable):
        col = layout.columns[Column.ACHIEVEMENT]
        builder.value(kr, col, float(percent_points(item.achievement)), ValueKind.PERCENT,
                      "okrsync")
        builder.fill(kr, col, color(item.achievement))


def _rounded(value: float | NotComputable) -> float | NotComputable:
    """Drop floating-point noise (0.40000000000000036 → 0.4)."""
    return value if isinstance(value, NotComputable) else round(value, 9)
