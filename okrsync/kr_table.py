"""The KR table behind every report format, and the per-department roll-up."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from okrsync.core.andon import status_in_cell
from okrsync.core.calendar import Period
from okrsync.core.forecast import forecast
from okrsync.core.layout import Column, Layout
from okrsync.core.plan import Assessment
from okrsync.core.progress import NotComputable, Status
from okrsync.core.values import parse_number
from okrsync.errors import KRError
from okrsync.logbook import is_change, logged
from okrsync.sheets.base import LogRecord

if TYPE_CHECKING:
    import pandas as pd

QUARTERS = ("Q1", "Q2", "Q3", "Q4")
STATUS_ORDER = (Status.DONE, Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA)


def select(
    assessments: Iterable[Assessment],
    department: str | None = None,
    owner: str | None = None,
    status: Sequence[Status] = (),
) -> list[Assessment]:
    """The KRs matching every filter given (department and owner: case-insensitive)."""
    def keep(item: Assessment) -> bool:
        kr = item.kr
        if department and kr.department.casefold() != department.casefold():
            return False
        if owner and kr.owner.casefold() != owner.casefold():
            return False
        return not status or item.status in status

    return [item for item in assessments if keep(item)]


def record(item: Assessment, period: Period,
           moved: Mapping[str, list[Move]] | None = None) -> dict[str, Any]:
    """One KR as the JSON report and digest show it. `achievement` is a fraction (1.0 =
    100%; shown as a whole percent by `percent_points`); `error` says why a KR has no data
    (never null for a KR with a problem); `forecast` says where the KR's own pace leads
    (None without an achievement).

    With `moved` (from `moved_since`), the KR also lists its `changes`.
    """
    kr = item.kr
    extra = {} if moved is None else {
        "changes": [m.as_json() for m in moved.get(logged(kr.text), [])]}
    ahead = forecast(kr, period) if not item.problems else None
    return {
        "row": kr.sheet_row,
        "department": kr.department,
        "objective": kr.objective,
        "key_result": kr.text,
        "owner": kr.owner,
        "start": kr.start,
        "target": kr.target,
        "quarters": {f"Q{q}": kr.quarters.get(q) for q in range(1, 5)},
        "current": kr.current,
        "achievement": None if isinstance(item.achievement, NotComputable) else item.achievement,
        "status": str(item.status),
        "jira": kr.link or None,
        "metric": (kr.metric or "done_ratio") if kr.link else None,
        "error": "; ".join(item.problems) or None,
        "caveats": list(item.caveats),
        "forecast": None if ahead is None else {
            "achievement_at_year_end": ahead.achievement_at_year_end,
            "target_date": ahead.target_date.isoformat() if ahead.target_date else None,
        },
        **extra,
    }


def frame(assessments: Sequence[Assessment], period: Period) -> pd.DataFrame:
    """The KR table: one row per KR, quarters as columns Q1–Q4, the forecast flattened."""
    import pandas as pd

    rows = []
    for item in assessments:
        row = record(item, period)
        quarters = row.pop("quarters")
        ahead = row.pop("forecast") or {}
        rows.append({**row, **quarters,
                     "forecast_year_end": ahead.get("achievement_at_year_end"),
                     "target_date": ahead.get("target_date")})
    columns = ["row", "department", "objective", "key_result", "owner", "start", "target",
               *QUARTERS, "current", "achievement", "status", "forecast_year_end",
               "target_date", "jira", "metric", "error"]
    return pd.DataFrame(rows, columns=columns)


def rollup(table: pd.DataFrame) -> pd.DataFrame:
    """Per department: KR count, average achievement of the KRs that have one, statuses."""
    import pandas as pd

    if table.empty:
        return pd.DataFrame(columns=["department", "krs", "average", *map(str, STATUS_ORDER)])
    counts = pd.crosstab(table["department"], table["status"])
    counts = counts.reindex(columns=[str(s) for s in STATUS_ORDER], fill_value=0)
    grouped = table.groupby("department", sort=False)
    summary = pd.DataFrame({
        "krs": grouped.size(),
        "average": grouped["achievement"].mean(),
    }).join(counts)
    order = list(dict.fromkeys(table["department"]))
    return summary.loc[order].reset_index()


def overall(table: pd.DataFrame) -> dict[str, Any]:
    """The whole company in one line: KR count, average achievement, statuses."""
    statuses = table["status"].value_counts() if not table.empty else {}
    average = table["achievement"].mean() if not table.empty else None
    return {
        "krs": len(table),
        "average": None if average is None or average != average else float(average),
        **{str(s): int(statuses.get(str(s), 0)) for s in STATUS_ORDER},
    }


@dataclass(frozen=True)
class Move:
    """One cell of a KR that changed since a day, from the change log (first old → last
    new), read as what it holds: a quarter's value on the KR's own scale (`Q3`), its
    achievement as a fraction (1.0 = the target, as everywhere in JSON), its status as a
    status (`on track`); another cell as logged, under its header."""

    key_result: str
    field: str
    """`Q1`–`Q4`, `achievement`, `status`, or the header of another cell."""
    cell: str
    old: float | str | None
    new: float | str | None
    time: str
    """When it last changed (ISO 8601)."""

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "cell": self.cell, "old": self.old, "new": self.new,
                "time": self.time}


ACHIEVEMENT = "achievement"
STATUS = "status"
SYNCED = "synced"


def fields(layout: Layout) -> dict[str, str]:
    """Header → what a change of that cell is a move of (`Q3`, `achievement`, `status`,
    `synced`), for the columns okrsync writes."""
    found = {layout.labels[col]: f"Q{quarter}" for quarter, col in layout.quarters.items()}
    for column, name in ((Column.ACHIEVEMENT, ACHIEVEMENT), (Column.STATUS, STATUS),
                         (Column.SYNCED, SYNCED)):
        if column in layout.columns:
            found[layout.labels[layout.columns[column]]] = name
    return found


def _read(field: str, value: float | str | None) -> float | str | None:
    if value is None:
        return None
    if field == ACHIEVEMENT:
        try:
            number = parse_number(value)
        except KRError:
            return value
        return None if number is None else round(number / 100, 6)
    if field == STATUS:
        found = status_in_cell(str(value))
        return str(found) if found is not None else str(value)
    return value


def moved_since(records: Iterable[LogRecord], since: str, layout: Layout, *,
                after: bool = False) -> dict[str, list[Move]]:
    """Per KR text (as logged): each cell that changed from `since` on (an ISO date, that
    day included, or an ISO time; `after`: strictly after it), first old → last new, in the
    order they first changed; not the synced stamp (the time of a sync is no move)."""
    roles = fields(layout)
    moved: dict[str, dict[str, list[Any]]] = {}
    for record in sorted(records, key=lambda r: r.time):
        if (record.time <= since if after else record.time < since) or not is_change(record):
            continue
        field = roles.get(record.column, record.column)
        if field == SYNCED:
            continue
        cells = moved.setdefault(record.key_result, {})
        if record.cell in cells:
            cells[record.cell][3:] = [record.new, record.time]
        else:
            cells[record.cell] = [field, record.cell, record.old, record.new, record.time]
    return {kr: [Move(kr, field, cell, _read(field, old), _read(field, new), time)
                 for field, cell, old, new, time in cells.values()
                 if _read(field, old) != _read(field, new)]
            for kr, cells in moved.items()}


def last_moved(records: Iterable[LogRecord], layout: Layout) -> dict[str, str]:
    """Per KR text, the day (ISO) its value or achievement last changed."""
    roles = fields(layout)
    found: dict[str, str] = {}
    for record in records:
        field = roles.get(record.column)
        if is_change(record) and field is not None and field not in (STATUS, SYNCED):
            found[record.key_result] = max(found.get(record.key_result, ""), record.time[:10])
    return found
