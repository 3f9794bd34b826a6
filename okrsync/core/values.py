"""Reading numbers the way people type them into an OKR sheet.

`4.5점`, `3분`, `20%`, `1,234`, `₩1,000,000`, `1.2만`, `3분 이하` are numbers;
blank, `-`, `N/A` are "no value". A percentage keeps its displayed scale:
`20%` is 20, so start, target and quarters of one KR compare as typed.
"""

from __future__ import annotations

import math
import re
import unicodedata

from okrsync.errors import KRError
from okrsync.i18n import _s

CellValue = str | float | None
"""What a sheet backend hands the core for one cell: typed text, a number, or empty."""

_EMPTY = {"", "-", "—", "–", "n/a", "na", "none", "null", "tbd", "미정", "없음"}

_MULTIPLIERS = {
    "천": 1e3,
    "만": 1e4,
    "억": 1e8,
    "조": 1e12,
    "k": 1e3,
}

# Words people add around a target: "4.5점 이상", "3분 이하", "≥ 20%".
_QUALIFIERS = re.compile(r"(이상|이하|미만|초과|까지|내외|정도|수준)$")
_COMPARATORS = re.compile(r"^(>=|<=|≥|≤|>|<|~|약|최소|최대)")

_NUMBER = re.compile(
    r"""^
    (?P<sign>[+-])?\s*
    (?P<currency>[₩$€£¥])?\s*
    (?P<digits>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*
    (?P<mult>천|만|억|조|[kK](?![a-zA-Z]))?\s*
    (?P<unit>%|[^\W\d_]{1,10})?
    $""",
    re.VERBOSE,
)


def is_blank(value: CellValue) -> bool:
    """True for a cell that holds no value: empty, `-`, `N/A` and the like."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    return _normalise(value).lower() in _EMPTY


def _normalise(text: str) -> str:
    # NFKC folds full-width digits and signs ("４．５" → "4.5"); the minus sign and
    # the non-breaking space are folded by hand.
    text = unicodedata.normalize("NFKC", text).replace("−", "-").replace("\u00a0", " ")
    return text.strip()


def _foreign_digit(text: str) -> str | None:
    """The first character of `text` that reads as a digit without being one okrsync
    reads: a superscript, subscript or circled digit (`²`, which NFKC would turn into a
    plain 2, so that `10²` read as 102), or a digit of another script (`٠`, an
    Arabic-Indic zero that looks like a dot). Full-width digits (`１２`) are ASCII digits
    typed on a CJK keyboard, and are read."""
    for char in text:
        if char.isascii():
            continue
        folded = unicodedata.normalize("NFKC", char)
        if unicodedata.category(char) == "No" or (
                unicodedata.category(char) == "Nd" and not folded.isascii()):
            return char
    return None


def parse_number(value: CellValue) -> float | None:
    """The number in a cell, or None when the cell is blank.

    Raises KRError (with the offending text) when the cell holds something that is
    neither blank nor a number.
    """
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise KRError(_s("{value} is not a finite number").format(value=repr(value)))
        return float(value)
    if (odd := _foreign_digit(str(value))) is not None:
        raise KRError(_s("{value} is not a number: {char} ({name}) is not a digit 0–9").format(
            value=repr(value), char=odd, name=unicodedata.name(odd, "?").lower()))
    text = _normalise(str(value))
    if text.lower() in _EMPTY:
        return None
    compact = _COMPARATORS.sub("", text).strip()
    compact = _QUALIFIERS.sub("", compact).strip()
    match = _NUMBER.match(compact)
    if not match:
        raise KRError(_s("{value} is not a number").format(value=repr(value)))
    number = float(match["digits"].replace(",", ""))
    if match["mult"]:
        number *= _MULTIPLIERS[match["mult"].lower()]
    if match["sign"] == "-":
        number = -number
    if not math.isfinite(number):
        raise KRError(_s("{value} is too large").format(value=repr(value)))
    return number


def unit_of(value: CellValue) -> str:
    """The unit typed with a number (`점`, `분`, `%`, `₩`), or "" when none."""
    if not isinstance(value, str):
        return ""
    text = _QUALIFIERS.sub("", _COMPARATORS.sub("", _normalise(value)).strip()).strip()
    match = _NUMBER.match(text)
    if not match:
        return ""
    return match["unit"] or match["currency"] or ""


def format_number(value: float) -> str:
    """A number as a person would read it: no trailing `.0`, at most 4 decimals."""
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")
