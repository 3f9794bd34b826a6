"""Text from a sheet or from JIRA is data: shown as it is, never run or interpreted.

Cells and JIRA answers may hold anything a person (or an attacker) typed: terminal
escape sequences, a lone surrogate, characters XML does not allow. `clean` makes such
text safe to print, to write into a sheet and to encode, while keeping it readable:
control characters become visible symbols (ESC → ␛, BEL → ␇, CR → ␍), a lone
surrogate becomes its escape (`\\ud800`).
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
                      r"|[\ud800-\udfff]")
_NEWLINES = re.compile(r"\r\n|\n")


def _visible(match: re.Match[str]) -> str:
    char = match[0]
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\\u{code:04x}" if code > 0xFF else f"\\x{code:02x}"


def clean(text: str, *, one_line: bool = False) -> str:
    """`text` with control characters, bidi overrides and lone surrogates made visible.

    Tabs and newlines are kept (a KR text may span lines), or with `one_line` become
    spaces.
    """
    if one_line:
        text = _NEWLINES.sub(" ", text).replace("\t", " ")
    return _CONTROL.sub(_visible, text)
