"""Opening the sheet backend and the JIRA source a config describes."""

from __future__ import annotations

from pathlib import Path

from okrsync.config import Config
from okrsync.errors import ConfigError
from okrsync.jira.source import IssueSource
from okrsync.sheets.base import SheetBackend


def open_sheet(config: Config, output: Path | None = None) -> SheetBackend:
    """The backend for `[sheet] spreadsheet`. `output` (xlsx only) writes a copy elsewhere."""
    target = config.sheet.spreadsheet
    if target.lower().endswith((".xlsx", ".xlsm")):
        from okrsync.sheets.xlsx import XlsxSheet

        return XlsxSheet(config.path(target), config.sheet.worksheet, output)
    from okrsync.sheets.google import GoogleSheet, load_credentials, parse_spreadsheet

    ref = parse_spreadsheet(target)
    if ref is None:
        raise ConfigError(
            f"[sheet] spreadsheet: {target!r} is neither an .xlsx workbook path nor a Google "
            "spreadsheet id or URL"
        )
    if output is not None:
        raise ConfigError("--output works only with an .xlsx workbook")
    google = config.google
    credentials = load_credentials(
        google.credentials, config.base,
        config.path(google.oauth_client) if google.oauth_client else None,
    )
    return GoogleSheet(ref, config.sheet.worksheet, credentials, endpoint=google.api_endpoint,
                       timeout=google.timeout, max_retry_seconds=google.max_retry_seconds)


def open_source(config: Config) -> IssueSource | None:
    """The JIRA source for `[jira]`, or None when the config links no JIRA."""
    if config.jira.export:
        from okrsync.jira.export import ExportSource

        return ExportSource.load(config.path(config.jira.export), config.jira.story_points_field)
    if config.jira.server:
        from okrsync.jira.live import open_live

        return open_live(config)
    return None
