"""`okrsync init`: a config to start from, and optionally an empty dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from okrsync.config import load_config
from okrsync.core.template import dashboard
from okrsync.environment import Environment
from okrsync.errors import ConfigError, ExitCode
from okrsync.sheets.refs import is_workbook
from okrsync.workspace import open_sheet


@dataclass(frozen=True)
class Answers:
    spreadsheet: str
    worksheet: str | None = None
    export: str | None = None
    server: str | None = None
    email: str | None = None
    credentials: str | None = None


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def config_text(answers: Answers) -> str:
    """A commented config holding the answers; every other key shown with its default."""
    def line(key: str, value: str | None, default: str, note: str) -> str:
        prefix = "" if value else "# "
        return f"# {note}\n{prefix}{key} = {_quoted(value or default)}\n"

    google = not is_workbook(answers.spreadsheet)
    parts = [
        "# okrsync configuration (see config.example.toml for every key).\n"
        "# Paths are relative to this file.\n\n[sheet]\n",
        line("spreadsheet", answers.spreadsheet, "", "The dashboard: an .xlsx path or a "
             "Google spreadsheet id or URL."),
        line("worksheet", answers.worksheet, "OKR", "The tab's title (default: the first "
             "tab, or the one in the URL)."),
    ]
    if google:
        parts += ["\n[google]\n", line(
            "credentials", answers.credentials, "okrsync-key.json",
            "A service-account key file (share the sheet with its client_email), "
            "\"oauth\" or \"adc\".")]
    parts.append("\n[jira]\n")
    if answers.server:
        parts += [line("server", answers.server, "", "Your JIRA."),
                  line("email", answers.email, "you@example.com",
                       "JIRA Cloud: the account's e-mail (the API token goes in "
                       "$JIRA_API_TOKEN, never here)."),
                  '# For Server / Data Center with a personal access token:\n# auth = "pat"\n']
    else:
        parts += [line("export", answers.export, "jira-export.json",
                       "A JIRA export (.json or .csv), or set server = \"https://…\" instead."),
                  ]
    parts.append("\n[okr]\n# The month your OKR year starts.\nfiscal_year_start_month = 1\n")
    return "".join(parts)


def write_config(path: Path, answers: Answers, force: bool = False) -> None:
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists; pass --force to replace it")
    path.write_text(config_text(answers), encoding="utf-8")
    try:
        load_config(path)  # what init writes must load; a bad answer leaves nothing behind
    except ConfigError:
        path.unlink()
        raise


def make_workbook(path: Path, title: str, lang: str, force: bool = False) -> None:
    """An .xlsx with an empty dashboard: headers, merges, widths, frozen header, formats."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    if path.exists() and not force:
        raise ConfigError(f"{path} already exists; pass --force to replace it")
    template = dashboard(lang)
    book = Workbook()
    sheet = book.active
    sheet.title = title
    grey = PatternFill("solid", fgColor="FFD9D9D9")
    for r, row in enumerate(template.rows, start=1):
        for c, text in enumerate(row, start=1):
            cell = sheet.cell(r, c, text or None)
            cell.font = Font(bold=True)
            cell.fill = grey
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r0, c0, r1, c1 in template.merges:
        sheet.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1, end_column=c1)
    for c, width in enumerate(template.widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = width
    for col in template.percent_columns:
        for r in range(3, 203):
            sheet.cell(r, col + 1).number_format = "0%"
    sheet.freeze_panes = "D3"
    book.save(path)


@dataclass(frozen=True)
class InitResult:
    """What `init` made: the config, and the dashboard if asked for."""

    config: Path
    workbook: Path | None = None
    """The .xlsx created with an empty dashboard."""
    tab: str | None = None
    """The tab given an empty dashboard."""
    spreadsheet: str | None = None
    """The Google spreadsheet that got the new tab."""
    exit_code: ExitCode = ExitCode.OK


def init(
    env: Environment,
    config_path: Path,
    answers: Answers,
    *,
    create_workbook: bool = False,
    create_sheet: bool = False,
    lang: str = "ko",
    force: bool = False,
) -> InitResult:
    """Write the config; with `create_workbook` / `create_sheet`, lay out a dashboard."""
    if create_workbook and not is_workbook(answers.spreadsheet):
        raise ConfigError("--create-workbook: needs --spreadsheet to be an .xlsx path")
    if create_sheet and is_workbook(answers.spreadsheet):
        raise ConfigError("--create-sheet: needs --spreadsheet to be a Google spreadsheet")
    write_config(config_path, answers, force)
    settings = load_config(config_path)
    title = answers.worksheet or "OKR"
    if create_workbook:
        path = settings.path(answers.spreadsheet)
        make_workbook(path, title, lang, force)
        return InitResult(config_path, workbook=path, tab=title)
    if create_sheet:
        from okrsync.sheets.google import GoogleSheet

        backend = open_sheet(settings.model_copy(
            update={"sheet": settings.sheet.model_copy(update={"worksheet": None})}))
        assert isinstance(backend, GoogleSheet)
        try:
            backend.create_tab(title, dashboard(lang))
        finally:
            backend.close()
        return InitResult(config_path, tab=title, spreadsheet=backend.ref.id)
    return InitResult(config_path)
