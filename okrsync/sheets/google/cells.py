"""The codec between Sheets API cells (CellData, GridData) and okrsync's Grid.

How cells are read: a number is taken from the cell's effective (unformatted) value,
so a rounded display never loses precision; a cell whose number format is a
percentage is scaled to its displayed value (0.2 shown as 20% reads as 20); dates and
errors are read as they are displayed; text as typed. How they are written: numbers as
numbers and text as `stringValue`, never parsed, so a text starting with "=" stays text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import msgspec
from gspread.utils import rowcol_to_a1

from okrsync.core.grid import CellWrite, Grid, Merge, ValueKind, is_okrsync_note
from okrsync.core.values import CellValue
from okrsync.sheets.base import PERCENT_FORMAT

MAX_REQUEST_BYTES = 1_900_000
"""Google recommends at most 2 MB per request; stay under it with a margin."""


def encode_body(body: object) -> bytes:
    """A request's JSON body as sent (UTF-8, not escaped), the one encoding `batches` sizes
    and the session sends. A number that is not finite is a bug, never a blank cell (JSON
    has no NaN: msgspec would write null). Text UTF-8 cannot carry (a lone surrogate,
    which a Google cell can hold) goes as a \\u escape, as Google itself sends it."""
    try:
        return msgspec.json.encode(body)
    except UnicodeEncodeError:
        return json.dumps(body, allow_nan=False).encode()


def number_value(value: float) -> dict[str, float]:
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return {"numberValue": value}


def rgb(color: Mapping[str, float] | None) -> str | None:
    if color is None:
        return None
    return "".join(f"{round(float(color.get(c, 0)) * 255):02X}" for c in ("red", "green", "blue"))


def color(hex_rgb: str) -> dict[str, float]:
    return {name: round(int(hex_rgb[i:i + 2], 16) / 255, 4) for name, i in
            (("red", 0), ("green", 2), ("blue", 4))}


def is_percent(cell: Mapping[str, Any]) -> bool:
    number_format = (cell.get("effectiveFormat") or {}).get("numberFormat") or (
        cell.get("userEnteredFormat") or {}).get("numberFormat") or {}
    return number_format.get("type") == "PERCENT" or "%" in number_format.get("pattern", "")


def cell_value(cell: Mapping[str, Any]) -> CellValue:
    effective = cell.get("effectiveValue") or {}
    number_format = ((cell.get("effectiveFormat") or {}).get("numberFormat") or {}).get("type")
    if "numberValue" in effective and number_format not in ("DATE", "TIME", "DATE_TIME"):
        number = float(effective["numberValue"])
        return round(number * 100, 10) if is_percent(cell) else number
    if "stringValue" in effective:
        return str(effective["stringValue"])
    if "boolValue" in effective:
        return "TRUE" if effective["boolValue"] else "FALSE"
    shown = cell.get("formattedValue")
    return str(shown) if shown not in (None, "") else None


def fill_of(cell: Mapping[str, Any]) -> str | None:
    fmt = cell.get("userEnteredFormat") or {}
    style = fmt.get("backgroundColorStyle")
    if style and "rgbColor" in style:
        return rgb(style["rgbColor"])
    return rgb(fmt.get("backgroundColor")) if "backgroundColor" in fmt else None


def grid_from_data(data: Sequence[Mapping[str, Any]], merges: Sequence[Mapping[str, Any]],
                   title: str = "") -> Grid:
    """A Grid from `GridData` blocks (trailing empty cells and rows may be missing)."""
    rows: dict[int, dict[int, CellValue]] = {}
    formulas: set[tuple[int, int]] = set()
    percent: set[tuple[int, int]] = set()
    fills: dict[tuple[int, int], str] = {}
    for block in data:
        top, left = block.get("startRow", 0), block.get("startColumn", 0)
        for r, row in enumerate(block.get("rowData") or [], start=top):
            for c, cell in enumerate(row.get("values") or [], start=left):
                if not cell:
                    continue
                rows.setdefault(r, {})[c] = cell_value(cell)
                if "formulaValue" in (cell.get("userEnteredValue") or {}):
                    formulas.add((r, c))
                if is_percent(cell):
                    percent.add((r, c))
                if (fill := fill_of(cell)) is not None:
                    fills[(r, c)] = fill
    height = max(rows, default=-1) + 1
    values = []
    for r in range(height):
        cells = rows.get(r, {})
        values.append([cells.get(c) for c in range(max(cells, default=-1) + 1)])
    grid_merges = [
        Merge(m.get("startRowIndex", 0), m.get("startColumnIndex", 0), m["endRowIndex"],
              m["endColumnIndex"])
        for m in merges
    ]
    return Grid(values, grid_merges, frozenset(formulas), frozenset(percent), fills, title)


def notes_of(data: Sequence[Mapping[str, Any]]) -> dict[tuple[int, int], str]:
    """The cells' notes in `GridData` blocks, by 0-based (row, col)."""
    notes: dict[tuple[int, int], str] = {}
    for block in data:
        top, left = block.get("startRow", 0), block.get("startColumn", 0)
        for r, row in enumerate(block.get("rowData") or [], start=top):
            for c, cell in enumerate(row.get("values") or [], start=left):
                if cell and cell.get("note"):
                    notes[(r, c)] = str(cell["note"])
    return notes


def cell_data(write: CellWrite, is_percent: bool, note: str | None = None
              ) -> tuple[dict[str, Any], tuple[str, ...]]:
    """CellData for one write and the field mask it needs; `note` is the note the cell
    has now: the write's note replaces it only when it is okrsync's own."""
    data: dict[str, Any] = {}
    fields: list[str] = []
    if write.note is not None and is_okrsync_note(note):
        fields.append("note")
        if write.note:
            data["note"] = write.note
    if write.set_value:
        fields.append("userEnteredValue")
        value = write.value
        if value is None:
            pass
        elif write.kind is ValueKind.TEXT or isinstance(value, str):
            # stringValue is never parsed: a leading "=" stays text, never a formula.
            data["userEnteredValue"] = {"stringValue": str(value)}
        elif write.kind is ValueKind.PERCENT:
            data["userEnteredValue"] = number_value(value / 100)
            if not is_percent:
                data.setdefault("userEnteredFormat", {})["numberFormat"] = {
                    "type": "PERCENT", "pattern": PERCENT_FORMAT}
                fields.append("userEnteredFormat.numberFormat")
        else:
            data["userEnteredValue"] = number_value(value)
    if write.fill is not None:
        data.setdefault("userEnteredFormat", {})["backgroundColorStyle"] = {
            "rgbColor": color(write.fill)}
        fields.append("userEnteredFormat.backgroundColorStyle")
    return data, tuple(fields)


def log_cell(value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"stringValue": str(value)}}
    if isinstance(value, int | float):
        return {"userEnteredValue": number_value(value)}
    return {"userEnteredValue": {"stringValue": str(value)}}


_HEAD, _TAIL = b'{"requests":[', b"]}"


def batches(requests_: Sequence[dict[str, Any]]) -> Iterator[bytes]:
    """The bodies of batchUpdate calls that send `requests_` in order, each under
    MAX_REQUEST_BYTES: every request is encoded once, and a body is the very bytes of its
    requests."""
    parts: list[bytes] = []
    size = len(_HEAD) + len(_TAIL)
    for request in requests_:
        part = encode_body(request)
        if parts and size + len(part) + 1 > MAX_REQUEST_BYTES:
            yield _HEAD + b",".join(parts) + _TAIL
            parts, size = [], len(_HEAD) + len(_TAIL)
        parts.append(part)
        size += len(part) + 1  # and a comma
    if parts:
        yield _HEAD + b",".join(parts) + _TAIL


def column_letters(index: int) -> str:
    """0 → A, 26 → AA."""
    return rowcol_to_a1(1, index + 1).rstrip("0123456789")
