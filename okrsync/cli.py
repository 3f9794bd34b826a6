"""The command line: parse options, call the library, print. Nothing else lives here."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import sys
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from okrsync.errors import ExitCode, OkrsyncError

app = typer.Typer(
    name="okrsync",
    help="Keep an OKR dashboard (Google Sheets or .xlsx) true to the work tracked in JIRA.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", help="The TOML config file.", envvar="OKRSYNC_CONFIG",
                 dir_okay=False),
]
AsOfOption = Annotated[
    datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD",
                 help="Work as if today were this date (quarter, pace, synced stamp)."),
]


class ReportFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"
    csv = "csv"
    html = "html"


class StatusChoice(StrEnum):
    done = "done"
    on_track = "on track"
    at_risk = "at risk"
    off_track = "off track"
    no_data = "no data"


def _errors_reported(command: F) -> F:
    """Print an OkrsyncError as one line on stderr and exit with its code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _show_warnings()
        try:
            return command(*args, **kwargs)
        except OkrsyncError as error:
            if kwargs.get("log_format") == "json":
                event = {"event": "error", "message": str(error), "exit_code": error.exit_code}
                typer.echo(json.dumps(event, ensure_ascii=False), err=True)
            else:
                typer.secho(f"error: {error}", err=True, fg=typer.colors.RED)
            raise typer.Exit(error.exit_code) from None
        except (typer.Exit, typer.Abort, typer.TyperException, KeyboardInterrupt):
            raise  # typer.Exit is a RuntimeError: never swallow it below
        except Exception as error:  # a bug or an unforeseen failure: one line, no traceback
            message = (f"unexpected {error.__class__.__name__}: {str(error)[:300]}. Nothing "
                       "more was done; please report this with the command you ran.")
            if kwargs.get("log_format") == "json":
                event = {"event": "error", "message": message, "exit_code": 3}
                typer.echo(json.dumps(event, ensure_ascii=False), err=True)
            else:
                typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
            raise typer.Exit(ExitCode.COULD_NOT_RUN) from None

    return wrapper  # type: ignore[return-value]


class _WarningLine(logging.Handler):
    """Prints okrsync's warnings as `warning: …` lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        typer.secho(f"warning: {record.getMessage()}", err=True, fg=typer.colors.YELLOW)


def _show_warnings() -> None:
    logger = logging.getLogger("okrsync")
    if not any(isinstance(h, _WarningLine) for h in logger.handlers):
        logger.addHandler(_WarningLine())
        logger.propagate = False


def _on_terminal() -> bool:
    """Whether a person can answer questions (never true under cron)."""
    return sys.stdin.isatty()


def _day(as_of: datetime | None) -> date | None:
    return as_of.date() if as_of else None


class FailOn(StrEnum):
    off_track = "off-track"
    regressed = "regressed"
    stale = "stale"


class LogFormat(StrEnum):
    text = "text"
    json = "json"


@app.command()
@_errors_reported
def pull(
    config: ConfigOption = Path("okrsync.toml"),
    as_of: AsOfOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Compute and show, write nothing.")]
    = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False,
                     help="(.xlsx only) Write the updated workbook here; keep the original."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="With --output: replace FILE even if it is not an "
                           "earlier copy of this workbook.")
    ] = False,
    show_report: Annotated[
        bool, typer.Option("--report", help="Print the progress report after the pull.")
    ] = False,
    fail_on: Annotated[
        list[FailOn] | None,
        typer.Option("--fail-on", help="Exit with code 4 when a KR went backwards "
                     "(regressed), fell off track (off-track) or went stale (repeatable)."),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only problems and alerts (for cron).")
    ] = False,
    log_format: Annotated[
        LogFormat, typer.Option("--log-format", help="text, or json: one JSON object per line.")
    ] = LogFormat.text,
) -> None:
    """Read the sheet, fetch JIRA progress, and write values, achievement and colors back."""
    from okrsync.alerts import post_alerts
    from okrsync.config import load_config
    from okrsync.pull import run_pull
    from okrsync.render import make_console, pull_events, render_pull, report_table
    from okrsync.workspace import locked

    settings = load_config(config)
    with contextlib.nullcontext() if dry_run else locked(settings):  # a dry run writes nothing
        result = run_pull(settings, _day(as_of), dry_run=dry_run, output=output, force=force)
    warnings = []
    if result.alerts and settings.alerts.webhook and not dry_run:
        warning = post_alerts(settings.alerts.webhook, result.alerts, result.state.backend.name)
        if warning:
            warnings.append(warning)
    code = result.exit_code
    if fail_on and any(alert.alarm.value in {f.value for f in fail_on} for alert in result.alerts):
        code = ExitCode.ANDON
    if log_format is LogFormat.json:
        for event in pull_events(result, warnings, code, quiet=quiet):
            sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
    else:
        console = make_console()
        console.print(render_pull(result, warnings, quiet=quiet))
        if show_report and not quiet:
            console.print(report_table(result.state.assessments, result.state.period))
    raise typer.Exit(code)


@app.command()
@_errors_reported
def report(
    config: ConfigOption = Path("okrsync.toml"),
    as_of: AsOfOption = None,
    format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ReportFormat.table,
    department: Annotated[
        str | None, typer.Option("--department", "-d", help="Only this department.")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this owner's KRs.")] = None,
    status: Annotated[
        list[StatusChoice] | None,
        typer.Option("--status", help="Only KRs with this status (repeatable)."),
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option("--since", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD",
                     help="Only KRs that moved since this date, with what changed "
                          "(from the change log)."),
    ] = None,
) -> None:
    """Show progress from the sheet as it stands. Reads only; never writes, never asks JIRA."""
    from okrsync.config import load_config
    from okrsync.core.progress import Status
    from okrsync.pull import run_report
    from okrsync.render import (
        make_console,
        markdown_moved,
        render_moved,
        report_csv,
        report_html,
        report_json,
        report_markdown,
        report_table,
    )
    from okrsync.report import select

    state, moved = run_report(load_config(config), _day(as_of), _day(since))
    chosen = select(state.assessments, department, owner,
                    [Status(s.value) for s in status or ()])
    if moved is not None:
        chosen = [a for a in chosen if moved.get(a.kr.text)]
    if department and not chosen and not status and not owner and since is None:
        known = sorted({a.kr.department for a in state.assessments if a.kr.department})
        raise typer.BadParameter(
            f"no department {department!r}; the sheet has: {', '.join(known)}",
            param_hint="--department",
        )
    day = since.date().isoformat() if since else ""
    if format is ReportFormat.table:
        console = make_console()
        console.print(report_table(chosen, state.period))
        if moved is not None:
            console.print(render_moved(moved, day))
    elif format is ReportFormat.markdown:
        text = report_markdown(chosen, state.period)
        sys.stdout.write(text + ("\n" + markdown_moved(moved, day) if moved is not None else ""))
    elif format is ReportFormat.json:
        sys.stdout.write(report_json(chosen, moved))
    elif format is ReportFormat.csv:
        sys.stdout.write(report_csv(chosen))
    else:
        sys.stdout.write(report_html(chosen, state.period))
    raise typer.Exit(ExitCode.PARTIAL if state.problems else ExitCode.OK)


@app.command()
@_errors_reported
def check(
    config: ConfigOption = Path("okrsync.toml"),
    as_of: AsOfOption = None,
) -> None:
    """Check config, credentials, the sheet's columns and every KR's values and JIRA link.

    Writes nothing. Exits 0 only when a pull would be clean.
    """
    from okrsync.config import load_config
    from okrsync.pull import run_pull
    from okrsync.render import make_console, render_check
    from okrsync.workspace import open_source

    settings = load_config(config)
    source = open_source(settings)  # it must load or answer, even with no KR linked yet
    if source is not None:
        source.close()
    result = run_pull(settings, _day(as_of), dry_run=True)
    make_console().print(render_check(result))
    raise typer.Exit(result.exit_code)


@app.command()
@_errors_reported
def history(
    config: ConfigOption = Path("okrsync.toml"),
    kr: Annotated[str | None, typer.Option("--kr", help="Only KRs whose text contains this.")]
    = None,
    row: Annotated[int | None, typer.Option("--row", help="Only the KR on this sheet row.")]
    = None,
) -> None:
    """Show what earlier pulls changed: each value over time, from the change log."""
    from okrsync.config import load_config
    from okrsync.history import history as read_history
    from okrsync.render import make_console, render_history

    records = read_history(load_config(config), kr, row)
    make_console().print(render_history(records))


@app.command()
@_errors_reported
def undo(
    config: ConfigOption = Path("okrsync.toml"),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be reverted.")]
    = False,
) -> None:
    """Revert the last pull's writes, keeping every cell a person changed since."""
    from okrsync.config import load_config
    from okrsync.history import undo as run_undo
    from okrsync.render import make_console, render_undo
    from okrsync.workspace import locked

    settings = load_config(config)
    with locked(settings):
        result = run_undo(settings, dry_run=dry_run)
    make_console().print(render_undo(result, dry_run))
    raise typer.Exit(ExitCode.PARTIAL if result.refused else ExitCode.OK)


@app.command()
@_errors_reported
def overlaps(
    config: ConfigOption = Path("okrsync.toml"),
    threshold: Annotated[
        float, typer.Option("--threshold", min=0, max=100,
                            help="How alike two KR texts must read, 0–100.")
    ] = 85.0,
) -> None:
    """Find KRs of different departments that count the same JIRA issues or read alike."""
    from okrsync.config import load_config
    from okrsync.overlaps import find_overlaps
    from okrsync.render import make_console, render_overlaps

    result = find_overlaps(load_config(config), threshold=threshold)
    make_console().print(render_overlaps(result))
    raise typer.Exit(ExitCode.PARTIAL if result.problems else ExitCode.OK)


class Lang(StrEnum):
    ko = "ko"
    en = "en"


@app.command()
@_errors_reported
def init(
    config: Annotated[Path, typer.Option("--config", "-c", dir_okay=False,
                                         help="Where to write the config.")]
    = Path("okrsync.toml"),
    spreadsheet: Annotated[str | None, typer.Option(
        "--spreadsheet", help="The dashboard: an .xlsx path or a Google Sheets URL or id.")]
    = None,
    worksheet: Annotated[str | None, typer.Option("--worksheet", help="The tab's title.")]
    = None,
    export: Annotated[str | None, typer.Option("--export", help="A JIRA export file.")] = None,
    jira_server: Annotated[str | None, typer.Option("--jira-server", help="A live JIRA's URL.")]
    = None,
    email: Annotated[str | None, typer.Option("--email", help="JIRA Cloud account e-mail.")]
    = None,
    credentials: Annotated[str | None, typer.Option(
        "--credentials", help="Google: a service-account key file, oauth or adc.")] = None,
    create_workbook: Annotated[bool, typer.Option(
        "--create-workbook", help="Also create the .xlsx with an empty dashboard.")] = False,
    create_sheet: Annotated[bool, typer.Option(
        "--create-sheet", help="Also add a tab with an empty dashboard to the Google "
                               "spreadsheet.")] = False,
    lang: Annotated[Lang, typer.Option("--lang", help="Headers in Korean or English.")]
    = Lang.ko,
    force: Annotated[bool, typer.Option("--force", help="Replace existing files.")] = False,
) -> None:
    """Write a config to start from (asking on a terminal), and optionally an empty
    dashboard in the blog's format."""
    from okrsync.config import load_config
    from okrsync.core.template import dashboard
    from okrsync.init import Answers, write_config
    from okrsync.init import create_workbook as make_workbook

    if spreadsheet is None:
        if not _on_terminal():
            raise typer.BadParameter("required when not on a terminal",
                                     param_hint="--spreadsheet")
        spreadsheet = typer.prompt("Dashboard (an .xlsx path or a Google Sheets URL)")
        source = typer.prompt("JIRA: an export file, a server URL, or blank for none",
                              default="", show_default=False)
        if source.startswith("http"):
            jira_server = source
            email = typer.prompt("JIRA Cloud e-mail (blank for a Server/DC token)",
                                 default="", show_default=False) or None
        elif source:
            export = source
    answers = Answers(spreadsheet, worksheet, export, jira_server, email, credentials)
    write_config(config, answers, force)
    typer.echo(f"Wrote {config}.")
    settings = load_config(config)
    title = worksheet or "OKR"
    if create_workbook:
        if not spreadsheet.lower().endswith(".xlsx"):
            raise typer.BadParameter("needs --spreadsheet to be an .xlsx path",
                                     param_hint="--create-workbook")
        path = settings.path(spreadsheet)
        make_workbook(path, title, lang.value, force)
        typer.echo(f"Created {path} with an empty dashboard in tab {title!r}.")
    if create_sheet:
        from okrsync.sheets.google import GoogleSheet
        from okrsync.workspace import open_sheet

        backend = open_sheet(settings.model_copy(
            update={"sheet": settings.sheet.model_copy(update={"worksheet": None})}))
        if not isinstance(backend, GoogleSheet):
            raise typer.BadParameter("needs --spreadsheet to be a Google spreadsheet",
                                     param_hint="--create-sheet")
        backend.create_tab(title, dashboard(lang.value))
        typer.echo(f"Added tab {title!r} with an empty dashboard to {backend.ref.id}.")
    typer.echo(f"Next: okrsync check -c {config}")


def main() -> None:
    app()
