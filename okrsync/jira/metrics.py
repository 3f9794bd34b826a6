"""How a KR's issues become its value. One computation for every source."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from okrsync.errors import KRError
from okrsync.jira.model import Issue, field_name


class Kind(StrEnum):
    DONE_RATIO = "done_ratio"
    DONE_COUNT = "done_count"
    COUNT = "count"
    POINTS_DONE = "points_done"
    POINTS_RATIO = "points_ratio"
    SUM = "sum"


_ALIASES = {
    "done_ratio": Kind.DONE_RATIO, "done %": Kind.DONE_RATIO, "완료율": Kind.DONE_RATIO,
    "완료 비율": Kind.DONE_RATIO,
    "done_count": Kind.DONE_COUNT, "완료 수": Kind.DONE_COUNT, "완료수": Kind.DONE_COUNT,
    "완료 건수": Kind.DONE_COUNT,
    "count": Kind.COUNT, "이슈 수": Kind.COUNT, "이슈수": Kind.COUNT, "건수": Kind.COUNT,
    "points_done": Kind.POINTS_DONE, "완료 포인트": Kind.POINTS_DONE,
    "points_ratio": Kind.POINTS_RATIO, "포인트 완료율": Kind.POINTS_RATIO,
}
_SUM_PREFIXES = ("sum:", "합계:")

METRIC_NAMES = (
    "done_ratio, done_count, count, points_done, points_ratio, sum:<field name>"
)


@dataclass(frozen=True)
class Metric:
    kind: Kind
    field: str | None = None
    """For `sum`: the field's name or id, as written."""

    def __str__(self) -> str:
        return f"sum:{self.field}" if self.kind is Kind.SUM else self.kind.value

    @property
    def count_only(self) -> bool:
        """Whether a count of matching issues is enough (no issue data needed)."""
        return self.kind is Kind.COUNT

    @property
    def needs_points(self) -> bool:
        return self.kind in (Kind.POINTS_DONE, Kind.POINTS_RATIO)


DEFAULT = Metric(Kind.DONE_RATIO)


def parse_metric(text: str) -> Metric:
    """Read a `JIRA metric` cell; blank means done_ratio."""
    cleaned = " ".join(text.strip().lower().split())
    if not cleaned:
        return DEFAULT
    for prefix in _SUM_PREFIXES:
        if cleaned.startswith(prefix):
            name = text.strip()[len(prefix):].strip()
            if not name:
                raise KRError(f"metric {text!r} names no field: write sum:<field name>")
            return Metric(Kind.SUM, name)
    kind = _ALIASES.get(cleaned)
    if kind is None:
        raise KRError(f"unknown JIRA metric {text!r}; use one of {METRIC_NAMES}")
    return Metric(kind)


def compute(metric: Metric, issues: Sequence[Issue]) -> float:
    """The metric's value over `issues`. Ratios are 0–100, like the `%` people type."""
    if metric.kind is Kind.COUNT:
        return float(len(issues))
    if metric.kind is Kind.DONE_COUNT:
        return float(sum(issue.done for issue in issues))
    if metric.kind is Kind.DONE_RATIO:
        if not issues:
            raise KRError("no issues match the link, so there is no share done")
        return 100.0 * sum(issue.done for issue in issues) / len(issues)
    if metric.kind is Kind.SUM:
        assert metric.field is not None
        wanted = field_name(metric.field)
        return float(sum(issue.numbers.get(wanted, 0.0) for issue in issues))
    done = sum(issue.story_points or 0.0 for issue in issues if issue.done)
    if metric.kind is Kind.POINTS_DONE:
        return float(done)
    total = sum(issue.story_points or 0.0 for issue in issues)
    if total == 0:
        raise KRError("the linked issues have no story points, so there is no share done")
    return 100.0 * done / total
