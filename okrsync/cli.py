"""The command line: parse options, call a command, print its result. Nothing else lives here.

The work of each command is in `okrsync.commands`; formatting is in `okrsync.render`.
Every error the user can act on is one line on stderr (or one JSON object with
`--log-format json`), and the process exits with the code the result carries.
"""

from __future__ import annotations

import gc
import json
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from okrsync.core.progress import STATUS_WORDS
from okrsync.core.text import clean
from okrsync.environment import Environment
from okrsync.errors import ExitCode, OkrsyncError
from okrsync.i18n import _, speaking
from okrsync.redact import scrub

if TYPE_CHECKING:
    from okrsync.commands.pull import PullResult
    from okrsync.config import Config

app = typer.Typer(
    name="okrsync",
    help="Keep an OKR dashboard (Google Sheets or .xlsx) true to the work tracked in JIRA.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _show_version(show: bool) -> None:
    if show:
        from okrsync import version

        typer.echo(f"okrsync {version()}")
        raise typer.Exit()


@app.callback()
def _app_options(
    version: Annotated[bool, typer.Option(
        "--version", callback=_show_version, is_eager=True,
        help="Show the installed version and exit.")] = False,
) -> None:
    # Options of okrsync itself, before the command; completion is Typer's own
    # (--install-completion, --show-completion).
    pass

ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", help="The TOML config file.", envvar="OKRSYNC_CONFIG",
                 dir_okay=False, metavar="FILE"),
]
AsOfOption = Annotated[
    datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD",
                 help="Work as if today were this date (quarter, pace, synced stamp)."),
]


MAX_SECONDS = 1800.0
"""A pull's default time limit: half an hour, far beyond a company-scale pull, so that a
cron run on a hung server ends (and frees the sheet) before the next one."""


class LogFormat(StrEnum):
    text = "text"
    json = "json"


class ReportFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"
    csv = "csv"
    html = "html"


class DataFormat(StrEnum):
    table = "table"
    json = "json"


class HistoryFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


_NAMED = {word: status for words in STATUS_WORDS.values() for status, word in words.items()}
StatusChoice = StrEnum(  # type: ignore[misc]
    "StatusChoice", {f"{lang}_{status.name}": word
                     for lang, words in STATUS_WORDS.items() for status, word in words.items()})
"""A status as a person names it, in English or Korean (`at risk`, `주의`)."""


class FailOn(StrEnum):
    off_track = "off-track"
    regressed = "regressed"
    stale = "stale"


class Lang(StrEnum):
    ko = "ko"
    en = "en"


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _safe(message: object) -> str:
    """A message as it may be printed: one line, no control characters, no secrets."""
    return scrub(clean(str(message), one_line=True))


@dataclass
class Session:
    """One run of one command: its environment, and how it prints."""

    env: Environment
    log_format: LogFormat = LogFormat.text

    def config(self, path: Path) -> Config:
        from okrsync.config import load_config

        return load_config(path)

    def show(self, result: object, fmt: str = "table", **options: Any) -> None:
        """Print a result in a format; a document goes to stdout as is."""
        from okrsync.render.registry import render
        from okrsync.render.terminal import make_console

        rendered = render(result, fmt, **options)
        if isinstance(rendered, str):
            self.env.stdout.write(rendered)
        else:
            make_console(file=self.env.stdout).print(rendered)

    def line(self, kind: str, message: str, **fields: Any) -> None:
        """A warning or error line on stderr: text, or one JSON object."""
        if self.log_format is LogFormat.json:
            event = {"event": kind, "message": _safe(message), **fields}
            self.env.stderr.write(json.dumps(event, ensure_ascii=False) + "\n")
        else:
            line = (_("error: {message}") if kind == "error"
                    else _("warning: {message}")).format(message=_safe(message))
            typer.secho(line, err=True,
                        fg=typer.colors.RED if kind == "error" else typer.colors.YELLOW)

    def finish(self, code: int) -> NoReturn:
        raise typer.Exit(int(code))


class _WarningLines(logging.Handler):
    """okrsync's warnings (a secret file others can read, …) as lines on stderr."""

    def __init__(self, session: Session) -> None:
        super().__init__(logging.WARNING)
        self.session = session

    def emit(self, record: logging.LogRecord) -> None:
        self.session.line("warning", record.getMessage())


def _library_warning(message: Warning | str, category: type[Warning], filename: str,
                     lineno: int, file: object = None, line: str | None = None) -> None:
    """A library's own warning is not for the person (it names a file inside the
    installation, and okrsync says what matters in its own words): kept at debug level."""
    logging.getLogger("okrsync.library").debug("%s: %s (%s:%s)", category.__name__, message,
                                               filename, lineno)


@contextmanager
def session(log_format: LogFormat = LogFormat.text) -> Iterator[Session]:
    """Run one command: warnings printed as they come, every failure one line and its
    exit code, never a traceback. Its messages speak the person's language (the locale);
    what is written into the sheet speaks the sheet's, once the sheet is read."""
    run = Session(Environment.from_system(), log_format)
    logger = logging.getLogger("okrsync")
    handler = _WarningLines(run)
    logger.addHandler(handler)
    logger.propagate = False
    with speaking(person=run.env.language, sheet="en"), warnings.catch_warnings():
        warnings.showwarning = _library_warning
        try:
            yield run
        except OkrsyncError as error:
            run.line("error", str(error), exit_code=int(error.exit_code))
            raise typer.Exit(error.exit_code) from None
        except (typer.Exit, typer.Abort, typer.BadParameter, KeyboardInterrupt):
            raise  # typer.Exit is a RuntimeError: never swallow it below
        except Exception as error:  # a bug or an unforeseen failure: one line, no traceback
            run.line("error", _(
                "unexpected {error}: {message}. Nothing more was done; please report this "
                "with the command you ran.").format(error=error.__class__.__name__,
                                                    message=str(error)[:300]),
                     exit_code=int(ExitCode.COULD_NOT_RUN))
            raise typer.Exit(ExitCode.COULD_NOT_RUN) from None
        finally:
            logger.removeHandler(handler)


def _show_after_writing(run: Session, done: PullResult, fmt: str, quiet: bool) -> None:
    """Print a pull that has written. Printing never undoes a write: should it fail, the
    pull says exactly what it wrote, in plain text, and exits with code 3."""
    result = done.pull
    try:
        run.show(done, fmt, quiet=quiet)
    except Exception as error:
        if not result.written:
            raise
        lines = [_("okrsync wrote {values} value(s) to {sheet}, then could not print its "
                   "summary ({error}). What was written (also in the okrsync log tab):").format(
            values=len(result.changes), sheet=result.state.backend.name,
            error=error.__class__.__name__)]
        lines += ["  " + _("{cell} (row {row}): {old} -> {new}").format(
            cell=c.cell, row=c.row, old=repr(c.old), new=repr(c.new)) for c in result.changes]
        run.line("error", lines[0], exit_code=int(ExitCode.COULD_NOT_RUN))
        for line in lines[1:]:
            run.env.stderr.write(_safe(line) + "\n")
        run.finish(ExitCode.COULD_NOT_RUN)


@app.command()
def pull(
    config: ConfigOption = Path("okrsync.toml"),
    as_of: AsOfOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Compute and show, write nothing.")]
    = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, metavar="FILE",
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
        typer.Option("--fail-on", metavar="off-track|regressed|stale",
                     help="Exit with code 4 when a KR went backwards (regressed), fell off "
                          "track (off-track) or went stale (repeatable)."),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only new problems and alerts (for cron).")
    ] = False,
    log_format: Annotated[
        LogFormat, typer.Option("--log-format", metavar="text|json",
                                help="text, or json: one JSON object per line.")
    ] = LogFormat.text,
    max_seconds: Annotated[
        float, typer.Option("--max-seconds", min=0, metavar="SECONDS",
                            help="Stop every request at this time limit, in seconds (0: "
                                 "none); a hung server never holds the sheet past it.")
    ] = MAX_SECONDS,
    full: Annotated[bool, typer.Option(
        "--full", help="Read everything from JIRA, not only what changed since the last "
                       "pull.")] = False,
) -> None:
    """Read the sheet, fetch JIRA progress, and write values, achievement, status and colors
    back."""
    with session(log_format) as run:
        from okrsync.commands.pull import PullResult
        from okrsync.commands.pull import pull as run_pull
        from okrsync.commands.report import ReportResult
        from okrsync.render.registry import renderer

        fmt = "json" if log_format is LogFormat.json else "table"
        renderer(PullResult, fmt)  # loaded before writing: printing never fails on an import
        result = run_pull(run.env, run.config(config), as_of=_day(as_of), dry_run=dry_run,
                          output=output, force=force, fail_on=[f.value for f in fail_on or ()],
                          max_seconds=max_seconds or None, full=full)
        _show_after_writing(run, result, fmt, quiet)
        if show_report and not quiet and fmt == "table":
            state = result.pull.state
            run.show(ReportResult(state.assessments, state.period, state.problems,
                                  language=state.language))
        run.finish(result.exit_code)


@app.command()
def report(
    config: ConfigOption = Path("okrsync.toml"),
    as_of: AsOfOption = None,
    format: Annotated[
        ReportFormat, typer.Option("--format", "-f", metavar="FORMAT",
                                   help="Output format: table, markdown, json, csv or html.")
    ] = ReportFormat.table,
    department: Annotated[
        str | None, typer.Option("--department", "-d", metavar="NAME",
                                 help="Only this department.")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", metavar="NAME",
                                              help="Only this owner's KRs.")] = None,
    status: Annotated[
        list[StatusChoice] | None,
        typer.Option("--status", metavar="STATUS",
                     help="Only KRs with this status (repeatable): done, on track, at risk, "
                          "off track, no data, or 완료, 순항, 주의, 위험, 데이터 없음."),
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option("--since", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD",
                     help="Only KRs that moved since this date, with what changed "
                          "(from the change log)."),
    ] = None,
    kr: Annotated[str | None, typer.Option(
        "--kr", metavar="TEXT",
        help="Only KRs whose text contains this, with their descriptions.")] = None,
) -> None:
    """Show progress from the sheet as it stands. Reads only; never writes, never asks JIRA."""
    with session() as run:
        from okrsync.commands.report import report as run_report
        result = run_report(run.env, run.config(config), as_of=_day(as_of),
                            department=department, owner=owner,
                            statuses=[_NAMED[s.value] for s in status or ()],
                            since=_day(since), kr=kr)
        run.show(result, format.value)
        run.finish(result.exit_code)


@app.command()
def check(
    config: ConfigOption = Path("okrsync.toml"),
    as_of: AsOfOption = None,
    format: Annotated[DataFormat, typer.Option(
        "--format", "-f", metavar="FORMAT", help="Output format: table or json.")]
    = DataFormat.table,
) -> None:
    """Check config, credentials, the sheet's columns and every KR's values and JIRA link.

    Writes nothing. Exits 0 only when a pull would be clean.
    """
    with session() as run:
        from okrsync.commands.check import check as run_check

        result = run_check(run.env, run.config(config), as_of=_day(as_of))
        run.show(result, format.value)
        run.finish(result.exit_code)


class DigestFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    html = "html"
    json = "json"


@app.command()
def digest(
    config: ConfigOption = Path("okrsync.toml"),
    as_of: AsOfOption = None,
    since: Annotated[
        datetime | None,
        typer.Option("--since", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD",
                     help="What moved since this date (default: since each "
                          "department's last posted brief, or the last 7 days)."),
    ] = None,
    department: Annotated[
        str | None, typer.Option("--department", "-d", metavar="NAME",
                                 help="Only this department.")
    ] = None,
    format: Annotated[DigestFormat, typer.Option(
        "--format", "-f", metavar="FORMAT",
        help="Output format: table, markdown, html or json.")]
    = DigestFormat.table,
    post: Annotated[bool, typer.Option(
        "--post", help="Post each department's brief to its webhook ([alerts.departments], "
                       "else [alerts] webhook), in its chat tool's format.")] = False,
) -> None:
    """The weekly review brief per department: what to look at first, then each KR that
    moved, stalled, owes a value or heads below target, once."""
    with session() as run:
        from okrsync.commands.digest import digest as run_digest

        result = run_digest(run.env, run.config(config), as_of=_day(as_of),
                            since=_day(since), department=department, post=post)
        run.show(result, format.value)
        if result.failure:
            run.line("error", result.failure, exit_code=int(result.exit_code))
        run.finish(result.exit_code)


class ExplainFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"


@app.command()
def explain(
    config: ConfigOption = Path("okrsync.toml"),
    as_of: AsOfOption = None,
    row: Annotated[int | None, typer.Option("--row", metavar="ROW",
                                            help="The KR on this sheet row.")] = None,
    kr: Annotated[str | None, typer.Option("--kr", metavar="TEXT",
                                           help="The KRs whose text contains this.")] = None,
    format: Annotated[ExplainFormat, typer.Option(
        "--format", "-f", metavar="FORMAT", help="Output format: table, markdown or json.")]
    = ExplainFormat.table,
) -> None:
    """Why a KR's number is that number: the JIRA search, every issue counted, the
    arithmetic. Reads JIRA fresh for that KR; writes nothing."""
    with session() as run:
        from okrsync.commands.explain import explain as run_explain

        result = run_explain(run.env, run.config(config), row=row, text=kr, as_of=_day(as_of))
        run.show(result, format.value)
        run.finish(result.exit_code)


@app.command()
def export(
    config: ConfigOption = Path("okrsync.toml"),
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", dir_okay=False, metavar="FILE",
        help="Where to save the export (default: jira-export.json beside the config).")]
    = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace FILE even if it is not an earlier okrsync export.")] = False,
    as_of: AsOfOption = None,
) -> None:
    """Save, from a machine that reaches JIRA, exactly what the sheet's links need, into
    one file an offline pull ([jira] export) can check whole."""
    with session() as run:
        from okrsync.commands.export import export as run_export

        result = run_export(run.env, run.config(config), output=output, force=force,
                            as_of=_day(as_of))
        run.show(result)
        run.finish(result.exit_code)


@app.command()
def history(
    config: ConfigOption = Path("okrsync.toml"),
    kr: Annotated[str | None, typer.Option("--kr", metavar="TEXT",
                                                 help="Only KRs whose text contains this.")]
    = None,
    row: Annotated[int | None, typer.Option("--row", metavar="ROW",
                                                 help="Only the KR on this sheet row.")]
    = None,
    format: Annotated[HistoryFormat, typer.Option(
        "--format", "-f", metavar="FORMAT", help="Output format: table, json or csv.")]
    = HistoryFormat.table,
) -> None:
    """Show what earlier pulls changed: each value over time, from the change log."""
    with session() as run:
        from okrsync.commands.history import history as run_history

        result = run_history(run.env, run.config(config), kr, row)
        run.show(result, format.value)
        run.finish(result.exit_code)


@app.command()
def undo(
    config: ConfigOption = Path("okrsync.toml"),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be reverted.")]
    = False,
) -> None:
    """Revert the last pull's writes, keeping every cell a person changed since."""
    with session() as run:
        from okrsync.commands.history import undo as run_undo

        result = run_undo(run.env, run.config(config), dry_run=dry_run)
        run.show(result)
        run.finish(result.exit_code)


@app.command()
def overlaps(
    config: ConfigOption = Path("okrsync.toml"),
    as_of: AsOfOption = None,
    threshold: Annotated[
        float, typer.Option("--threshold", min=0, max=100, metavar="0-100",
                            help="How alike two KR texts must read, 0–100.")
    ] = 85.0,
    format: Annotated[DataFormat, typer.Option(
        "--format", "-f", metavar="FORMAT", help="Output format: table or json.")]
    = DataFormat.table,
) -> None:
    """Find KRs of different departments that count the same JIRA issues or read alike."""
    with session() as run:
        from okrsync.commands.overlaps import overlaps as run_overlaps

        result = run_overlaps(run.env, run.config(config), as_of=_day(as_of),
                              threshold=threshold)
        run.show(result, format.value)
        run.finish(result.exit_code)


@app.command()
def init(
    config: Annotated[Path, typer.Option("--config", "-c", dir_okay=False, metavar="FILE",
                                         help="Where to write the config.")]
    = Path("okrsync.toml"),
    spreadsheet: Annotated[str | None, typer.Option(
        "--spreadsheet", metavar="XLSX|URL",
        help="The dashboard: an .xlsx path or a Google Sheets URL or id.")]
    = None,
    worksheet: Annotated[str | None, typer.Option("--worksheet", metavar="TAB",
                                                  help="The tab's title.")]
    = None,
    export: Annotated[str | None, typer.Option("--export", metavar="FILE",
                                               help="A JIRA export file.")] = None,
    jira_server: Annotated[str | None, typer.Option("--jira-server", metavar="URL",
                                                         help="A live JIRA's URL.")]
    = None,
    email: Annotated[str | None, typer.Option("--email", metavar="EMAIL",
                                                   help="JIRA Cloud account e-mail.")]
    = None,
    credentials: Annotated[str | None, typer.Option(
        "--credentials", metavar="KEY|oauth|adc",
        help="Google: a service-account key file, oauth or adc.")] = None,
    create_workbook: Annotated[bool, typer.Option(
        "--create-workbook", help="Also create the .xlsx with an empty dashboard.")] = False,
    create_sheet: Annotated[bool, typer.Option(
        "--create-sheet", help="Also add a tab with an empty dashboard to the Google "
                               "spreadsheet.")] = False,
    lang: Annotated[Lang, typer.Option("--lang", metavar="ko|en",
                                       help="Headers in Korean or English.")]
    = Lang.ko,
    force: Annotated[bool, typer.Option("--force", help="Replace existing files.")] = False,
) -> None:
    """Write a config to start from (asking on a terminal), and optionally an empty
    dashboard in the usual layout."""
    with session() as run:
        from okrsync.commands.init import Answers
        from okrsync.commands.init import init as run_init
        from okrsync.sheets.refs import is_workbook

        if spreadsheet is None:
            if not run.env.interactive:
                raise typer.BadParameter(_("required when not on a terminal"),
                                         param_hint="--spreadsheet")
            spreadsheet = typer.prompt(_("Dashboard (an .xlsx path or a Google Sheets URL)"))
            source = typer.prompt(_("JIRA: an export file, a server URL, or blank for none"),
                                  default="", show_default=False)
            if source.startswith("http"):
                jira_server = source
                email = typer.prompt(_("JIRA Cloud e-mail (blank for a Server/DC token)"),
                                     default="", show_default=False) or None
            elif source:
                export = source
            if (is_workbook(spreadsheet) and not create_workbook
                    and not (config.parent / spreadsheet).exists()):
                create_workbook = typer.confirm(
                    _("{workbook} does not exist yet. Lay out an empty dashboard there?").format(
                        workbook=spreadsheet), default=True)
        answers = Answers(spreadsheet, worksheet, export, jira_server, email, credentials)
        result = run_init(run.env, config, answers, create_workbook=create_workbook,
                          create_sheet=create_sheet, lang=lang.value, force=force)
        run.show(result)
        run.finish(result.exit_code)


def main() -> None:
    # One run, then exit: Python's cycle collector would walk the tens of thousands of
    # issues a company-wide pull holds again and again (a fifth of its CPU) for the few
    # cycles it could free. Memory is still freed as it is let go; the rest at exit.
    gc.disable()
    app()
