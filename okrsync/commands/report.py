"""`okrsync report`: progress from the sheet as it stands. Reads only; never asks JIRA."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from okrsync.commands.common import known_department
from okrsync.config import Config
from okrsync.core.calendar import Period
from okrsync.core.plan import Assessment
from okrsync.core.progress import Status
from okrsync.environment import Environment
from okrsync.errors import ExitCode
from okrsync.kr_table import Move, moved_since, select
from okrsync.logbook import logged
from okrsync.sync import Problem, load_state

Moved = dict[str, list[Move]]
"""Per KR text: each cell that changed since a date, first old → last new."""


@dataclass(frozen=True)
class ReportResult:
    """The KRs chosen, where each stands, and (with --since) what moved."""

    assessments: list[Assessment]
    period: Period
    problems: list[Problem]
    since: date | None = None
    moved: Moved | None = None
    language: str = "en"
    """The sheet's language, which the report speaks."""
    detailed: bool = False
    """Show each KR's description (`report --kr`: a few KRs looked at closely)."""

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.PARTIAL if self.problems else ExitCode.OK


def report(
    env: Environment,
    config: Config,
    *,
    as_of: date | None = None,
    department: str | None = None,
    owner: str | None = None,
    statuses: Sequence[Status] = (),
    since: date | None = None,
    kr: str | None = None,
) -> ReportResult:
    """The sheet assessed as of a date, filtered; with `since`, only the KRs that moved;
    with `kr`, only the KRs whose text contains it, with their descriptions."""
    state, _sources = load_state(config, as_of, env=env,
                                 with_jira=False)
    try:
        moved = (moved_since(state.backend.read_log(), since.isoformat(), state.layout)
                 if since else None)
    finally:
        state.close()
    chosen = select(state.assessments, department, owner, statuses)
    if kr:
        chosen = [a for a in chosen if kr.casefold() in a.kr.text.casefold()]
    if moved is not None:
        chosen = [a for a in chosen if moved.get(logged(a.kr.text))]
    if department:
        known_department(state.assessments, department)
    problems = [p for p in state.problems if any(a.kr.sheet_row == p.row for a in chosen)]
    return ReportResult(chosen, state.period, problems, since, moved, state.language,
                        detailed=kr is not None)
