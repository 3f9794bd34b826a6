"""Building small workbooks and configs for tests."""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

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
