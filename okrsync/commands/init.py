"""`okrsync init`: a config to start from, and optionally an empty dashboard."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from okrsync.config import load_config
from okrsync.core.template import dashboard
from okrsync.environment import Environment
from okrsync.errors import ConfigError, ExitCode
from okrsync.i18n import _
from okrsync.sheets.refs import is_workbook, parse_spreadsheet
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
    """A commented config holding the answers; every other key shown with its default.
    The comments are in the person's language."""
    def line(key: str, value: str | None, default: str, note: str) -> str:
        prefix = "" if value else "# "
        return f"# {note}\n{prefix}{key} = {_quoted(value or default)}\n"

    google = not is_workbook(answers.spreadsheet)
    parts = [
        "# " + _("okrsync configuration (see config.example.toml for every key).") + "\n"
        "# " + _("Paths are relative to this file.") + "\n\n[sheet]\n",
        line("spreadsheet", answers.spreadsheet, "",
             _("The dashboard: an .xlsx path or a Google spreadsheet id or URL.")),
        line("worksheet", answers.worksheet, "OKR",
             _("The tab's title (default: the first tab, or the one in the URL).")),
    ]
    if google:
        parts += ["\n[google]\n", line(
            "credentials", answers.credentials, "okrsync-key.json",
            _("A service-account key file (share the sheet with its client_email), "
              "\"oauth\" or \"adc\"."))]
    parts.append("\n[jira]\n")
    if answers.server:
        parts += [line("server", answers.server, "", _("Your JIRA.")),
                  line("email", answers.email, "you@example.com",
                       _("JIRA Cloud: the account's e-mail (the API token goes in "
                         "$JIRA_API_TOKEN, never here).")),
                  "# " + _("For Server / Data Center with a personal access token:")
                  + '\n# auth = "pat"\n']
    else:
        parts += [line("export", answers.export, "jira-export.json",
                       _("A JIRA export (.json or .csv), or set server = \"https://…\" "
                         "instead.")),
                  ]
    parts.append("\n[okr]\n# " + _("The month your OKR year starts.")
                 + "\nfiscal_year_start_month = 1\n")
    return "".join(parts)


def write_config(path: Path, answers: Answers, force: bool = False) -> None:
    if path.exists() and not force:
        raise ConfigError(_("{path} already exists; pass --force to replace it").format(
            path=path))
    path.write_text(config_text(answers), encoding="utf-8")
    try:
        load_config(path)  # what init writes must load; a bad answer leaves nothing behind
    except ConfigError:
        path.unlink()
        raise


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
    missing: Path | None = None
    """The .xlsx the config names, which does not exist yet (and was not created)."""
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
        raise ConfigError(_("--create-workbook: needs --spreadsheet to be an .xlsx path"))
    if create_sheet and is_workbook(answers.spreadsheet):
        raise ConfigError(_("--create-sheet: needs --spreadsheet to be a Google spreadsheet"))
    write_config(config_path, answers, force)
    settings = load_config(config_path)
    title = answers.worksheet or "OKR"
    if not (create_workbook or create_sheet):
        workbook = settings.path(answers.spreadsheet)
        missing = is_workbook(answers.spreadsheet) and not workbook.exists()
        return InitResult(config_path, missing=workbook if missing else None)
    target = settings.model_copy(
        update={"sheet": settings.sheet.model_copy(update={"worksheet": None})})
    with closing(open_sheet(target, env)) as backend:
        backend.create_dashboard(title, dashboard(lang), replace=force)
    if create_workbook:
        return InitResult(config_path, workbook=Path(answers.spreadsheet), tab=title)
    ref = parse_spreadsheet(answers.spreadsheet)
    return InitResult(config_path, tab=title, spreadsheet=ref.id if ref else None)
