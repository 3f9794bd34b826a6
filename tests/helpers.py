"""Building small workbooks and configs for tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

EN_HEADER = ["Department", "Objective", "Key Result", "Owner", "Start", "Target",
             "Q1", "Q2", "Q3", "Q4", "Achievement", "JIRA", "JIRA metric", "Status",
             "Last synced"]


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


def issue(key: str, category: str, parent: str | None = None, **fields: Any) -> dict[str, Any]:
    """One issue as JIRA's REST search returns it."""
    body: dict[str, Any] = {
        "status": {"name": category, "statusCategory": {"key": category}},
        "project": {"key": key.split("-")[0]},
        "issuetype": {"name": "Story"},
        **fields,
    }
    if parent:
        body["parent"] = {"key": parent}
    return {"key": key, "fields": body}
