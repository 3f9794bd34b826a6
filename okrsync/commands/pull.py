"""`okrsync pull`: bring the sheet in line with JIRA, once, under the sheet's lock."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from okrsync.commands.common import shared_name
from okrsync.config import Config
from okrsync.environment import Environment
from okrsync.errors import ExitCode
from okrsync.sync import Pull, run_pull
from okrsync.workspace import locked


@dataclass
class PullResult:
    """What `okrsync pull` did: the pull, and around it the Andon alarms it fails on
    (`--fail-on`) and what went wrong beside the sheet."""

    pull: Pull
    fail_on: frozenset[str] = frozenset()
    """The Andon alarms that make the pull exit with code 4."""
    warnings: list[str] = field(default_factory=list)
    """What went wrong beside the sheet (the alert webhook did not answer)."""

    @property
    def exit_code(self) -> ExitCode:
        if any(alert.alarm.value in self.fail_on for alert in self.pull.alerts):
            return ExitCode.ANDON
        return self.pull.exit_code


def pull(
    env: Environment,
    config: Config,
    *,
    as_of: date | None = None,
    dry_run: bool = False,
    output: Path | None = None,
    force: bool = False,
    fail_on: Iterable[str] = (),
    max_seconds: float | None = None,
    full: bool = False,
) -> PullResult:
    """Read, measure, write (unless `dry_run`), then post the new Andon alarms to the
    webhook.

    With `max_seconds`, every request stops at that time limit: a hung server never holds
    the sheet's lock past it."""
    env = env.limited(max_seconds)
    if not dry_run:
        config.alerts.refuse_plain_http(departments=False)
    lock = contextlib.nullcontext() if dry_run else locked(config, env.lock_dir)
    with lock:  # a dry run writes nothing, so it needs no lock
        done = run_pull(config, as_of, env=env, dry_run=dry_run, output=output,
                        force=force, full=full)
    result = PullResult(done, frozenset(fail_on))
    if done.alerts and config.alerts.webhook and not dry_run:
        from okrsync.alerts import post_alerts  # only a pull with something to say

        warning = post_alerts(config.alerts.webhook, done.alerts, shared_name(config),
                              owners=config.alerts.owners, deadline=env.deadline,
                              lang=done.state.language)
        if warning:
            result.warnings.append(warning)
    return result
