"""What a pull writes: the owned cells whose value or color must change.

Owned cells: the current quarter's value of JIRA-linked KRs, the achievement,
status and last-synced cells, and the fill of quarter and achievement cells.
Nothing else is ever in a plan. A formula in an owned cell is left alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from okrsync.core.calendar import Period
from okrsync.core.grid import CellWrite, Grid, ValueKind, a1
from okrsync.core.layout import Column, Layout
from okrsync.core.okr import KeyResult
from okrsync.core.progress import NotComputable, Status, Thresholds, color
from okrsync.core.values import CellValue, is_blank, parse_number
from okrsync.errors import KRError


@dataclass(frozen=True)
class Assessment:
    """A KR as a pull or report sees it: its numbers, where it stands, what went wrong."""

    kr: KeyResult
    achievement: float | NotComputable
    status: Status
    problems: tuple[str, ...] = ()
    jira_value: float | None = None
    """The value just measured in JIRA for the current quarter, if any."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def status_text(self) -> str:
        """The status cell: the status, then the first problem if there is one."""
        if not self.problems:
            return str(self.status)
        more = f" (+{len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"{self.status} · {self.problems[0]}{more}"


def assess(
    kr: KeyResult,
    period: Period,
    thresholds: Thresholds,
    problems: Sequence[str] = (),
    jira_value: float | None = None,
) -> Assessment:
    return Assessment(
        kr=kr,
        achievement=_rounded(kr.achievement()) if not kr.errors else NotComputable.NO_VALUE,
        status=kr.status(period.expected, thresholds),
        problems=(*kr.errors, *problems),
        jira_value=jira_value,
    )


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
    problems: dict[int, list[str]] = field(default_factory=dict)
    """Problems found while planning (a formula in an owned cell), by 0-based row."""

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
            )
        self.cells[key] = write

    def anchor(self, kr: KeyResult) -> tuple[int, str]:
        return self.layout.columns[Column.KEY_RESULT], kr.text

    def value(
        self, kr: KeyResult, col: int, new: float | str | None, kind: ValueKind, source: str,
        logged: bool = True, formula_ok: bool = False,
    ) -> None:
        """Set an owned cell, unless it already shows `new` or holds a formula."""
        old = self.grid.get(kr.row, col)
        if (kr.row, col) in self.grid.formulas:
            if not formula_ok and not same_value(old, new):
                self.plan.problems.setdefault(kr.row, []).append(
                    f"{a1(kr.row, col)} holds a formula; okrsync leaves formulas alone"
                )
            return
        if same_value(old, new):
            return
        self._merge(CellWrite(kr.row, col, True, new, kind, anchor=self.anchor(kr)))
        if logged:
            unit = "%" if kind is ValueKind.PERCENT else kr.unit
            self.plan.changes.append(Change(
                kr.sheet_row, kr.text, a1(kr.row, col), self.layout.labels[col], old, new, source,
                unit,
            ))

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
) -> Plan:
    """The writes that bring the sheet in line with `assessments`.

    `sources` names, per 0-based row, where the JIRA value came from (for the log).
    """
    builder = _Builder(grid, layout)
    columns = layout.columns
    for item in assessments:
        kr = item.kr
        if not kr.errors:
            if item.jira_value is not None:
                col = layout.quarters[period.quarter]
                kind = ValueKind.PERCENT if kr.unit == "%" else ValueKind.NUMBER
                builder.value(kr, col, item.jira_value, kind, sources.get(kr.row, "JIRA"))
                if Column.SYNCED in columns:
                    builder.value(kr, columns[Column.SYNCED], synced_stamp, ValueKind.TEXT,
                                  "okrsync", logged=False)
            _plan_colors(builder, kr, item)
        if Column.STATUS in columns:
            problems = [*item.problems, *builder.plan.problems.get(kr.row, [])]
            text = replace(item, problems=tuple(problems)).status_text()
            builder.value(kr, columns[Column.STATUS], text, ValueKind.TEXT, "okrsync")
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
        builder.value(kr, col, round(item.achievement * 100, 4), ValueKind.PERCENT, "okrsync",
                      formula_ok=True)
        builder.fill(kr, col, color(item.achievement))


def _rounded(value: float | NotComputable) -> float | NotComputable:
    """Drop floating-point noise (0.40000000000000036 → 0.4)."""
    return value if isinstance(value, NotComputable) else round(value, 9)
