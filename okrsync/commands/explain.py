"""`okrsync explain`: why a KR's number is that number.

For each KR asked about (by sheet row or by text): the JIRA link as okrsync read it, the
JQL it runs (and a link to the same search in JIRA), every issue counted with its
status and the value the metric reads, the arithmetic in words, the caveats, and how the
achievement follows from start, now and target. It reads JIRA fresh for those KRs only
and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from okrsync.config import Config
from okrsync.core.calendar import Period
from okrsync.core.okr import KeyResult
from okrsync.core.plan import Assessment
from okrsync.core.progress import NotComputable
from okrsync.core.values import format_number
from okrsync.environment import Environment
from okrsync.errors import ConfigError, ExitCode, KRError
from okrsync.i18n import _, words
from okrsync.jira.links import Link, parse_link
from okrsync.jira.metrics import Measured, Metric, parse_metric
from okrsync.sync import load_state


@dataclass(frozen=True)
class Explanation:
    """One KR's number and the evidence behind it."""

    assessment: Assessment
    link: Link | None = None
    metric: Metric | None = None
    query: str | None = None
    """The JQL that finds the link's issues, as JIRA runs it."""
    url: str | None = None
    """The same search in JIRA's issue navigator."""
    measured: Measured | None = None
    achievement: str = ""
    """How the achievement follows from start, now and target, in words."""

    @property
    def kr(self) -> KeyResult:
        return self.assessment.kr


@dataclass
class ExplainResult:
    items: list[Explanation]
    period: Period
    language: str = "en"

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.PARTIAL if any(i.assessment.problems for i in self.items) else (
            ExitCode.OK)


def achievement_in_words(kr: KeyResult, achieved: float | NotComputable, lang: str) -> str:
    """`(70 − 0) ÷ (100 − 0) = 70%`, or why there is no achievement."""
    t = words(lang)
    now, start, target = kr.current, kr.start, kr.target
    if now is None or start is None or target is None or isinstance(achieved, NotComputable):
        return t("no achievement: start, target and a quarter value are all needed, and the "
                 "target must differ from the start")
    shown = [format_number(v) for v in (now, start, target)]
    return t("(now {now} − start {start}) ÷ (target {target} − start {start}) = "
             "{share}").format(now=shown[0], start=shown[1], target=shown[2],
                               share=f"{format_number(round(achieved * 100, 2))}%")


def _wanted(row: int | None, text: str | None) -> Callable[[KeyResult], bool]:
    if row is not None:
        return lambda kr: kr.sheet_row == row
    assert text is not None
    return lambda kr: text.casefold() in kr.text.casefold()


def explain(env: Environment, config: Config, *, row: int | None = None,
            text: str | None = None, as_of: date | None = None) -> ExplainResult:
    """The evidence behind the chosen KRs' numbers (by `row` or by `text`)."""
    if (row is None) == (text is None):
        raise ConfigError(_("give the KR to explain with --row ROW or --kr TEXT"))
    wanted = _wanted(row, text)
    state, _sources = load_state(config, as_of, env=env, with_jira=True,
                                 only=wanted)
    try:
        items = [_explained(item, state.measured.get(item.kr.row), state.source,
                            state.language)
                 for item in state.assessments if wanted(item.kr)]
    finally:
        state.close()
    if not items and row is not None:
        raise ConfigError(_("--row: no KR on row {row}; KRs are on rows {rows}").format(
            row=row, rows=", ".join(str(a.kr.sheet_row) for a in state.assessments)))
    if not items:
        raise ConfigError(_("--kr: no KR's text contains {text}").format(text=repr(text)))
    return ExplainResult(items, state.period, state.language)


def _explained(item: Assessment, measured: Measured | None, source: object,
               lang: str) -> Explanation:
    kr = item.kr
    link = metric = None
    query = url = None
    if kr.linked:
        try:
            link = parse_link(kr.link)
            metric = parse_metric(kr.metric)
        except KRError:
            pass  # the assessment carries the problem
        from okrsync.jira.source import IssueSource

        if link is not None and isinstance(source, IssueSource):
            query = source.query_of(link)
            url = source.navigator(query) if query else None
    return Explanation(item, link, metric, query, url, measured,
                       achievement_in_words(kr, item.achievement, lang))
