"""Opening the sheet backend and the JIRA source a config describes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from okrsync.config import Config
from okrsync.errors import ConfigError, LockedError
from okrsync.jira.source import IssueSource
from okrsync.sheets.base import SheetBackend
from okrsync.sheets.refs import is_workbook, parse_spreadsheet


def open_sheet(config: Config, output: Path | None = None, force: bool = False) -> SheetBackend:
    """The backend for `[sheet] spreadsheet`. `output` (xlsx only) writes a copy elsewhere;
    `force` lets it replace a file that is not an earlier copy of this workbook."""
    if force and output is None:
        raise ConfigError("--force works only with --output FILE (it lets the copy replace "
                          "FILE); it changes nothing else. Drop --force, or add --output.")
    target = config.sheet.spreadsheet
    if is_workbook(target):
        from okrsync.sheets.xlsx import XlsxSheet

        return XlsxSheet(config.path(target), config.sheet.worksheet, output, force)
    from okrsync.sheets.google import GoogleSheet, load_credentials

    ref = parse_spreadsheet(target)
    assert ref is not None  # the config checked it
    if output is not None:
        raise ConfigError("--output works only with an .xlsx workbook")
    google = config.google
    credentials = load_credentials(
        google.credentials, config.base,
        config.path(google.oauth_client) if google.oauth_client else None,
    )
    return GoogleSheet(ref, config.sheet.worksheet, credentials, endpoint=google.api_endpoint,
                       timeout=google.timeout, max_retry_seconds=google.max_retry_seconds)


def sheet_lock(config: Config) -> Any:
    """A lock held while okrsync changes one sheet: two pulls never overlap.

    It is an OS file lock, so a run that dies releases it.
    """
    import hashlib

    import typer
    from filelock import FileLock

    folder = Path(typer.get_app_dir("okrsync")) / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(sheet_identity(config).encode()).hexdigest()[:20]
    return FileLock(folder / f"{digest}.lock", timeout=0)


def sheet_identity(config: Config) -> str:
    """What the sheet is, however the config spells it: the workbook file itself (a
    symlink, a hard link or another relative path lead to the same), or the Google
    spreadsheet's id. Tabs are not told apart: a pull writes the whole workbook, and
    every tab of a spreadsheet shares the change log."""
    target = config.sheet.spreadsheet
    if is_workbook(target):
        path = config.path(target).resolve()
        try:
            info = path.stat()
        except OSError:
            return f"xlsx:{path}"
        return f"xlsx:{info.st_dev}:{info.st_ino}"
    ref = parse_spreadsheet(target)
    return f"google:{ref.id if ref else target}"


@contextmanager
def locked(config: Config) -> Iterator[None]:
    """Hold the sheet's lock, or raise LockedError at once."""
    from filelock import Timeout

    lock = sheet_lock(config)
    try:
        lock.acquire()
    except Timeout:
        raise LockedError(
            f"another okrsync run is changing {config.sheet.spreadsheet} right now; this one "
            "did nothing. (The lock is released when that run ends.)"
        ) from None
    try:
        yield
    finally:
        lock.release()


def open_source(config: Config) -> IssueSource | None:
    """The JIRA source for `[jira]`, or None when the config links no JIRA."""
    if config.jira.export:
        from okrsync.jira.export import ExportSource

        return ExportSource.load(config.path(config.jira.export), config.jira.story_points_field,
                                 shown=config.jira.export)
    if config.jira.server:
        from okrsync.jira.live import open_live

        return open_live(config)
    return None
