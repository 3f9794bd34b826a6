"""`okrsync check`: everything a pull would do, nothing written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from okrsync.config import Config
from okrsync.environment import Environment
from okrsync.errors import ExitCode
from okrsync.sync import PullResult, Reach, run_pull
from okrsync.workspace import open_source


@dataclass(frozen=True)
class CheckResult:
    """What a pull would find: the column mapping, every problem, what would change."""

    pull: PullResult

    @property
    def exit_code(self) -> ExitCode:
        return self.pull.exit_code


def check(env: Environment, config: Config, *, as_of: date | None = None) -> CheckResult:
    """Config, credentials, the sheet's columns and every KR's values and JIRA link."""
    reach = Reach.of(env)
    source = open_source(config, show_progress=reach.progress)  # it must answer, even
    if source is not None:                                       # with no KR linked yet
        source.close()
    return CheckResult(run_pull(config, as_of, dry_run=True, now=env.now(as_of), reach=reach))
