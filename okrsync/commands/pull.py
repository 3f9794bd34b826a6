"""`okrsync pull`: bring the sheet in line with JIRA, once, under the sheet's lock."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from okrsync.alerts import post_alerts
from okrsync.config import Config
from okrsync.environment import Environment
from okrsync.sheets.refs import is_workbook
from okrsync.sync import PullResult, run_pull
from okrsync.workspace import locked


def shared_name(config: Config) -> str:
    """The sheet as a message for other people names it: no local path (a chat post or a
    shared document must not show where a file lies on the PM's machine)."""
    sheet = config.sheet
    name = Path(sheet.spreadsheet).name if is_workbook(sheet.spreadsheet) else sheet.spreadsheet
    return f"{name} [{sheet.worksheet}]" if sheet.worksheet else name


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
    """Read, measure, write (unless `dry_run`), then post Andon alerts to the webhook.

    With `max_seconds`, every request stops at that time limit: a hung server never holds
    the sheet's lock past it."""
    env = env.limited(max_seconds)
    lock = contextlib.nullcontext() if dry_run else locked(config, env.lock_dir)
    with lock:  # a dry run writes nothing, so it needs no lock
        result = run_pull(config, as_of, env=env, dry_run=dry_run, output=output,
                          force=force, full=full)
    result.fail_on = frozenset(fail_on)
    if result.alerts and config.alerts.webhook and not dry_run:
        warning = post_alerts(config.alerts.webhook, result.alerts, shared_name(config),
                              deadline=env.deadline, lang=result.state.language)
        if warning:
            result.warnings.append(warning)
    return result
