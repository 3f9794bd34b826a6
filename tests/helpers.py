"""Building small workbooks and configs for tests."""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from okrsync.config import load_config
from okrsync.environment import Environment
from okrsync.sync import run_pull
from tests.standins.jira import JiraStandIn
from tests.standins.sheets import SheetsStandIn

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
"""The bundled example workbook, export and config."""

EN_HEADER = ["Department", "Objective", "Key Result", "Owner", "Start", "Target",
             "Q1", "Q2", "Q3", "Q4", "Achievement", "JIRA", "JIRA metric", "Status",
             "Last synced"]
KO_HEADER = ["부서", "목표", "Key Result", "담당자", "시작값", "목표값", "1Q", "2Q", "3Q", "4Q",
             "달성률", "JIRA 연동", "JIRA 기준", "상태", "마지막 동기화"]


def make_workbook(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    merges: Sequence[str] = (),
    title: str = "OKR",
    number_formats: dict[str, str] | None = None,
) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for merge in merges:
        sheet.merge_cells(merge)
    for address, number_format in (number_formats or {}).items():
        sheet[address].number_format = number_format
    book.save(path)
    return path


def write_config(folder: Path, workbook: str, export: str | None = None, **okr: Any) -> Path:
    lines = ["[sheet]", f'spreadsheet = "{workbook}"']
    if export:
        lines += ["[jira]", f'export = "{export}"']
    if okr:
        lines.append("[okr]")
        lines += [f"{key} = {value}" for key, value in okr.items()]
    path = folder / "okrsync.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def snapshot(path: Path) -> dict[str, dict[str, Any]]:
    """Every cell of every sheet: value, number format, fill, font, border, plus layout."""
    book = load_workbook(path)
    result: dict[str, dict[str, Any]] = {}
    for sheet in book.worksheets:
        cells: dict[str, Any] = {}
        for row in sheet.iter_rows():
            for cell in row:
                cells[cell.coordinate] = (
                    cell.value, cell.data_type, cell.number_format,
                    cell.fill.fill_type, str(cell.fill.fgColor.rgb),
                    cell.font.b, str(cell.border.left.style), cell.alignment.wrap_text,
                )
        cells["_merged"] = sorted(str(r) for r in sheet.merged_cells.ranges)
        cells["_widths"] = {k: v.width for k, v in sheet.column_dimensions.items()}
        cells["_freeze"] = sheet.freeze_panes
        result[sheet.title] = cells
    return result


CATEGORY = {"new": (2, "blue-gray", "To Do"), "indeterminate": (4, "yellow", "In Progress"),
            "done": (3, "green", "Done")}
SITE = "https://acme.atlassian.net"


def issue_id(key: str) -> str:
    """A stable numeric id for a key, as JIRA gives every issue one."""
    return str(10000 + zlib.crc32(key.encode()) % 900000)


def status(category: str, name: str | None = None) -> dict[str, Any]:
    """A `status` object as JIRA Cloud returns it, with its status category."""
    number, color, label = CATEGORY[category]
    return {"self": f"{SITE}/rest/api/3/status/{number}", "description": "",
            "iconUrl": f"{SITE}/", "name": name or label, "id": str(number),
            "statusCategory": {"self": f"{SITE}/rest/api/3/statuscategory/{number}",
                               "id": number, "key": category, "colorName": color,
                               "name": label}}


def issuetype(name: str = "Story", level: int = 0) -> dict[str, Any]:
    return {"self": f"{SITE}/rest/api/3/issuetype/1000{level + 1}", "id": f"1000{level + 1}",
            "description": "", "iconUrl": f"{SITE}/", "name": name, "subtask": level < 0,
            "avatarId": 10315, "hierarchyLevel": level}


def issue(key: str, category: str, parent: str | None = None, **fields: Any) -> dict[str, Any]:
    """One issue as JIRA Cloud's REST search (`/rest/api/3/search/jql`) returns it."""
    project = key.split("-")[0]
    body: dict[str, Any] = {
        "summary": f"{key} work",
        "status": status(category),
        "project": {"self": f"{SITE}/rest/api/3/project/{project}", "id": issue_id(project),
                    "key": project, "name": project, "projectTypeKey": "software",
                    "simplified": False},
        "issuetype": issuetype(),
        **fields,
    }
    if parent:
        body["parent"] = {"id": issue_id(parent), "key": parent,
                          "self": f"{SITE}/rest/api/3/issue/{issue_id(parent)}",
                          "fields": {"summary": f"{parent} work", "status": status("new"),
                                     "issuetype": issuetype("Epic", 1)}}
    return {"expand": "", "id": issue_id(key), "self": f"{SITE}/rest/api/3/issue/"
            f"{issue_id(key)}", "key": key, "fields": body}


class FakeTime:
    """A monotonic clock that moves only when a retry sleeps (or a test says so): hand
    it to a policy (`sleep=fake.sleep, clock=fake.clock`) or to a whole command
    (okrsync.net.waiting, the `fake_time` fixture); `slept` lists the waits asked."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.slept.append(seconds)
        self.now += seconds


def team(folder: Path, done: int, *, webhook: str | None = None, stale: int = 30) -> Path:
    """A team's dashboard: one KR linked to the 10 stories of E-1 (`done` of them done)
    and one manual KR; the workbook is made once, the export and config every call.
    Returns the config's path."""
    if not (folder / "okr.xlsx").exists():
        make_workbook(folder / "okr.xlsx", [
            EN_HEADER,
            ["Eng", "Ship", "Stories done", "Kim", "0%", "100%", "20%", "50%", None, None,
             None, "E-1"],
            ["Eng", "Ship", "Manual KR", "Lee", 0, 10, 3, 6],
        ])
    export = {"issues": [issue(f"S-{n}", "done" if n < done else "new", "E-1")
                         for n in range(10)]}
    (folder / "export.json").write_text(json.dumps(export))
    lines = ['[sheet]\nspreadsheet = "okr.xlsx"', '[jira]\nexport = "export.json"',
             f"[alerts]\nstale_after_days = {stale}"]
    if webhook:
        lines.append(f'webhook = "{webhook}"')
    config = folder / "okrsync.toml"
    config.write_text("\n".join(lines) + "\n")
    config.chmod(0o600)
    return config


# ---------------------------------------------------------------- Google Sheets and JIRA

GOOGLE_BOOK = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
"""The spreadsheet id tests give the Sheets stand-in."""

AS_OF_DATE = date(2024, 8, 20)
"""The day the bundled example is pulled on in tests."""

JIRA_TOKEN = "s3cr3t-T0KEN-4f9a"
"""The JIRA token tests use (from OKRSYNC_TEST_TOKEN); no output may show it."""


def xlsx_rows(path: Path, tab: str):
    """The example workbook as a person would have typed it into Google Sheets."""
    sheet = load_workbook(path)[tab]
    rows, formats = [], {}
    for r, row in enumerate(sheet.iter_rows()):
        line = []
        for c, cell in enumerate(row):
            value = cell.value
            if isinstance(value, str) and value.startswith("="):
                value = {"formula": value, "value": "9개 KR"}
            line.append(value)
            if "%" in (cell.number_format or "") and isinstance(value, int | float):
                formats[(r, c)] = {"numberFormat": {"type": "PERCENT", "pattern": "0%"}}
        rows.append(line)
    merges = [(m.min_row - 1, m.min_col - 1, m.max_row, m.max_col)
              for m in sheet.merged_cells.ranges]
    return rows, merges, formats


def google_dashboard(api: SheetsStandIn, folder: Path, rows: Any = None, *,
                     tab: str = "2024 OKR", merges: Any = (), formats: Any = None,
                     export: str | None = "jira-export.json", shared: bool = True,
                     url: bool = True) -> Path:
    """The bundled example (or `rows`) as a Google spreadsheet on the stand-in `api`, and
    a config in `folder` that reads it (with the bundled JIRA export, unless `export`)."""
    key = api.service_account()
    (folder / "key.json").write_text(json.dumps(key))
    (folder / "key.json").chmod(0o600)
    api.add_spreadsheet(GOOGLE_BOOK, "OKR 2024",
                        shared_with={key["client_email"]} if shared else set())
    if rows is None:
        rows, merges, formats = xlsx_rows(EXAMPLES / "okr-dashboard.xlsx", "2024 OKR")
        (folder / "jira-export.json").write_text(
            (EXAMPLES / "jira-export.json").read_text(encoding="utf-8"), encoding="utf-8")
    api.add_sheet(GOOGLE_BOOK, "운영 가이드", [["가이드"]], sheet_id=0)
    api.add_sheet(GOOGLE_BOOK, tab, rows, sheet_id=777, merges=list(merges), formats=formats)
    spreadsheet = (f"https://docs.google.com/spreadsheets/d/{GOOGLE_BOOK}/edit#gid=777" if url
                   else GOOGLE_BOOK)
    config = folder / "okrsync.toml"
    config.write_text(
        f'[sheet]\nspreadsheet = "{spreadsheet}"\n'
        + ("" if url else f'worksheet = "{tab}"\n')
        + f'[google]\ncredentials = "key.json"\napi_endpoint = "{api.url}"\n'
        + "max_retry_seconds = 2\n"
        + (f'[jira]\nexport = "{export}"\n' if export else ""),
        encoding="utf-8")
    return config


def live_config(folder: Path, jira: JiraStandIn, workbook: str = "okr-dashboard.xlsx",
                **extra: object) -> Path:
    auth = 'email = "pm@acme.example"' if jira.cloud else 'auth = "pat"'
    lines = [f'[sheet]\nspreadsheet = "{workbook}"', "[jira]", f'server = "{jira.url}"', auth,
             'token_env = "OKRSYNC_TEST_TOKEN"', "max_retry_seconds = 3"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in extra.items()]
    path = folder / "live.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- pulls in tests


def jira_env(cache: Path | None, now: datetime | None = None) -> Environment:
    """The run's environment: with a JIRA cache folder (a nightly pull reads what changed)
    or none (a full read), and okrsync's own clock at `now`."""
    env = replace(Environment.from_system(), cache_dir=cache)
    return env if now is None else replace(env, clock=lambda: now)


def dry_pull(config: Path, env: Environment, now: datetime | None = None) -> Any:
    """A dry-run pull on AS_OF_DATE (okrsync's clock at `now`)."""
    if now is not None:
        env = replace(env, clock=lambda: now)
    return run_pull(load_config(config), AS_OF_DATE, env=env, dry_run=True)


def pulled_values(config: Path, env: Environment, now: datetime | None = None
                  ) -> dict[str, object]:
    """Each KR's JIRA value and problems, by its text, from a dry-run pull."""
    result = dry_pull(config, env, now)
    return {a.kr.text: (a.jira_value, tuple(a.problems)) for a in result.state.assessments}


def live_dashboard(folder: Path, jira: JiraStandIn, krs: list[tuple[str, str, Any, Any]]
                   ) -> Path:
    """A workbook of KRs (link, metric, start, target) read against the JIRA stand-in."""
    rows = [["Eng", "O", f"KR {n}", "", start, target, None, None, None, None, None, link,
             metric] for n, (link, metric, start, target) in enumerate(krs)]
    make_workbook(folder / "okr.xlsx", [EN_HEADER, *rows])
    return live_config(folder, jira, "okr.xlsx")


def unestimated_dashboard(folder: Path, header: list[str]) -> Path:
    """One points_ratio KR over DLV-100, whose children hold 5, 3, no and 2 points (the
    one without is counted as 0 points, as JIRA counts it)."""
    make_workbook(folder / "okr.xlsx", [header, [
        "Eng", "O", "Delivery", "", "0%", "100%", None, None, None, None, None, "DLV-100",
        "points_ratio"]])
    children = [issue("DLV-310", "done", "DLV-100", customfield_10016=5),
                issue("DLV-311", "indeterminate", "DLV-100", customfield_10016=3),
                issue("DLV-316", "new", "DLV-100", customfield_10016=None),
                issue("DLV-317", "done", "DLV-100", customfield_10016=2)]
    (folder / "export.json").write_text(json.dumps({
        "issues": children, "names": {"customfield_10016": "Story point estimate"},
        "isLast": True}), encoding="utf-8")
    return write_config(folder, "okr.xlsx", "export.json")


def finish_children(folder: Path, done: int) -> None:
    """`done` more children of CX-100 in the bundled export finish in JIRA."""
    path = folder / "jira-export.json"
    export = json.loads(path.read_text(encoding="utf-8"))
    for raw in export["issues"]:
        fields = raw["fields"]
        if (done and (fields.get("parent") or {}).get("key") == "CX-100"
                and fields["status"]["statusCategory"]["key"] != "done"):
            fields["status"]["statusCategory"]["key"] = "done"
            done -= 1
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
