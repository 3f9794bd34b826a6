"""What several commands share: naming the sheet to other people, choosing a department."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from okrsync.config import Config
from okrsync.core.plan import Assessment
from okrsync.errors import ConfigError
from okrsync.i18n import _
from okrsync.sheets.refs import is_workbook


def shared_name(config: Config) -> str:
    """The sheet as a message for other people names it: no local path (a chat post or a
    shared document must not show where a file lies on the PM's machine)."""
    sheet = config.sheet
    name = Path(sheet.spreadsheet).name if is_workbook(sheet.spreadsheet) else sheet.spreadsheet
    return f"{name} [{sheet.worksheet}]" if sheet.worksheet else name


def known_department(assessments: Iterable[Assessment], department: str) -> None:
    """ConfigError naming the sheet's departments when it has no `department`
    (compared without case, as `--department` is)."""
    found = sorted({a.kr.department for a in assessments if a.kr.department})
    if not any(name.casefold() == department.casefold() for name in found):
        raise ConfigError(_("--department: no department {department}; the sheet has: "
                            "{known}").format(department=repr(department),
                                              known=", ".join(found)))
