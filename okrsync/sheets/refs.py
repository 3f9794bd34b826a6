"""What `[sheet] spreadsheet` names: an .xlsx workbook, or a Google spreadsheet."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ID_IN_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_GID_IN_URL = re.compile(r"[#&?]gid=(\d+)")
_PLAIN_ID = re.compile(r"^[A-Za-z0-9_-]{20,}$")

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class SpreadsheetRef:
    id: str
    gid: int | None = None


def parse_spreadsheet(text: str) -> SpreadsheetRef | None:
    """A spreadsheet id or any docs.google.com URL; None when it is neither."""
    text = text.strip()
    match = _ID_IN_URL.search(text)
    if match:
        gid = _GID_IN_URL.search(text)
        return SpreadsheetRef(match[1], int(gid[1]) if gid else None)
    if _PLAIN_ID.match(text):
        return SpreadsheetRef(text)
    return None


def is_workbook(text: str) -> bool:
    return text.strip().lower().endswith(WORKBOOK_SUFFIXES)
