"""The sync engine: read the sheet, measure JIRA, assess every KR, write the owned cells."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from okrsync.config import Config
from okrsync.core.andon import (
    Alert,
    Known,
    find_alerts,
    is_stale,
    status_cell,
    status_in_cell,
)
from okrsync.core.calendar import Period
from okrsync.core.grid import NOTE_SIGNATURE, Grid, a1
from okrsync.core.layout import Column, Layout, detect_layout, sheet_year
from okrsync.core.okr import KeyResult, read_key_results
from okrsync.core.plan import (
    Assessment,
    Change,
    assess,
    owned_cell_problems,
    plan_pull,
    same_value,
)
from okrsync.core.progress import NotComputable, Status
from okrsync.core.text import clean
from okrsync.core.values import parse_number
from okrsync.environment import Environment
from okrsync.errors import ConfigError, ExitCode, KRError
from okrsync.i18n import _, _s, set_sheet_language
from okrsync.jira.links import Link, parse_link
from okrsync.jira.metrics import Measured, Metric, check_unit, parse_metric
from okrsync.jira.source import IssueSource
from okrsync.logbook import alarm_lines, asked_since, last_statuses, logged, run_id
from okrsync.sheets.base import LogRecord, SheetBackend
from okrsync.workspace import open_sheet, open_source


@dataclass(frozen=True)
class Problem:
    row: int
    key_result: str
    message: str


@dataclass
class SheetState:
    """The sheet as read and assessed: what both pull and report start from."""

    backend: SheetBackend
    grid: Grid
    layout: Layout
    period: Period
    assessments: list[Assessment]
    known: dict[int, Known] = field(default_factory=dict)
    """Each KR as the previous pull (and people since) left it (by 0-based row), for
    Andon."""
    source: IssueSource | None = None
    language: str = "en"
    """The sheet's language: the words written into it and reported on it."""
    measured: dict[int, Measured] = field(default_factory=dict)
    """JIRA's measure of each linked KR (by 0-based row): its issues, arithmetic and
    caveats, the evidence behind the value written."""

    def close(self) -> None:
        self.backend.close()
        if self.source is not None:
            self.source.close()

    @property
    def problems(self) -> list[Problem]:
        return [
            Problem(a.kr.sheet_row, a.kr.text, message)
            for a in self.assessments
            for message in a.problems
        ]


@dataclass
class Pull:
    """What one pull of the sheet did: the sheet as assessed, the cells it changed (or,
    in a dry run, would change), the KRs with a problem, the Andon alerts it found."""

    state: SheetState
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    recolored: int = 0
    written: bool = False
    dry_run: bool = False
    alerts: list[Alert] = field(default_factory=list)
    standing: frozenset[int] = frozenset()
    """Sheet rows whose problem the sheet already shows, as the last pull wrote it in the
    status cell: not new (`--quiet` does not say it again; the exit code still does)."""

    @property
    def new_problems(self) -> list[Problem]:
        return [p for p in self.problems if p.row not in self.standing]

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.PARTIAL if self.problems else ExitCode.OK


def _measure(
    krs: Sequence[KeyResult], grid: Grid, layout: Layout, period: Period, config: Config,
    problems: dict[int, list[str]], env: Environment, full: bool, evidence: bool = False,
) -> tuple[dict[int, Measured], dict[int, str], IssueSource | None]:
    """JIRA's measure of the linked KRs without problems (the value with its issues,
    arithmetic and caveats), by 0-based row, and where each came from; what goes wrong
    is added to `problems`."""
    values: dict[int, Measured] = {}
    sources: dict[int, str] = {}
    wanted: dict[int, tuple[Link, Metric]] = {}
    for kr in krs:
        if not kr.linked or kr.errors or kr.row in problems:
            continue
        try:
            if period.quarter not in layout.quarters:
                raise KRError(_s("the sheet has no column for Q{quarter}, the current quarter, "
                                 "so the JIRA value has nowhere to go").format(
                    quarter=period.quarter))
            if not (config.jira.export or config.jira.server):
                raise KRError(_s("the KR links JIRA but the config has no [jira] source"))
            jira_col = layout.columns[Column.JIRA]
            try:
                link = parse_link(kr.link)
            except KRError as error:
                raise KRError(f"{a1(kr.row, jira_col)}: {error}") from None
            metric_col = layout.columns.get(Column.METRIC)
            where = a1(kr.row, metric_col) if metric_col is not None else _s("JIRA metric")
            try:
                metric = parse_metric(kr.metric)
                percent = kr.unit == "%" or (kr.row, layout.quarters[period.quarter]) in (
                    grid.percent)
                check_unit(metric, kr.unit, percent, kr.start, kr.target, kr.metric)
            except KRError as error:
                raise KRError(f"{where}: {error}") from None
        except KRError as error:
            problems.setdefault(kr.row, []).append(str(error))
            continue
        wanted[kr.row] = (link, metric)
        sources[kr.row] = f"JIRA {link} ({metric})"
    source = open_source(config, env, full=full, evidence=evidence) if wanted else None
    if source is not None:
        try:
            measured = source.measure(wanted.values(), config.jira.weights)
        except BaseException:
            source.close()
            raise
        for row, key in wanted.items():
            result = measured[key]
            if isinstance(result, KRError):
                problems.setdefault(row, []).append(f"JIRA: {result}")
            else:
                values[row] = result
    return values, sources, source


def _same_year(grid: Grid, layout: Layout, period: Period) -> None:
    """A sheet that names its year (`2024 OKR`) is never pulled in another: January's
    values would go into last year's 1Q, over what people typed there."""
    named = sheet_year(grid, layout)
    if named is not None and named[0] != period.year.label:
        year, where = named
        raise ConfigError(_(
            "the sheet is for {year} ({where}), but {day} falls in OKR year {label}: its "
            "quarters are {year}'s. Pass --as-of with a date in {year} to work on it, make a "
            "sheet for {label}, or, if this sheet really is for {label}, set [okr] year = "
            "{label}").format(year=year, where=where, day=period.as_of.isoformat(),
                                          label=period.year.label))


def load_state(
    config: Config,
    as_of: date | None,
    *,
    env: Environment,
    with_jira: bool,
    output: Path | None = None,
    force: bool = False,
    full: bool = False,
    only: Callable[[KeyResult], bool] | None = None,
) -> tuple[SheetState, dict[int, str]]:
    """Read and assess the sheet as of `as_of` (default: today in `[okr] timezone`); with
    JIRA, put fresh values in the current quarter (`full`: read JIRA in full, whatever
    the cache holds). With `only`, JIRA is asked about those KRs alone, for the evidence
    behind their numbers (fresh, with each issue's summary)."""
    as_of = env.today(as_of, config.okr.zone)
    period = Period.at(as_of, config.okr.fiscal_year_start_month)
    if config.okr.year is not None and config.okr.year != period.year.label:
        raise ConfigError(_(
            "[okr] year: the sheet is for {year}, but {day} falls in OKR year {label}; pass "
            "--as-of with a date in {year}, or set [okr] year for the new sheet").format(
            year=config.okr.year, day=as_of.isoformat(), label=period.year.label))
    backend = open_sheet(config, env, output, force)
    grid = backend.read(for_writing=with_jira)
    layout = detect_layout(grid, period.year.label)
    if config.okr.year is None and not layout.dated:  # else the headers said the year
        _same_year(grid, layout, period)
    language = layout.language if config.okr.language == "auto" else config.okr.language
    set_sheet_language(language)
    krs = read_key_results(grid, layout)
    thresholds = config.okr.thresholds
    known = _as_left(krs, grid, layout, period, config) if with_jira else {}
    measured: dict[int, Measured] = {}
    noted: dict[int, tuple[str, ...]] = {}
    problems: dict[int, list[str]] = {}
    sources: dict[int, str] = {}
    source = None
    if with_jira:
        for kr in krs:
            if found := owned_cell_problems(grid, layout, kr, period):
                problems[kr.row] = found
    else:
        noted = _noted_by_the_last_pull(krs, grid, layout, problems)
    asked = [kr for kr in krs if only is None or only(kr)]
    if with_jira and any(kr.linked for kr in asked):
        try:
            measured, sources, source = _measure(asked, grid, layout, period, config,
                                                 problems, env, full, only is not None)
        except BaseException:
            backend.close()
            raise
    values = {row: round(found.value, 2) for row, found in measured.items()}
    for kr in krs:
        if kr.row in values:
            kr.quarters[period.quarter] = values[kr.row]
    assessments = [
        assess(kr, period, thresholds, problems.get(kr.row, ()), values.get(kr.row),
               measured[kr.row].caveats if kr.row in measured else noted.get(kr.row, ()))
        for kr in krs
    ]
    return SheetState(backend, grid, layout, period, assessments, known, source,
                      language, measured), sources


def _noted_by_the_last_pull(krs: Sequence[KeyResult], grid: Grid, layout: Layout,
                            problems: dict[int, list[str]]) -> dict[int, tuple[str, ...]]:
    """A report agrees with the sheet: what the last pull wrote after a JIRA-linked KR's
    status. A problem (`데이터 없음 · JIRA: …`) is added to `problems`, so the KR shows it
    with its reason, not a number okrsync could not stand behind (a report does not ask
    JIRA; the next pull says whether it is gone; problems of the sheet's own values a
    report finds by itself). A caveat (an unestimated issue counted as 0 points) is
    returned, by row: what the number's reader should know."""
    status_col = layout.columns.get(Column.STATUS)
    caveats: dict[int, tuple[str, ...]] = {}
    if status_col is None:
        return caveats
    for kr in krs:
        status, note = status_cell(grid.text(kr.row, status_col))
        if not kr.linked or note is None:
            continue
        if status is not Status.NO_DATA:
            caveats[kr.row] = (note,)
        elif not kr.errors:
            problems.setdefault(kr.row, []).append(note)
    return caveats


def _as_left(krs: Sequence[KeyResult], grid: Grid, layout: Layout, period: Period,
             config: Config) -> dict[int, Known]:
    """Each KR as the last pull (and people since) left it, by 0-based row: the status
    okrsync wrote in its status cell (else the one its values give, before JIRA's new
    value), and the achievement in its achievement cell (else from its values)."""
    status_col = layout.columns.get(Column.STATUS)
    achievement_col = layout.columns.get(Column.ACHIEVEMENT)
    known: dict[int, Known] = {}
    for kr in krs:
        written = status_in_cell(grid.text(kr.row, status_col)) if status_col is not None else None
        status = written or kr.status(period.expected, config.okr.thresholds)
        achievement = None
        if achievement_col is not None:
            try:
                cell = parse_number(grid.get(kr.row, achievement_col))
            except KRError:
                cell = None
            achievement = None if cell is None else cell / 100
        if achievement is None and not isinstance(computed := kr.achievement(), NotComputable):
            achievement = computed
        known[kr.row] = Known(achievement, None if status is Status.NO_DATA else status)
    return known


def run_pull(
    config: Config,
    as_of: date | None = None,
    *,
    env: Environment | None = None,
    dry_run: bool = False,
    output: Path | None = None,
    force: bool = False,
    full: bool = False,
) -> Pull:
    """One pull: read, measure, assess, write the owned cells that changed, log them.

    `env` is where it runs (default: this process's terminal, folders and clock)."""
    env = env or Environment.from_system()
    now = env.now(as_of, config.okr.zone)
    state, sources = load_state(config, as_of, env=env, with_jira=True,
                                output=output, force=force, full=full)
    try:
        return _write(config, state, sources, as_of, now, dry_run)
    finally:
        state.close()


def _write(
    config: Config, state: SheetState, sources: dict[int, str], as_of: date | None,
    now: datetime, dry_run: bool,
) -> Pull:
    stamp = as_of.isoformat() if as_of else synced_stamp(now)
    notes = {row: evidence_note(sources[row], measured, synced_stamp(now))
             for row, measured in state.measured.items()} if config.sheet.notes else None
    plan = plan_pull(state.grid, state.layout, state.assessments, state.period, stamp, sources,
                     state.language, notes)
    result = Pull(state, plan.changes, state.problems, plan.recolored, dry_run=dry_run,
                  standing=_standing(state))
    result.alerts = find_alerts(_remembered(state, config), state.assessments, state.period,
                                config.alerts.stale_after_days)
    if (plan.writes or result.alerts or state.backend.writes_a_copy) and not dry_run:
        pull_id = run_id(now)
        log = [
            LogRecord(now.isoformat(timespec="seconds"), pull_id, c.row, c.key_result, c.cell,
                      c.column, c.old, c.new, c.source)
            for c in plan.changes
        ]
        kr_col = state.layout.columns[Column.KEY_RESULT]
        log += alarm_lines(result.alerts, now, {a.kr.sheet_row: a1(a.kr.row, kr_col)
                                                for a in state.assessments})
        report = state.backend.write(plan.writes, log, state.layout.header_rows)
        written = [w for w in plan.writes if (w.row, w.col) not in report.skipped]
        result.written = bool(written)
        result.recolored = sum(1 for w in written if w.fill is not None)
        if report.skipped:
            skipped_cells = {a1(r, c) for r, c in report.skipped}
            result.changes = [c for c in result.changes if c.cell not in skipped_cells]
            seen: set[tuple[int, str]] = set()
            for (row, _), reason in sorted(report.skipped.items()):
                if (row, reason) not in seen:
                    seen.add((row, reason))
                    result.problems.append(Problem(row + 1, _kr_text(state, row), reason))
    return result


def _standing(state: SheetState) -> frozenset[int]:
    """The rows of KRs with a problem whose status cell already says it, word for word."""
    status_col = state.layout.columns.get(Column.STATUS)
    if status_col is None:
        return frozenset()
    return frozenset(a.kr.sheet_row for a in state.assessments if a.problems and same_value(
        state.grid.get(a.kr.row, status_col), a.status_text(state.language)))


def _remembered(state: SheetState, config: Config) -> dict[int, Known]:
    """What okrsync last knew of each KR: as the sheet left it, and, where that cannot
    tell, as the sheet's change log remembers (read only then): the last real status of a
    KR whose status cell says `no data` and now has a number again, and whether a stale
    KR's value was already asked for this quarter."""
    period = state.period
    status_col = state.layout.columns.get(Column.STATUS)
    known = dict(state.known)
    back = [a for a in state.assessments
            if known.get(a.kr.row, Known()).status is None and a.status is not Status.NO_DATA]
    stale = [a for a in state.assessments if not a.problems and is_stale(
        a.kr, a.status, period, config.alerts.stale_after_days)]
    if not back and not stale:
        return known
    records = state.backend.read_log()
    if back and status_col is not None:
        statuses = last_statuses(records, state.layout.labels[status_col])
        for item in back:
            if (status := statuses.get(logged(item.kr.text))) is not None:
                known[item.kr.row] = replace(known.get(item.kr.row, Known()), status=status)
    asked = asked_since(records, period.year.quarter_start(period.quarter))
    for item in stale:
        if logged(item.kr.text) in asked:
            known[item.kr.row] = replace(known.get(item.kr.row, Known()), stale_asked=True)
    return known


NOTE_LIMIT = 2_000
"""The longest evidence note (characters): the arithmetic and caveats of a big link fit."""


def evidence_note(source: str, measured: Measured, stamp: str) -> str:
    """The note on a JIRA value's cell: where it came from, how it follows from the
    issues, what a reader should know, and when (`JIRA DLV-100 (done_ratio): 10개 중 7개
    완료 → 70%` / `okrsync · 2024-11-15 09:00 KST`)."""
    body = "\n".join([f"{source}: {measured.arithmetic}", *measured.caveats])
    body = clean(body)
    if len(body) > NOTE_LIMIT:
        body = body[:NOTE_LIMIT - 1] + "…"
    return f"{body}\n{NOTE_SIGNATURE}{stamp}"


def synced_stamp(moment: datetime) -> str:
    """The `Last synced` stamp: the minute, and the zone it is in (`2024-08-20 23:36 KST`,
    or `2024-08-20 23:36 UTC+09:00` where the zone has no abbreviation), so that a team in
    Seoul reading a stamp from a server on UTC knows what it means."""
    name = moment.tzname() or ""
    if not name or name[0] in "+-":
        offset = moment.strftime("%z")
        name = f"UTC{offset[:3]}:{offset[3:]}" if offset else ""
    return f"{moment:%Y-%m-%d %H:%M} {name}".strip()


def _kr_text(state: SheetState, row: int) -> str:
    return next((a.kr.text for a in state.assessments if a.kr.row == row), "")
