"""An .xlsx workbook as the dashboard, through openpyxl.

Reading loads the workbook twice: once for the values Excel last calculated
(`data_only`), once as written (formulas, styles) to write back into. Writing
changes only the cells in the plan, appends to the `okrsync log` sheet, saves to
a temporary file beside the workbook and renames it over the original, so a
crash never leaves a half-written file.

Before anything is written, and again just before the rename, the file about to be
replaced is checked: a workbook someone saved since the read, that is open in Excel or
LibreOffice (their owner/lock file is beside it), that is read-only, or (with
`--output`) a file that is not an earlier okrsync copy of this workbook is never
replaced.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import socket
import stat
import sys
import tempfile
import time as clock
import traceback
import uuid
import warnings
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.packaging.custom import CustomPropertyList, StringProperty
from openpyxl.styles import PatternFill
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import fromstring

from okrsync.core.grid import (
    CellWrite,
    Grid,
    Merge,
    ValueKind,
    a1,
    is_okrsync_note,
    parse_a1,
)
from okrsync.core.layout import HEADER_SEARCH_ROWS
from okrsync.core.template import Template
from okrsync.core.values import CellValue
from okrsync.errors import ConfigError, SourceError, log
from okrsync.i18n import _, _s
from okrsync.sheets.base import (
    LOG_HEADER,
    LOG_TAB,
    PERCENT_FORMAT,
    LogRecord,
    SheetBackend,
    WriteReport,
)
from okrsync.sheets.package import check_sizes, lost_on_save, merges_in, sheet_tail

COPY_PROPERTY = "okrsync copy of"
"""The custom document property marking a workbook written with --output: the file name
of the workbook it is a copy of. Only such a copy is replaced without --force."""

IDENTITY_PROPERTY = "okrsync id"
"""The custom document property holding the workbook's identity (a UUID), written when
okrsync writes the workbook anyway: it survives every save, in okrsync or in Excel, and a
copy to another machine, where the file's inode and path do not."""
_IDENTITY_NAMESPACE = uuid.UUID("6f1d3c52-8a3e-4f7b-9a53-0c2b5e7d9f41")

TEMP_SUFFIX = ".xlsx"
STALE_TEMP_SECONDS = 600
"""A temporary file of okrsync's older than this was left by a run that was killed."""


def _is_percent(number_format: str) -> bool:
    # Quoted text in a format ("0.0\"%p\"") is literal, not a percentage.
    unquoted = "".join(part for i, part in enumerate(number_format.split('"')) if i % 2 == 0)
    return "%" in unquoted


def _value(cell: Cell | MergedCell, percent: bool | None = None) -> CellValue:
    value: Any = cell.value
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        number = float(value)
        if percent is None:
            percent = _is_percent(cell.number_format or "")
        # Rounded so that 0.55 formatted as 55% reads as 55, not 55.00000000000001.
        return round(number * 100, 10) if percent else number
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _fill(cell: Cell | MergedCell) -> str | None:
    fill = cell.fill
    if fill is None or fill.fill_type != "solid":
        return None
    color = fill.fgColor
    if color is None or color.type != "rgb" or not isinstance(color.rgb, str):
        return None
    return color.rgb[-6:].upper()


class XlsxSheet(SheetBackend):
    """One worksheet of an .xlsx workbook. `output` writes elsewhere, keeping the original.

    An `output` that is the workbook itself (under any spelling, or through a symlink) is
    an in-place write, with every guard of one. An `output` naming another existing file
    replaces it only when it is an earlier okrsync copy of this workbook, or with `force`.
    """

    def __init__(self, path: Path, worksheet: str | None = None, output: Path | None = None,
                 force: bool = False, shown: str | None = None):
        self.path = path
        self.shown = shown or str(path)
        """The workbook as messages name it: as the config spells it."""
        self.worksheet = worksheet
        self.output = None if output is None or _same_file(output, path) else output
        self.force = force
        self._book: Workbook | None = None
        """The workbook as written (formulas, styles): what a pull writes into."""
        self._values_book: Workbook | None = None
        """The values Excel last calculated."""
        self.identity = workbook_identity(path)
        """What the workbook is (workbook_identity), kept in it on every save."""
        self._stamp: tuple[int, int] | None = None

    @property
    def name(self) -> str:
        tab = f" [{self.worksheet}]" if self.worksheet else ""
        if self.output is not None:
            return _("{output} (a copy of {workbook})").format(output=self.output,
                                                               workbook=f"{self.shown}{tab}")
        return f"{self.shown}{tab}"

    @property
    def _keeps_vba(self) -> bool:
        return self.path.suffix.lower() == ".xlsm"

    def _load(self, data_only: bool, read_only: bool = False) -> Workbook:
        """The workbook through openpyxl, once its package passed the size checks. What
        openpyxl warns about while loading (extensions it will drop) is okrsync's to
        tell, before writing (`write`), never a raw warning."""
        check_sizes(self.path)
        try:
            with _quiet():
                # keep_vba: a macro-enabled workbook (.xlsm) keeps its macros when saved.
                return load_workbook(self.path, data_only=data_only, read_only=read_only,
                                     keep_vba=not read_only and self._keeps_vba)
        except FileNotFoundError:
            raise SourceError(_("workbook {path} does not exist").format(path=self.path)
                              ) from None
        except _UNREADABLE as error:
            raise self._unreadable(error) from None

    def _unreadable(self, error: BaseException) -> SourceError:
        return SourceError(_("workbook {path} cannot be read as .xlsx: {error}").format(
            path=self.path, error=str(error).split("\n")[0] or error.__class__.__name__))

    def _sheet(self, book: Workbook) -> Any:
        if self.worksheet is None:
            for sheet in book.worksheets:
                if sheet.title != LOG_TAB:
                    return sheet
            raise SourceError(_("workbook {path} has no worksheet").format(path=self.path))
        if self.worksheet not in book.sheetnames:
            tabs = ", ".join(repr(t) for t in book.sheetnames if t != LOG_TAB)
            raise SourceError(_("workbook {path} has no tab {tab}; its tabs are: {tabs}").format(
                path=self.path, tab=repr(self.worksheet), tabs=tabs))
        sheet = book[self.worksheet]
        assert isinstance(sheet, Worksheet | ReadOnlyWorksheet)
        return sheet

    def _file_stamp(self) -> tuple[int, int]:
        stat = self.path.stat()
        return stat.st_mtime_ns, stat.st_size

    def read(self, *, for_writing: bool = True) -> Grid:
        """The worksheet, from a streaming read of this one sheet: the change-log tab,
        however long, is not parsed. Formulas, formats and fills come from the cells as
        written; a formula's value is the one Excel last calculated (a second streaming
        read, only when the sheet has formulas). The workbook is loaded to be written
        into only when a pull has something to write (`write`).

        Only the used range is read: the columns up to the last one holding anything in
        the rows where a header can be (USED_RANGE_ROWS); a stray value far to the right
        below them (at column XFD, say) is neither read nor padded up to."""
        if not self.path.exists():
            raise SourceError(_("workbook {path} does not exist").format(path=self.path))
        self._stamp = self._file_stamp()
        self._book = None
        book = self._values_book = self._load(data_only=False, read_only=True)
        sheet = self._sheet(book)
        rows: list[list[CellValue]] = []
        formulas: set[tuple[int, int]] = set()
        percent: set[tuple[int, int]] = set()
        fills: dict[tuple[int, int], str] = {}
        is_percent: dict[str, bool] = {}
        fill_of: dict[int, str | None] = {}
        try:
            with _quiet():
                for r, cells in enumerate(_used_rows(sheet)):
                    row: list[CellValue] = []
                    for c, cell in enumerate(cells):
                        number_format = cell.number_format or ""
                        if number_format not in is_percent:
                            is_percent[number_format] = _is_percent(number_format)
                        if is_percent[number_format]:  # empty cells too: JIRA's value may go
                            percent.add((r, c))
                        if cell.data_type == "f":
                            formulas.add((r, c))
                            row.append(None)  # its calculated value is read below
                        else:
                            row.append(_value(cell, is_percent[number_format]))
                        style = getattr(cell, "style_array", None)
                        fill_id = style.fillId if style is not None else -1  # a default style
                        if fill_id not in fill_of:
                            fill_of[fill_id] = _fill(cell)
                        if (color := fill_of[fill_id]) is not None:
                            fills[(r, c)] = color
                    rows.append(row)
                merges = _merges_of(book, sheet)
        except _UNREADABLE as error:
            raise self._unreadable(error) from None
        if formulas:
            self._calculated(rows, formulas, percent)
        return Grid(rows, merges, frozenset(formulas), frozenset(percent), fills, sheet.title)

    def _calculated(self, rows: list[list[CellValue]], formulas: set[tuple[int, int]],
                    percent: set[tuple[int, int]]) -> None:
        """Put the values Excel last calculated into the formula cells of `rows`."""
        book = self._load(data_only=True, read_only=True)
        width = max(len(row) for row in rows)
        try:
            sheet = self._sheet(book)
            sheet.reset_dimensions()
            with _quiet():
                for r, cells in enumerate(sheet.iter_rows(max_row=len(rows), max_col=width)):
                    for c, cell in enumerate(cells):
                        if (r, c) in formulas:
                            rows[r][c] = _value(cell, (r, c) in percent)
        except _UNREADABLE as error:
            raise self._unreadable(error) from None
        finally:
            book.close()

    def close(self) -> None:
        if self._values_book is not None:
            self._values_book.close()  # a streaming read keeps the file open
            self._values_book = None

    @property
    def writes_a_copy(self) -> bool:
        return self.output is not None

    def write(self, writes: Sequence[CellWrite], log: Sequence[LogRecord],
              header_rows: Sequence[int] = ()) -> WriteReport:
        if self._stamp is None:
            raise RuntimeError("read() must come before write()")
        # What was read is loaded to write into: it must still be what was read.
        self._check_unchanged()
        self.close()  # the streaming read is done; this file is about to be replaced
        if self.output is None and (lost := lost_on_save(self.path, keep_vba=self._keeps_vba)):
            raise SourceError(_(
                "workbook {path} contains {parts}, which openpyxl (the library okrsync saves "
                "workbooks with) cannot keep: saving it would delete them, so okrsync does "
                "not overwrite it. Nothing was written. To go on, write a copy with --output "
                "(the copy will not have them), or move them to another workbook, or keep "
                "the dashboard in Google Sheets.").format(path=self.path, parts=lost))
        self._book = self._load(data_only=False)
        self._check_target()
        sheet = self._sheet(self._book)
        report = WriteReport()
        applied = 0
        for write in writes:
            cell = sheet.cell(write.row + 1, write.col + 1)
            if isinstance(cell, MergedCell):
                report.skipped[(write.row, write.col)] = _s(
                    "not written: {cell} is inside the merged cells {merged}; unmerge them or "
                    "move the column").format(cell=cell.coordinate,
                                              merged=_merge_around(sheet, cell))
                continue
            if write.set_value:
                _set_value(cell, write.value, write.kind)
            if write.fill is not None:
                cell.fill = PatternFill(fill_type="solid", fgColor="FF" + write.fill)
            if write.note is not None:
                _set_note(cell, write.note)
            applied += 1
        if writes and not applied:  # every cell refused: nothing is written, no log line
            return report
        if report.skipped:  # only the cells actually written are logged
            skipped = {a1(row, col) for row, col in report.skipped}
            log = [record for record in log if record.cell not in skipped]
        if log:
            _append_log(self._book, log)
        if applied or log or self.output is not None:
            self._save(self._book)
        return report

    def _check_unchanged(self) -> None:
        """Stop when someone saved the workbook since it was read."""
        try:
            stamp: tuple[int, int] | None = self._file_stamp()
        except OSError:
            stamp = None
        if stamp != self._stamp:
            raise SourceError(_(
                "workbook {path} was changed by someone else while okrsync ran; nothing was "
                "written. Run the pull again.").format(path=self.path))

    def _check_target(self) -> None:
        """Stop unless the file about to be written may be replaced (see the class doc)."""
        in_place = self.output is None
        target = self.output or self.path
        what = (_("workbook {path}") if in_place else _("--output file {path}")).format(
            path=target)
        instead = (_("write a copy with --output") if in_place
                   else _("choose another --output file"))
        folder = target.resolve().parent
        if not folder.is_dir():
            raise SourceError(_(
                "cannot write {target}: the folder {folder} does not exist. Nothing was "
                "written. Create the folder, or {instead}.").format(
                target=target, folder=target.parent, instead=instead))
        if not _writable(folder):
            raise SourceError(_(
                "cannot write {target}: okrsync may not create files in the folder {folder} "
                "(it saves to a temporary file there, then renames it over {name}). Nothing "
                "was written. Make the folder writable, or {instead}.").format(
                target=target, folder=folder, name=target.name, instead=instead))
        if not in_place and target.is_symlink():
            # Never written through: the link is replaced itself, and only with --force.
            if not self.force:
                raise ConfigError(_(
                    "--output file {target} is a symbolic link (to {link}); okrsync never "
                    "writes through a link. Nothing was written. Choose another --output "
                    "file, or add --force to replace the link itself (not what it points "
                    "to).").format(target=target, link=os.readlink(target)))
            return
        if not target.exists():
            return
        if not in_place and not self.force and _copy_of(target) != self.path.name:
            raise ConfigError(_(
                "--output file {target} already exists and is not a copy of {name} written by "
                "okrsync; nothing was written. Choose another --output file, or add --force to "
                "replace it.").format(target=target, name=self.path.name))
        for owner, program in _owner_files(target):
            raise SourceError(_(
                "{what} is open in {program} ({owner} is beside it); nothing was written. "
                "Close it in {program} and run the pull again, or {instead}. (If it is open "
                "nowhere, {owner} was left behind by a crash: delete it.)").format(
                what=what, program=program, owner=owner, instead=instead))
        if not _writable(target):
            raise SourceError(_(
                "{what} is read-only; nothing was written. Make it writable (chmod u+w "
                "{target}) if okrsync should update it, or {instead}.").format(
                what=what, target=target, instead=instead))

    def _save(self, book: Workbook) -> None:
        """Save to a new temporary file beside the target, then rename it over the target.

        In place, through a symlink, the file the link points to is updated, and keeps its
        permissions and, where okrsync may give it, its owner and group. An --output path is
        never followed: a link there is replaced itself (with --force). A new --output file
        gets the permissions the umask gives any new file. The temporary file is written
        through the descriptor that created it, never reopened by name."""
        target = self.output or self.path
        real = target.resolve() if self.output is None else target
        _remove_stale_temps(real)
        _mark_identity(book, self.identity)
        if self.output is not None:
            _mark_copy(book, self.path.name)
        try:
            before = real.stat() if not real.is_symlink() else None
        except OSError:
            before = None
        try:
            handle, temp = tempfile.mkstemp(prefix=f".{real.stem}.", suffix=TEMP_SUFFIX,
                                            dir=real.parent)
        except OSError as error:
            raise SourceError(_(
                "cannot write {target}: okrsync cannot create a file in the folder {folder} "
                "({error}). Nothing was written.").format(
                target=target, folder=target.parent, error=error.strerror or error)) from None
        try:
            with os.fdopen(handle, "w+b") as stream:
                try:
                    book.save(stream)
                    stream.flush()
                    os.fsync(stream.fileno())
                except OSError as error:
                    reason = error.strerror or str(error)
                    _let_go(error)
                    raise SourceError(_(
                        "cannot save {target}: {error}. Nothing was written; free some space "
                        "or fix the folder, and run the pull again.").format(
                        target=target, error=reason)) from None
                _keep_mode_and_owner(stream.fileno(), before, real)
            # The last moment: saving a big workbook takes a while, and a person may have
            # saved theirs, or opened it, meanwhile.
            if self.output is None:
                self._check_unchanged()
            self._check_target()
            try:
                os.replace(temp, real)
            except OSError as error:
                raise SourceError(_(
                    "cannot replace {target}: {error} (is it open in another program?). "
                    "Nothing was written; close it and run the pull again.").format(
                    target=target, error=error.strerror or error)) from None
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        if self.output is None:
            self._stamp = self._file_stamp()

    def read_log(self) -> list[LogRecord]:
        book = self._book or self._values_book
        if book is None:
            book = self._values_book = self._load(data_only=False, read_only=True)
        if LOG_TAB not in book.sheetnames:
            return []
        sheet = book[LOG_TAB]
        if isinstance(sheet, ReadOnlyWorksheet):
            sheet.reset_dimensions()
        return [record for row in sheet.iter_rows(min_row=2, values_only=True)
                if (record := LogRecord.from_cells(row)) is not None]

    def create_dashboard(self, title: str, template: Template, *, replace: bool = False
                         ) -> None:
        """A new workbook at `path` with an empty dashboard in tab `title`: headers,
        merges, widths, frozen header and formats. An existing file is replaced only
        with `replace`."""
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter

        if self.path.exists() and not replace:
            raise ConfigError(_("{path} already exists; pass --force to replace it").format(
                path=self.path))
        book = Workbook()
        sheet = book.active
        assert isinstance(sheet, Worksheet)
        sheet.title = title
        grey = PatternFill("solid", fgColor="FFD9D9D9")
        for r, row in enumerate(template.rows, start=1):
            for c, text in enumerate(row, start=1):
                cell = sheet.cell(r, c, text or None)
                cell.font = Font(bold=True)
                cell.fill = grey
                cell.alignment = Alignment(horizontal="center", vertical="center",
                                           wrap_text=True)
        for r0, c0, r1, c1 in template.merges:
            sheet.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1, end_column=c1)
        for c, width in enumerate(template.widths, start=1):
            sheet.column_dimensions[get_column_letter(c)].width = width
        for col in template.percent_columns:
            for r in range(3, 203):
                sheet.cell(r, col + 1).number_format = PERCENT_FORMAT
        sheet.freeze_panes = "D3"
        book.save(self.path)


NOTE_AUTHOR = "okrsync"
"""The author of okrsync's comments, as Excel shows it."""


def _same_file(one: Path, other: Path) -> bool:
    """Whether two paths name the same file (any spelling, symlinks, hard links)."""
    try:
        return os.path.samefile(one, other)
    except OSError:
        return one.resolve() == other.resolve()


def _let_go(error: BaseException) -> None:
    """Release what a failed save left half done (openpyxl's zip archive and sheet
    writers, referenced from the error's frames) now, with nothing printed: their
    clean-up writes to the same full disk and fails again, and Python would print each
    such failure with a traceback when they are collected later."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        traceback.clear_frames(error.__traceback__)
        error.__traceback__ = None
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _keep_mode_and_owner(descriptor: int, before: os.stat_result | None, path: Path) -> None:
    """Give the new file (open as `descriptor`) the permissions, owner and group of the
    file it replaces (`before`), or, for a new file, the permissions the umask gives.
    An owner okrsync may not give (only root may give a file away) is warned about."""
    if before is None:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(descriptor, 0o666 & ~umask)
        return
    mine = os.fstat(descriptor)
    if (mine.st_uid, mine.st_gid) != (before.st_uid, before.st_gid):
        with contextlib.suppress(OSError):  # root gives both back
            os.fchown(descriptor, before.st_uid, before.st_gid)
        if os.fstat(descriptor).st_gid != before.st_gid:
            with contextlib.suppress(OSError):  # a member of the group gives the group
                os.fchown(descriptor, -1, before.st_gid)
    os.fchmod(descriptor, stat.S_IMODE(before.st_mode))  # after chown, which clears set-id
    if os.fstat(descriptor).st_uid != before.st_uid:
        log.warning(_(
            "{path} now belongs to the user running okrsync (uid {mine}), not to its owner "
            "(uid {owner}): only root may keep the owner of a file it saves anew. Its "
            "permissions are kept; run okrsync as the workbook's owner to keep both.").format(
            path=path, mine=mine.st_uid, owner=before.st_uid))


def _writable(path: Path) -> bool:
    """Whether okrsync may write `path`. The owner's write bit counts too: root may write
    anything, but a file or folder someone made read-only is not okrsync's to change."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & stat.S_IWUSR) and os.access(path, os.W_OK)


def _owner_files(path: Path) -> list[tuple[Path, str]]:
    """The lock files of an Excel or LibreOffice that has the workbook open.

    Excel writes `~$name.xlsx` beside it (Office may drop the first one or two characters
    of a long name, so those spellings count too); LibreOffice writes `.~lock.name.xlsx#`.
    """
    found: list[tuple[Path, str]] = []
    for where in dict.fromkeys((path, path.resolve())):
        name = where.name
        candidates = [(f"~${name}", "Excel"), (f"~${name[1:]}", "Excel"),
                      (f"~${name[2:]}", "Excel"), (f".~lock.{name}#", "LibreOffice")]
        for candidate, program in dict.fromkeys(candidates):
            owner = where.parent / candidate
            if owner.name != name and owner.is_file() and (owner, program) not in found:
                found.append((owner, program))
    return found


def workbook_identity(path: Path) -> str:
    """What the workbook at `path` is, whatever its file: the UUID okrsync keeps in it
    (IDENTITY_PROPERTY), or, until okrsync first writes it, one made from this machine's
    name and the file's real path (any spelling, or a symlink, leads to the same), which
    okrsync then writes into it, so that the identity does not change with that write."""
    marked = _custom_property(path, IDENTITY_PROPERTY)
    with contextlib.suppress(ValueError, TypeError):
        return str(uuid.UUID(str(marked)))
    real = os.path.realpath(path)
    return str(uuid.uuid5(_IDENTITY_NAMESPACE, f"{socket.gethostname()}\0{real}"))


def _custom_property(path: Path, name: str) -> object:
    """A custom document property of the workbook at `path`, or None."""
    try:
        with zipfile.ZipFile(path) as archive:
            if archive.getinfo("docProps/custom.xml").file_size > 1_000_000:
                return None
            tree = fromstring(archive.read("docProps/custom.xml"))
        return CustomPropertyList.from_tree(tree)[name].value
    except Exception:  # not a workbook, no such property, unreadable: none
        return None


def _copy_of(path: Path) -> str | None:
    """The workbook `path` is an okrsync copy of (COPY_PROPERTY), or None."""
    value = _custom_property(path, COPY_PROPERTY)
    return value if isinstance(value, str) else None


def _mark_identity(book: Workbook, identity: str) -> None:
    """Keep the workbook's identity in it (IDENTITY_PROPERTY), unless it is there."""
    properties = book.custom_doc_props
    if IDENTITY_PROPERTY not in properties.names:
        properties.append(StringProperty(name=IDENTITY_PROPERTY, value=identity))


def _mark_copy(book: Workbook, source_name: str) -> None:
    """Mark a workbook written with --output as a copy of `source_name`."""
    properties = book.custom_doc_props
    if COPY_PROPERTY in properties.names:
        del properties[COPY_PROPERTY]
    properties.append(StringProperty(name=COPY_PROPERTY, value=source_name))


def _remove_stale_temps(target: Path) -> None:
    """Remove temporary files a killed okrsync left beside `target`.

    Only files named as okrsync names them (`.{stem}.` + mkstemp's eight characters +
    TEMP_SUFFIX) and older than STALE_TEMP_SECONDS, so the temporary file of a run in
    progress is never touched; nothing else is.
    """
    pattern = re.compile(rf"\.{re.escape(target.stem)}\.[a-z0-9_]{{8}}{re.escape(TEMP_SUFFIX)}")
    cutoff = clock.time() - STALE_TEMP_SECONDS
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        with contextlib.suppress(OSError):
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                os.unlink(entry.path)


def _merge_around(sheet: Worksheet, cell: MergedCell) -> str:
    """The merged range (A1:B2) that `cell` is inside."""
    for merged in sheet.merged_cells.ranges:
        if cell.coordinate in merged:
            return str(merged.coord)
    return "?"


USED_RANGE_ROWS = HEADER_SEARCH_ROWS + 1
"""The rows a header (of one or two rows) can be in: the used range's columns are found
there."""
USED_RANGE_GAP = 50
"""Empty columns after which what follows in the header rows is no longer the table."""


def _used_rows(sheet: ReadOnlyWorksheet) -> Iterator[Sequence[Any]]:
    """The sheet's rows, each cut to the used range's columns: up to the last column
    holding anything in the rows a header can be in, not counting what lies more than
    USED_RANGE_GAP empty columns past the table (a stray value at column XFD). Below
    those rows, cells right of the used range are neither read nor padded up to."""
    sheet.reset_dimensions()  # read to the data's end, whatever the file claims
    top = [tuple(cells) for cells in sheet.iter_rows(max_row=USED_RANGE_ROWS)]
    width = _table_width(top)
    for cells in top:
        yield cells[:width]
    if width:
        yield from sheet.iter_rows(min_row=USED_RANGE_ROWS + 1, max_col=width)


def _table_width(rows: Sequence[Sequence[Any]]) -> int:
    """How many columns the table in `rows` spans (see _used_rows)."""
    filled = sorted({c for row in rows for c, cell in enumerate(row) if cell.value is not None})
    width = 0
    for col in filled:
        if width and col - width >= USED_RANGE_GAP:
            break
        width = col + 1
    return width


def _merges_of(book: Workbook, sheet: Any) -> list[Merge]:
    """A streamed sheet's merged cells, read from the end of its XML (openpyxl's
    streaming reader does not parse them), without inflating the cells at once."""
    if not isinstance(sheet, ReadOnlyWorksheet):
        return [Merge(m.min_row - 1, m.min_col - 1, m.max_row, m.max_col)
                for m in sheet.merged_cells.ranges]
    merges = []
    for left, top, right, bottom in merges_in(sheet_tail(book._archive,
                                                         sheet._worksheet_path)):
        row0, col0 = parse_a1(f"{left}{top}")
        row1, col1 = parse_a1(f"{right}{bottom}")
        merges.append(Merge(row0, col0, row1 + 1, col1 + 1))
    return merges


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """openpyxl's warnings (an extension it will drop, a chart it cannot read) are not
    for the person: okrsync tells what would be lost before writing (lost_on_save)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


_UNREADABLE = (InvalidFileException, OSError, KeyError, ValueError, SyntaxError, EOFError,
               zipfile.BadZipFile, zlib.error)
"""What openpyxl raises for a file that is no workbook, or a broken or hostile one
(defusedxml refuses entities and DTDs with a ValueError; broken XML is a SyntaxError)."""


def _set_value(cell: Cell, value: float | str | None, kind: ValueKind) -> None:
    if value is None:
        cell.value = None
    elif kind is ValueKind.TEXT or isinstance(value, str):
        cell.value = str(value)
        cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
    elif kind is ValueKind.PERCENT:
        cell.value = value / 100
        if not _is_percent(cell.number_format or ""):
            cell.number_format = PERCENT_FORMAT
    else:
        cell.value = value


def _set_note(cell: Cell, note: str) -> None:
    """Put okrsync's evidence note on `cell` as an Excel comment (or remove it, for ""),
    unless the cell has a comment someone else wrote."""
    current = cell.comment
    if current is not None and (current.author != NOTE_AUTHOR
                                or not is_okrsync_note(current.text)):
        return
    cell.comment = Comment(note, NOTE_AUTHOR, height=120, width=360) if note else None


def _append_log(book: Workbook, log: Sequence[LogRecord]) -> None:
    """Append the log lines below the last row of the `okrsync log` sheet.

    Linear in the number of lines: the first free row is found once and the cells are
    written directly (openpyxl's `max_row` looks at every cell, so asking it for each
    line, as `append` and then `sheet[sheet.max_row]` do, made a big log quadratic).
    """
    if LOG_TAB in book.sheetnames:
        sheet = book[LOG_TAB]
        row = sheet.max_row + 1
        if row == 2 and all(cell.value is None for cell in sheet[1]):  # an emptied tab
            _put_row(sheet, 1, LOG_HEADER)
    else:
        sheet = book.create_sheet(LOG_TAB)
        _put_row(sheet, 1, LOG_HEADER)
        row = 2
    for offset, record in enumerate(log):
        _put_row(sheet, row + offset, record.as_row())


def _put_row(sheet: Worksheet, row: int, values: Sequence[object]) -> None:
    for col, value in enumerate(values, start=1):
        if value is None:
            continue
        cell = sheet.cell(row, col)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # text stays text: openpyxl takes "=…" for a formula
