"""How a KR's issues become its value. One computation for every source."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from okrsync.core.values import format_number
from okrsync.errors import KRError
from okrsync.i18n import _s
from okrsync.jira.model import CATEGORIES, UNREADABLE_POINTS, Issue, field_name


class Kind(StrEnum):
    DONE_RATIO = "done_ratio"
    DONE_COUNT = "done_count"
    COUNT = "count"
    POINTS_DONE = "points_done"
    POINTS_RATIO = "points_ratio"
    WEIGHTED = "weighted"
    WEIGHTED_POINTS = "weighted_points"
    SUM = "sum"


_ALIASES = {
    "done_ratio": Kind.DONE_RATIO, "done %": Kind.DONE_RATIO, "완료율": Kind.DONE_RATIO,
    "완료 비율": Kind.DONE_RATIO,
    "done_count": Kind.DONE_COUNT, "완료 수": Kind.DONE_COUNT, "완료수": Kind.DONE_COUNT,
    "완료 건수": Kind.DONE_COUNT,
    "count": Kind.COUNT, "이슈 수": Kind.COUNT, "이슈수": Kind.COUNT, "건수": Kind.COUNT,
    "points_done": Kind.POINTS_DONE, "완료 포인트": Kind.POINTS_DONE,
    "points_ratio": Kind.POINTS_RATIO, "포인트 완료율": Kind.POINTS_RATIO,
    "weighted": Kind.WEIGHTED, "가중 완료율": Kind.WEIGHTED,
    "weighted_points": Kind.WEIGHTED_POINTS, "가중 포인트 완료율": Kind.WEIGHTED_POINTS,
}
_SUM_PREFIXES = ("sum:", "합계:")

METRIC_NAMES = (
    "done_ratio, done_count, count, points_done, points_ratio, weighted, weighted_points, "
    "sum:<field name>"
)

WEIGHTS = {"new": 0.0, "indeterminate": 0.5, "done": 1.0}
"""How much an issue counts toward `weighted` by its status category (To Do, In
Progress, Done); `[jira] weights` changes them. No Category counts 0."""


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
    def gives_share(self) -> bool:
        """Whether the value is a share, 0–100 (%), rather than a count or a sum."""
        return self.kind in (Kind.DONE_RATIO, Kind.POINTS_RATIO, Kind.WEIGHTED,
                             Kind.WEIGHTED_POINTS)

    @property
    def needs_points(self) -> bool:
        return self.kind in (Kind.POINTS_DONE, Kind.POINTS_RATIO, Kind.WEIGHTED_POINTS)


DEFAULT = Metric(Kind.DONE_RATIO)


def parse_metric(text: str) -> Metric:
    """Read a `JIRA metric` cell; blank means done_ratio."""
    text = unicodedata.normalize("NFKC", text)
    cleaned = " ".join(text.strip().lower().split())
    if not cleaned:
        return DEFAULT
    for prefix in _SUM_PREFIXES:
        if cleaned.startswith(prefix):
            name = text.strip()[len(prefix):].strip()
            if not name:
                raise KRError(_s("metric {metric} names no field: write sum:<field "
                                 "name>").format(metric=repr(text)))
            return Metric(Kind.SUM, name)
    kind = _ALIASES.get(cleaned)
    if kind is None:
        raise KRError(_s("unknown JIRA metric {metric}; use one of {names}").format(
            metric=repr(text), names=METRIC_NAMES))
    return Metric(kind)


def _field_of(field: str, key: str) -> str:
    """`Story Points of CX-1`, in the sheet's language."""
    return _s("{field} of {key}").format(field=field, key=key)


def _finite(value: float, what: str) -> float:
    if not math.isfinite(value):
        raise KRError(_s("{what} is not a finite number ({value}); fix it in JIRA").format(
            what=what, value=repr(value)))
    return value


def _each_finite(values: Iterable[float], issues: Sequence[Issue], field: str
                 ) -> Iterator[float]:
    """`values` (one per issue), each checked as it is taken, as `_finite` checks it; the
    message naming the issue is made only for a value that fails."""
    for issue, value in zip(issues, values, strict=True):
        if not math.isfinite(value):
            _finite(value, _field_of(field, issue.key))
        yield value


def _total(values: Iterable[float], what: str) -> float:
    try:
        return _finite(math.fsum(values), what)
    except OverflowError:
        raise KRError(_s("{what} is not a finite number; fix the values in JIRA").format(
            what=what)) from None


def _needs_categories(issues: Sequence[Issue]) -> None:
    """Done-ness comes only from JIRA's status category: an issue without one fails the
    KR, never counts as not done."""
    unknown = [issue.key for issue in issues if issue.status_category not in CATEGORIES]
    if unknown:
        more = (_s(" and {count} more").format(count=len(unknown) - 3) if len(unknown) > 3
                else "")
        raise KRError(_s(
            "{count} of the {total} linked issues have no status category ({keys}), so done "
            "issues cannot be told apart (okrsync never guesses from status names): take the "
            "export from a JIRA that sends statusCategory, or a CSV with the Status Category "
            "column").format(count=len(unknown), total=len(issues),
                             keys=", ".join(unknown[:3]) + more))


def _keys(keys: Sequence[str]) -> str:
    """`A-1, A-2, A-3 and 4 more`."""
    more = _s(" and {count} more").format(count=len(keys) - 3) if len(keys) > 3 else ""
    return ", ".join(keys[:3]) + more


def _readable(issues: Sequence[Issue], fields: Iterable[str], shown: str) -> None:
    """A value that is not a number (`3 pts`, `1,5`, a list) fails the KR: leaving it out
    would make the total silently smaller."""
    wanted = set(fields)
    bad = [issue.key for issue in issues if issue.unreadable & wanted]
    if bad:
        raise KRError(_s("{field} holds something that is not a number on {keys}; fix it in "
                         "JIRA (a plain number, like 3 or 1.5)").format(field=shown,
                                                                       keys=_keys(bad)))


def _points(issues: Sequence[Issue]) -> tuple[str, list[float], list[str]]:
    """The one field that holds story points for these issues, every issue's points in it
    (JIRA's convention: an issue without an estimate counts 0) and the keys of those
    without an estimate. Two fields holding values is an ambiguity, never a guess."""
    for name in sorted({name for issue in issues for name in issue.unreadable
                        if name.startswith(UNREADABLE_POINTS)}):
        _readable(issues, [name], name.removeprefix(UNREADABLE_POINTS))
    holding = sorted({name for issue in issues for name in issue.points})
    if not holding:
        raise KRError(_s("none of the {count} linked issues has story points, so there are "
                         "none to count (set [jira] story_points_field if JIRA keeps them in a "
                         "field not named Story Points)").format(count=len(issues)))
    if len(holding) > 1:
        raise KRError(_s("the linked issues have story points in {count} fields ({fields}); "
                         "set [jira] story_points_field to the one this KR counts").format(
            count=len(holding), fields=", ".join(holding)))
    name = holding[0]
    every = list(_each_finite([issue.points.get(name, 0.0) for issue in issues], issues,
                              name))
    negative = [issue.key for issue, points in zip(issues, every, strict=True) if points < 0]
    if negative:
        raise KRError(_s("{field} is negative on {keys}; fix it in JIRA").format(
            field=name, keys=_keys(negative)))
    unestimated = [issue.key for issue in issues if name not in issue.points]
    return name, every, unestimated


def _unestimated(keys: Sequence[str]) -> tuple[str, ...]:
    """The caveat JIRA's own reports give: how many issues have no estimate (they count 0)."""
    if not keys:
        return ()
    return (_s("{count} unestimated issue(s) ({keys}) counted as 0 points").format(
        count=len(keys), keys=_keys(keys)),)


def check_unit(metric: Metric, unit: str, percent: bool, start: float | None,
               target: float | None, typed: str = "") -> None:
    """A metric's value must mean what the KR's cells mean: a share done goes into a KR
    kept in % (or one that runs from 0 to 100), a count or a sum never does. KRError
    otherwise, never a silent reinterpretation (10 done issues written as 10%); it names
    the metric as the person `typed` it (`완료 수`), when given."""
    shown = typed.strip() or str(metric)
    if metric.gives_share and not percent and not (unit == "" and (start, target) == (0, 100)):
        counts = (_s("in {unit}").format(unit=unit) if unit else _s("in plain numbers"))
        raise KRError(_s("{metric} gives a share done in {percent}, but this KR counts "
                         "{counts}; pick a metric that counts (done_count, count, points_done, "
                         "sum:<field>), or type its start and target in {percent}").format(
            metric=shown, counts=counts, percent="%"))
    if percent and not metric.gives_share:
        raise KRError(_s("{metric} gives a number, but this KR is kept in {percent}; pick a "
                         "share (done_ratio, points_ratio), or type its start and target as "
                         "numbers").format(metric=shown, percent="%"))
    fitting = _UNITS_OF.get(metric.kind)
    if unit and not percent and fitting is not None and unit.lower() not in fitting:
        raise KRError(_s("{metric} counts {what}, but this KR is kept in {unit}; link a "
                         "metric that gives {unit} (sum:<field>), or type its start and target "
                         "as plain numbers").format(
            metric=shown, unit=unit,
            what=_s("story points") if metric.needs_points else _s("issues")))


_ISSUE_UNITS = frozenset({"건", "개", "이슈", "티켓", "issue", "issues", "ticket", "tickets",
                          "ea", "case", "cases", "task", "tasks"})
_POINT_UNITS = frozenset({"점", "포인트", "pt", "pts", "sp", "point", "points"})
_UNITS_OF = {Kind.COUNT: _ISSUE_UNITS, Kind.DONE_COUNT: _ISSUE_UNITS,
             Kind.POINTS_DONE: _POINT_UNITS}
"""The units a count can be kept in (`12건`, `40pts`); a KR in `점` (a score) or `분` is
not measured in done issues."""


@dataclass(frozen=True)
class Measured:
    """A metric's value over a link's issues, with what a reader needs to trust it."""

    value: float
    """Ratios are 0–100, like the `%` people type."""
    issues: tuple[Issue, ...]
    """Every issue counted, each once (by id: an issue seen under two keys is one)."""
    arithmetic: str
    """How the value follows from the issues, in words, in the sheet's language:
    `7 of 10 issues done → 70%`."""
    caveats: tuple[str, ...] = ()
    """What JIRA's own conventions decided, that a reader should know: `2 unestimated
    issues (A-3, A-7) counted as 0 points`. A caveat never makes the number wrong."""
    field: str | None = None
    """The field whose values the metric reads (the story points field, the summed one)."""


def _share(part: float, whole: float) -> str:
    return f"{format_number(round(100 * part / whole, 2))}%"


def compute(metric: Metric, issues: Sequence[Issue],
            weights: Mapping[str, float] = WEIGHTS) -> Measured:
    """The metric's value over `issues`, with its arithmetic and caveats.

    Raises KRError when the issues cannot give a value okrsync can stand behind.
    """
    issues = list({issue.id or issue.key: issue for issue in issues}.values())
    counted = tuple(issues)
    if metric.kind is Kind.COUNT:
        return Measured(float(len(issues)), counted, _s("{count} issue(s)").format(
            count=len(issues)))
    if metric.kind is Kind.SUM:
        assert metric.field is not None
        wanted = field_name(metric.field)
        _readable(issues, [wanted], metric.field)
        if issues and not any(wanted in issue.numbers for issue in issues):
            raise KRError(_s("none of the {count} linked issues has a number in {field}, so "
                             "there is nothing to add up").format(count=len(issues),
                                                                  field=metric.field))
        total = _total(_each_finite((issue.numbers.get(wanted, 0.0) for issue in issues),
                                    issues, metric.field),
                       _s("the sum of {field}").format(field=metric.field))
        empty = [issue.key for issue in issues if wanted not in issue.numbers]
        caveats: tuple[str, ...] = (_s(
            "{count} issue(s) ({keys}) have no {field}, counted as 0").format(
            count=len(empty), keys=_keys(empty), field=metric.field),) if empty else ()
        return Measured(total, counted, _s("{field} added up over {count} issue(s) = "
                                           "{total}").format(
            field=metric.field, count=len(issues), total=format_number(total)), caveats,
            metric.field)
    _needs_categories(issues)
    done = sum(issue.done for issue in issues)
    if metric.kind is Kind.DONE_COUNT:
        return Measured(float(done), counted, _s("{done} of {count} issue(s) done").format(
            done=done, count=len(issues)))
    if metric.kind in (Kind.DONE_RATIO, Kind.WEIGHTED) and not issues:
        raise KRError(_s("no issues match the link, so there is no share done"))
    if metric.kind is Kind.DONE_RATIO:
        return Measured(100.0 * done / len(issues), counted,
                        _s("{done} of {count} issue(s) done → {share}").format(
                            done=done, count=len(issues), share=_share(done, len(issues))))
    if metric.kind is Kind.WEIGHTED:
        weighted = math.fsum(weights.get(i.status_category, 0.0) for i in issues)
        return Measured(100.0 * weighted / len(issues), counted, _s(
            "{count} issue(s) weighted by status category (to do {new}, in progress "
            "{indeterminate}, done {done}): {weighted} of {count} → {share}").format(
            count=len(issues), new=format_number(weights.get("new", 0.0)),
            indeterminate=format_number(weights.get("indeterminate", 0.0)),
            done=format_number(weights.get("done", 0.0)), weighted=format_number(weighted),
            share=_share(weighted, len(issues))))
    name, every, unestimated = _points(issues)
    caveats = _unestimated(unestimated)  # JIRA counts them 0; the reader is told
    total = _total(every, _s("the sum of the story points"))
    done_total = _total((points for issue, points in zip(issues, every, strict=True)
                         if issue.done), _s("the sum of the done story points"))
    if metric.kind is Kind.POINTS_DONE:
        return Measured(done_total, counted, _s("{done} of {total} {field} done").format(
            done=format_number(done_total), total=format_number(total), field=name),
            caveats, name)
    if total == 0:
        raise KRError(_s("the linked issues have 0 story points in all, so there is no "
                         "share done"))
    if metric.kind is Kind.WEIGHTED_POINTS:
        weighted = _total((points * weights.get(issue.status_category, 0.0)
                           for issue, points in zip(issues, every, strict=True)),
                          _s("the weighted sum of the story points"))
        return Measured(100.0 * weighted / total, counted, _s(
            "{field} weighted by status category: {weighted} of {total} → {share}").format(
            field=name, weighted=format_number(weighted), total=format_number(total),
            share=_share(weighted, total)), caveats, name)
    return Measured(100.0 * done_total / total, counted,
                    _s("{done} of {total} {field} done → {share}").format(
                        done=format_number(done_total), total=format_number(total), field=name,
                        share=_share(done_total, total)), caveats, name)
