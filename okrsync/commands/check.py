"""`okrsync check`: everything a pull would do, nothing written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from okrsync.config import Config
from okrsync.environment import Environment
from okrsync.errors import ExitCode
from okrsync.sync import Pull, run_pull
from okrsync.workspace import open_source


@dataclass(frozen=True)
class CheckResult:
    """What a pull would find: the column mapping, every problem, what would change."""

    pull: Pull

    @property
    def exit_code(self) -> ExitCode:
        return self.pull.exit_code


def check(env: Environment, config: Config, *, as_of: date | None = None) -> CheckResult:
    """Config, credentials, the sheet's columns and every KR's values and JIRA link."""
    result = run_pull(config, as_of, env=env, dry_run=True)
    if result.state.source is None:  # no KR asked JIRA: it must answer all the same
        source = open_source(config, env)
        if source is not None:
            source.close()
    return CheckResult(result)
