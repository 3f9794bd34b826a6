"""Opening the sheet backend and the JIRA source a config describes, one way for every
command: what depends on where okrsync runs (the terminal, the per-user folders, the
run's time limit) comes from the run's Environment."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from okrsync.config import Config
from okrsync.environment import Environment
from okrsync.errors import ConfigError, LockedError
from okrsync.i18n import _
from okrsync.jira.source import IssueSource
from okrsync.sheets.base import SheetBackend
from okrsync.sheets.refs import is_workbook, parse_spreadsheet


def open_sheet(config: Config, env: Environment, output: Path | None = None,
               force: bool = False) -> SheetBackend:
    """The backend for `[sheet] spreadsheet`. `output` (xlsx only) writes a copy elsewhere;
    `force` lets it replace a file that is not an earlier copy of this workbook.

    Google only: the OAuth token lives in the Environment's config folder; a browser
    sign-in is offered only where a person is at a terminal; every request stops at the
    run's deadline."""
    if force and output is None:
        raise ConfigError(_("--force works only with --output FILE (it lets the copy replace "
                            "FILE); it changes nothing else. Drop --force, or add --output."))
    target = config.sheet.spreadsheet
    if is_workbook(target):
        from okrsync.sheets.xlsx import XlsxSheet

        return XlsxSheet(config.path(target), config.sheet.worksheet, output, force,
                         shown=target)
    from okrsync.sheets.google import GoogleSheet, load_credentials

    ref = parse_spreadsheet(target)
    assert ref is not None  # the config checked it
    if output is not None:
        raise ConfigError(_("--output works only with an .xlsx workbook"))
    google = config.google
    from okrsync.net.guard import refuse_plain_http

    refuse_plain_http(google.api_endpoint, "[google] api_endpoint", google.allow_http,
                      "the Google access token")
    credentials = load_credentials(
        google.credentials, config.base,
        config.path(google.oauth_client) if google.oauth_client else None,
        token_cache=env.token_cache, interactive=env.interactive,
        timeout=google.timeout, deadline=env.deadline,
    )
    return GoogleSheet(ref, config.sheet.worksheet, credentials, endpoint=google.api_endpoint,
                       timeout=google.timeout, max_retry_seconds=google.max_retry_seconds,
                       allow_http=google.allow_http, deadline=env.deadline)


def sheet_lock(config: Config, lock_dir: Path | None = None) -> Any:
    """A lock held while okrsync changes one sheet: two pulls never overlap.

    It is an OS file lock in `lock_dir` (default: the Environment's, `locks` in okrsync's
    per-user state folder), so a run that dies releases it.
    """
    import hashlib

    from filelock import FileLock

    from okrsync.environment import default_lock_dir

    folder = lock_dir if lock_dir is not None else default_lock_dir()
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(sheet_identity(config).encode()).hexdigest()[:20]
    return FileLock(folder / f"{digest}.lock", timeout=0)


def sheet_identity(config: Config) -> str:
    """What the sheet is, however the config spells it and wherever its file lies: the
    Google spreadsheet's id, or the identity an .xlsx workbook keeps in itself (see
    okrsync.sheets.xlsx.workbook_identity), which survives every save and a copy to
    another machine. It keys the sheet's lock and its JIRA cache. Tabs
    are not told apart: a pull writes the whole workbook, and every tab of a spreadsheet
    shares the change log."""
    target = config.sheet.spreadsheet
    if is_workbook(target):
        from okrsync.sheets.xlsx import workbook_identity

        return f"xlsx:{workbook_identity(config.path(target))}"
    ref = parse_spreadsheet(target)
    return f"google:{ref.id if ref else target}"


@contextmanager
def locked(config: Config, lock_dir: Path | None = None) -> Iterator[None]:
    """Hold the sheet's lock, or raise LockedError at once."""
    from filelock import Timeout

    lock = sheet_lock(config, lock_dir)
    try:
        lock.acquire()
    except Timeout:
        raise LockedError(_(
            "another okrsync run is changing {sheet} right now; this one did nothing. (The "
            "lock is released when that run ends.)").format(sheet=config.sheet.spreadsheet)
        ) from None
    try:
        yield
    finally:
        lock.release()


def open_source(config: Config, env: Environment, *, full: bool = False,
                evidence: bool = False, raw: Callable[[dict[str, Any]], None] | None = None
                ) -> IssueSource | None:
    """The JIRA source for `[jira]`, or None when the config links no JIRA.

    A live JIRA draws a progress bar on a terminal, stops every request at the run's
    deadline, and, with the Environment's cache folder, reads only what changed since
    the last pull (`full` reads everything anyway). With `evidence` it reads what a
    reader needs to check a number: everything, fresh, with each issue's summary; `raw`
    is then handed every issue as JIRA answered it."""
    if config.jira.export:
        from okrsync.jira.export import ExportSource

        return ExportSource.load(config.path(config.jira.export), config.jira.story_points_field,
                                 shown=config.jira.export)
    if config.jira.server:
        from okrsync.jira.live import IssueCache, LiveSource, Site, connect
        from okrsync.jira.live.cache import FILE
        from okrsync.redact import redact_url

        jira = config.jira
        assert jira.server is not None
        api = connect(Site.from_config(jira), deadline=env.deadline)
        cache = None
        if env.cache_dir is not None and not evidence:
            scope = f"{redact_url(jira.server)} {jira.email or 'pat'} {sheet_identity(config)}"
            cache = IssueCache(env.cache_dir / FILE, scope)
        return LiveSource(api, cache=cache, story_points_field=jira.story_points_field,
                          max_workers=jira.max_workers, show_progress=env.progress,
                          full=full or evidence,
                          full_refresh_days=jira.full_refresh_days, summaries=evidence,
                          raw=raw)
    return None
