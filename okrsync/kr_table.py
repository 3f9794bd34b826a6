"""The KR table behind every report format, and the per-department roll-up."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from okrsync.core.calendar import Period
from okrsync.core.forecast import forecast
from okrsync.core.plan import Assessment
from okrsync.core.progress import NotComputable, Status

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
           moved: Mapping[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """One KR as the JSON report shows it. `achievement` is a fraction (1.0 = 100%);
    `forecast` says where the KR's own pace leads (None without an achievement).

    With `moved` (from `moved_since`), the KR also lists its `changes`.
    """
    kr = item.kr
    extra = {} if moved is None else {"changes": moved.get(kr.text, [])}
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


def moved_since(records: Iterable[Any], since: str) -> dict[str, list[dict[str, Any]]]:
    """Per KR text: each cell that changed since `since` (ISO date), first old → last new."""
    moved: dict[str, dict[str, dict[str, Any]]] = {}
    for record in records:
        if record.time[:10] < since:
            continue
        cells = moved.setdefault(record.key_result, {})
        if record.cell in cells:
            cells[record.cell]["new"] = record.new
            cells[record.cell]["time"] = record.time
        else:
            cells[record.cell] = {"cell": record.cell, "column": record.column,
                                  "old": record.old, "new": record.new, "time": record.time}
    return {kr: [c for c in cells.values() if c["old"] != c["new"]]
            for kr, cells in moved.items()}
