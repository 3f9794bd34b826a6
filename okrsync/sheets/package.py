"""An .xlsx file as a zip package, looked at before openpyxl parses any of it.

- Sizes: every part's declared size and compression ratio, and their total, are checked
  before anything is inflated, so a small file that inflates to gigabytes (a zip bomb,
  or a sheet of a million styled empty cells) is refused at once instead of filling the
  memory. zipfile never returns more than a part's declared size.
- What openpyxl cannot keep: a save through openpyxl writes back only what it
  understands. Parts it does not know (pivot caches, slicers, timelines, threaded
  comments, form controls, embedded objects, custom XML, data connections, …) are left
  out, and so are the worksheet elements it does not read (Excel's extension lists:
  sparklines, data validations and conditional formats of Excel 2010 and later, slicer
  and timeline lists; controls, embedded objects, background pictures, header and footer
  pictures, protected ranges). `lost_on_save` names them, sheet by sheet, so that a pull
  stops before writing instead of deleting them.
- Worksheets are read as a stream: only what follows the cells (`sheetData`, all but
  all of a sheet) is kept, to find merged cells and the elements above.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from okrsync.errors import SourceError
from okrsync.i18n import _

MAX_PART_BYTES = 128 * 1024 * 1024
"""The most one part may inflate to. A 5,000-KR dashboard's sheet is about 2 MB and ten
years of nightly change logs are a few tens of MB; openpyxl needs about eight times a
sheet's size in memory to load it for writing."""
MAX_TOTAL_BYTES = 256 * 1024 * 1024
"""The most all parts together may inflate to."""
MAX_RATIO = 200
"""A part larger than RATIO_FROM that inflates more than this many times its stored
size is a zip bomb, not a sheet (XML of real sheets compresses 5 to 30 times)."""
RATIO_FROM = 1024 * 1024
MAX_PARTS = 10_000

_CHUNK = 1 << 20
_END_OF_CELLS = re.compile(rb"</(?:[\w.-]+:)?sheetData\s*>|<(?:[\w.-]+:)?sheetData\s*/>")
_MERGE = re.compile(
    rb'<(?:[\w.-]+:)?mergeCell\s+ref="\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)"')
_TAG = re.compile(rb"<(/?)(?:[\w.-]+:)?([\w.-]+)[^>]*?(/?)>|<[!?][^>]*>")
_EXT = re.compile(rb"<(?:[\w.-]+:)?ext\b[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)")

KEPT_ELEMENTS = frozenset({
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData",
    "sheetProtection", "scenarios", "autoFilter", "customSheetViews", "mergeCells",
    "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions",
    "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "drawing",
    "legacyDrawing", "tableParts",
})
"""The worksheet elements openpyxl reads and writes back (openpyxl.worksheet._reader)."""
HARMLESS_ELEMENTS = frozenset({
    "ignoredErrors", "phoneticPr", "sheetCalcPr", "cellWatches", "smartTags", "sortState",
    "dataConsolidate", "webPublishItems",
})
"""Worksheet elements openpyxl drops whose loss changes no data and no look that
matters: Excel rebuilds them or they only remember a dialog's last settings."""
HARMLESS_PARTS = ("[Content_Types].xml", "_rels/", "docProps/", "xl/_rels/",
                  "xl/workbook.xml", "xl/styles.xml", "xl/theme/", "xl/sharedStrings.xml",
                  "xl/worksheets/", "xl/tables/", "xl/comments", "xl/externalLinks/",
                  "xl/calcChain.xml", "xl/printerSettings/")
"""Parts openpyxl keeps (rewrites from what it read), or whose loss is harmless: the
calculation chain Excel rebuilds, the printer driver's private settings."""


def _labels() -> dict[str, str]:
    """What a person calls what each part holds, by the part's name (a prefix)."""
    return {
        "xl/charts/": _("charts"), "xl/chartsheets/": _("charts"),
        "xl/drawings/": _("drawings or images"), "xl/diagrams/": _("drawings or images"),
        "xl/media/": _("drawings or images"),
        "xl/pivotTables/": _("pivot tables"), "xl/pivotCache/": _("pivot tables"),
        "xl/slicers/": _("slicers"), "xl/slicerCaches/": _("slicers"),
        "xl/timelines/": _("timelines"), "xl/timelineCaches/": _("timelines"),
        "xl/threadedComments/": _("threaded comments"), "xl/persons/": _("threaded comments"),
        "xl/ctrlProps/": _("form controls"), "xl/activeX/": _("form controls"),
        "xl/embeddings/": _("embedded objects"),
        "customXml/": _("custom XML data"),
        "xl/connections.xml": _("data connections or queries"),
        "xl/queryTables/": _("data connections or queries"),
        "xl/model/": _("data connections or queries"),
        "xl/richData/": _("pictures in cells or data types"),
        "xl/metadata.xml": _("dynamic array formulas or data types"),
        "xl/featurePropertyBag/": _("checkboxes in cells"),
        "xl/namedSheetViews/": _("sheet views"),
        "xl/webextensions/": _("Office add-ins"),
        "xl/revisions/": _("the shared workbook's change history"),
        "xl/vbaProject.bin": _("macros (VBA)"), "xl/vba": _("macros (VBA)"),
        "customUI": _("a custom ribbon"),
        "xl/macrosheets/": _("macro sheets"), "xl/dialogsheets/": _("dialog sheets"),
    }


def _element_labels() -> dict[str, str]:
    """Worksheet elements openpyxl drops, and the Excel extensions inside `extLst`."""
    return {
        "sparklineGroups": _("sparklines"),
        "dataValidations": _("data validations kept in Excel's extension data (lists "
                             "taken from another sheet)"),
        "conditionalFormattings": _("conditional formats kept in Excel's extension data "
                                    "(data bars, icon sets)"),
        "slicerList": _("slicers"), "tableSlicerCache": _("slicers"),
        "timelineRefs": _("timelines"),
        "controls": _("form controls"), "oleObjects": _("embedded objects"),
        "AlternateContent": _("form controls or embedded objects"),
        "picture": _("a background picture"),
        "legacyDrawingHF": _("pictures in the header or footer"),
        "protectedRanges": _("ranges people may edit in a protected sheet"),
        "webExtensions": _("Office add-ins"),
    }


# VBA parts an .xlsm keeps (openpyxl copies them back with keep_vba).
_VBA_KEPT = ("xl/vbaProject.bin", "xl/vba", "customUI")


def check_sizes(path: Path) -> None:
    """SourceError when the package is beyond reason: too many parts, a part or all of
    them inflating past the limits, or a part inflating like a zip bomb. Reads only the
    zip's directory. A file that is no zip is left to the reader to report."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return
    if len(infos) > MAX_PARTS:
        raise SourceError(_(
            "workbook {path} holds {count:,} parts; an OKR dashboard holds a few dozen. "
            "okrsync does not open it. Nothing was read.").format(path=path,
                                                                  count=len(infos)))
    total = 0
    for info in infos:
        total += info.file_size
        stored = max(info.compress_size, 1)
        if info.file_size > MAX_PART_BYTES or (
                info.file_size > RATIO_FROM and info.file_size / stored > MAX_RATIO):
            raise SourceError(_(
                "workbook {path}: its part {part} inflates from {stored} to {size}, beyond "
                "what an OKR dashboard holds (at most {limit}, and {ratio} times its stored "
                "size); okrsync does not open it. Nothing was read. If it really is the "
                "dashboard, delete what is far below or right of the table, or move the "
                "okrsync log tab's old rows to another file.").format(
                path=path, part=info.filename, stored=_mb(info.compress_size),
                size=_mb(info.file_size), limit=_mb(MAX_PART_BYTES), ratio=MAX_RATIO))
    if total > MAX_TOTAL_BYTES:
        raise SourceError(_(
            "workbook {path} inflates to {size} in all, beyond what an OKR dashboard holds "
            "(at most {limit}); okrsync does not open it. Nothing was read.").format(
            path=path, size=_mb(total), limit=_mb(MAX_TOTAL_BYTES)))


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MB"


def sheet_tail(archive: zipfile.ZipFile, name: str) -> bytes:
    """A worksheet's XML after its cells (`sheetData`): merged cells, validations,
    drawings, extension lists. Streamed: the cells are inflated a chunk at a time and
    dropped. All of it when the sheet has no `sheetData`."""
    kept = b""
    found = False
    with archive.open(name) as source:
        for chunk in iter(lambda: source.read(_CHUNK), b""):
            if found:
                kept += chunk
                continue
            window = kept + chunk
            match = _END_OF_CELLS.search(window)
            if match:
                found = True
                kept = window[match.end():]
            else:
                kept = window[-64:]  # a tag cut between two chunks
    return kept if found else b""


def merges_in(tail: bytes) -> Iterator[tuple[str, str, str, str]]:
    """The merged ranges in a sheet's tail, as (left, top, right, bottom) texts."""
    for left, top, right, bottom in _MERGE.findall(tail):
        yield left.decode(), top.decode(), right.decode(), bottom.decode()


@dataclass
class Losses:
    """What a save through openpyxl would lose, as a person names it, in order."""

    found: dict[str, list[str]] = field(default_factory=dict)
    """What is lost → the sheets it is on (none for workbook-wide parts)."""

    def add(self, label: str, sheet: str | None = None) -> None:
        sheets = self.found.setdefault(label, [])
        if sheet is not None and sheet not in sheets:
            sheets.append(sheet)

    def __bool__(self) -> bool:
        return bool(self.found)

    def __str__(self) -> str:
        parts = [label if not sheets else _("{what} (in {sheets})").format(
                     what=label, sheets=", ".join(repr(s) for s in sheets))
                 for label, sheets in self.found.items()]
        return _(" and ").join(parts)


def lost_on_save(path: Path, *, keep_vba: bool) -> Losses:
    """Everything in the workbook a save through openpyxl would drop (`keep_vba`: an
    .xlsm's macros are kept). Call check_sizes first: worksheets are streamed through."""
    losses = Losses()
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        return losses
    with archive:
        names = archive.namelist()
        labels = _labels()
        found: set[str] = set()
        unknown = []
        for name in names:
            if keep_vba and name.startswith(_VBA_KEPT):
                continue
            if name.startswith("xl/drawings/") and name.endswith(".vml"):
                if (label := _vml_label(archive, name)) is not None:
                    found.add(label)
                continue
            label = next((label for prefix, label in labels.items()
                          if name.startswith(prefix)), None)
            if label is not None:
                found.add(label)
            elif not name.endswith("/") and not name.startswith(HARMLESS_PARTS):
                unknown.append(name)
        for label in dict.fromkeys(labels.values()):  # in a stable order
            if label in found:
                losses.add(label)
        if unknown:
            losses.add(_("parts okrsync does not know ({names})").format(
                names=", ".join(unknown[:5]) + (", …" if len(unknown) > 5 else "")))
        for name, title in _worksheets(archive, names):
            for label in _sheet_losses(sheet_tail(archive, name)):
                losses.add(label, title)
    return losses


def _vml_label(archive: zipfile.ZipFile, name: str) -> str | None:
    """A VML drawing holding only comments (notes) is rewritten by openpyxl; one with
    buttons, check boxes or lists is a form control, lost."""
    if archive.getinfo(name).file_size > MAX_PART_BYTES:
        return _("form controls")
    shapes = set(re.findall(rb'ObjectType="(\w+)"', archive.read(name)))
    return None if shapes <= {b"Note"} else _("form controls")


def _worksheets(archive: zipfile.ZipFile, names: list[str]) -> Iterator[tuple[str, str]]:
    """Every worksheet part with its tab's title (the part's name when it cannot be
    told)."""
    titles: dict[str, str] = {}
    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        workbook = rels = b""
    targets = {m[0]: m[1] for m in re.findall(
        rb'<(?:\w+:)?Relationship\b[^>]*?\bId="([^"]+)"[^>]*?\bTarget="([^"]+)"', rels)}
    targets |= {m[1]: m[0] for m in re.findall(
        rb'<(?:\w+:)?Relationship\b[^>]*?\bTarget="([^"]+)"[^>]*?\bId="([^"]+)"', rels)}
    for sheet in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", workbook):
        title = re.search(rb'\bname="([^"]*)"', sheet)
        rid = re.search(rb'\br:id="([^"]*)"|\bid="([^"]*)"', sheet)
        if title and rid:
            target = targets.get(rid[1] or rid[2] or b"", b"").decode()
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            titles[part] = html.unescape(title[1].decode("utf-8", "replace"))
    for name in names:
        if name.startswith("xl/worksheets/") and name.endswith(".xml") and "/_rels/" not in name:
            yield name, titles.get(name, name)


def _sheet_losses(tail: bytes) -> list[str]:
    """What openpyxl drops of a worksheet, from the XML after its cells."""
    labels = _element_labels()
    found: list[str] = []
    for element, start, end in _top_level(tail):
        if element in KEPT_ELEMENTS or element in HARMLESS_ELEMENTS:
            continue
        if element == "extLst":
            for inner in _EXT.findall(tail, start, end):
                name = inner.decode()
                found.append(labels.get(name, _("Excel extension data ({name})").format(
                    name=name)))
        else:
            found.append(labels.get(element, _("the sheet element {name}").format(
                name=element)))
    return list(dict.fromkeys(found))


def _top_level(tail: bytes) -> list[tuple[str, int, int]]:
    """The elements directly under `worksheet` in a sheet's tail (the part after
    `sheetData`), in order: each name with where it starts and ends in `tail`."""
    found: list[tuple[str, int, int]] = []
    depth = 0
    start = 0
    for match in _TAG.finditer(tail):
        closing, name, empty = match.group(1), match.group(2), match.group(3)
        if name is None or name == b"worksheet":  # a comment, or the sheet's own end
            continue
        if closing:
            depth -= 1
            if depth == 0:
                found[-1] = (found[-1][0], start, match.end())
            continue
        if depth == 0:
            start = match.start()
            found.append((name.decode(), start, match.end()))
        if not empty:
            depth += 1
    return found
