"""What openpyxl cannot keep, and workbooks beyond reason: through the command line, on
workbooks carrying what Excel writes (extension lists, parts openpyxl does not know).

A pull in place that would delete any of it stops before writing and names it, sheet by
sheet, with the way on (`--output`, or moving it to another workbook); dry runs, reports
and copies still work; no raw Python warning reaches the person."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from okrsync.cli import app
from tests.helpers import EN_HEADER, make_workbook, write_config

runner = CliRunner()
AS_OF = ["--as-of", "2024-08-20"]
KR = ["Eng", "O", "kr", "", 0, 10, 5]
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"

SPARKLINES = (
    f'<ext uri="{{05C60535-1F16-4fd2-B633-F4F36F0B64E0}}" xmlns:x14="{X14}">'
    f'<x14:sparklineGroups xmlns:xm="{XM}"><x14:sparklineGroup displayEmptyCellsAs="gap">'
    '<x14:colorSeries rgb="FF376092"/><x14:sparklines><x14:sparkline><xm:f>OKR!G2:J2</xm:f>'
    "<xm:sqref>P2</xm:sqref></x14:sparkline></x14:sparklines></x14:sparklineGroup>"
    "</x14:sparklineGroups></ext>")
LIST_FROM_ANOTHER_SHEET = (
    f'<ext uri="{{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}}" xmlns:x14="{X14}">'
    f'<x14:dataValidations count="1" xmlns:xm="{XM}"><x14:dataValidation type="list" '
    'allowBlank="1"><x14:formula1><xm:f>Lists!$A$1:$A$3</xm:f></x14:formula1>'
    "<xm:sqref>A2:A10</xm:sqref></x14:dataValidation></x14:dataValidations></ext>")


def okrsync(*args: str):
    return runner.invoke(app, list(args))


def rebuild(path: Path, *, tail: str = "", parts: dict[str, bytes] | None = None,
            head: str = "") -> None:
    """Add `head` and `tail` (XML) around the first sheet's and `parts` to the package,
    as Excel (or someone hostile) would have written them."""
    source = path.with_suffix(".orig")
    shutil.move(path, source)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w",
                                                         zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = head.encode() + data.replace(b"</worksheet>",
                                                    tail.encode() + b"</worksheet>")
            new.writestr(info.filename, data)
        for name, data in (parts or {}).items():
            new.writestr(name, data)
    source.unlink()


def dashboard(folder: Path) -> Path:
    make_workbook(folder / "okr.xlsx", [EN_HEADER, KR])
    book = load_workbook(folder / "okr.xlsx")
    book.create_sheet("Lists").append(["on track"])
    book.save(folder / "okr.xlsx")
    return write_config(folder, "okr.xlsx")


@pytest.mark.parametrize(("tail", "parts", "named"), [
    (f"<extLst>{SPARKLINES}</extLst>", {}, "sparklines (in 'OKR')"),
    (f"<extLst>{LIST_FROM_ANOTHER_SHEET}</extLst>", {},
     "data validations kept in Excel's extension data (lists taken from another sheet) "
     "(in 'OKR')"),
    (f"<extLst>{SPARKLINES}{LIST_FROM_ANOTHER_SHEET}</extLst>", {},
     "sparklines (in 'OKR') and data validations kept in Excel's extension data"),
    ('<controls><control shapeId="1025" r:id="rId9" name="Check Box 1" xmlns:r="http://'
     'schemas.openxmlformats.org/officeDocument/2006/relationships"/></controls>',
     {"xl/ctrlProps/ctrlProp1.xml": b'<formControlPr objectType="CheckBox"/>'},
     "form controls"),
    ("", {"xl/threadedComments/threadedComment1.xml": b"<ThreadedComments/>",
          "xl/persons/person.xml": b"<personList/>"}, "threaded comments"),
    ("", {"xl/slicers/slicer1.xml": b"<slicers/>",
          "xl/slicerCaches/slicerCache1.xml": b"<slicerCacheDefinition/>"}, "slicers"),
    ("", {"xl/timelines/timeline1.xml": b"<timelines/>"}, "timelines"),
    ("", {"xl/pivotCache/pivotCacheDefinition1.xml": b"<pivotCacheDefinition/>"},
     "pivot tables"),
    ("", {"customXml/item1.xml": b"<root/>"}, "custom XML data"),
    ("", {"xl/metadata.xml": b"<metadata/>"}, "dynamic array formulas or data types"),
    ("", {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"}, "macros (VBA)"),
    ("", {"xl/someday/newFeature.xml": b"<x/>"},
     "parts okrsync does not know (xl/someday/newFeature.xml)"),
])
def test_what_openpyxl_would_drop_stops_a_pull_in_place_naming_it(tmp_path, tail, parts,
                                                                   named):
    config = dashboard(tmp_path)
    workbook = tmp_path / "okr.xlsx"
    rebuild(workbook, tail=tail, parts=parts)
    before = workbook.read_bytes()

    result = okrsync("pull", "-c", str(config), *AS_OF)
    assert result.exit_code == 3, result.output
    text = " ".join(result.output.split())
    assert f"workbook {workbook} contains {named}" in text
    assert "saving it would delete them, so okrsync does not overwrite it. Nothing was " \
           "written. To go on, write a copy with --output (the copy will not have them), " \
           "or move them to another workbook" in text
    assert "Warning" not in result.output and "site-packages" not in result.output
    assert workbook.read_bytes() == before

    for other in (["pull", "-c", str(config), *AS_OF, "--dry-run"],
                  ["report", "-c", str(config), *AS_OF]):
        shown = okrsync(*other)
        assert shown.exit_code == 0, shown.output
        assert "Warning" not in shown.output and "site-packages" not in shown.output
    copy = tmp_path / "copy.xlsx"
    assert okrsync("pull", "-c", str(config), *AS_OF, "--output", str(copy)).exit_code == 0
    assert load_workbook(copy).active["K2"].value == pytest.approx(0.5)
    assert workbook.read_bytes() == before


def test_comments_are_kept_so_they_never_stop_a_pull(tmp_path):
    from openpyxl.comments import Comment

    config = dashboard(tmp_path)
    book = load_workbook(tmp_path / "okr.xlsx")
    book.active["C2"].comment = Comment("ask 김민지 first", "PM")
    book.save(tmp_path / "okr.xlsx")
    result = okrsync("pull", "-c", str(config), *AS_OF)
    assert result.exit_code == 0, result.output
    sheet = load_workbook(tmp_path / "okr.xlsx").active
    assert sheet["K2"].value == pytest.approx(0.5)
    assert sheet["C2"].comment.text == "ask 김민지 first"


# Workbooks beyond reason


def test_a_small_workbook_whose_sheet_inflates_past_reason_is_refused_before_parsing(
        tmp_path):
    """A 50 KB file whose sheet inflates to 60 MB (a zip bomb's shape, 1,200 times its
    stored size): refused from the zip's directory alone, in an instant, for reading and
    writing alike."""
    import time

    config = dashboard(tmp_path)
    workbook = tmp_path / "okr.xlsx"
    source = workbook.with_suffix(".orig")
    shutil.move(workbook, source)
    row = b'<row r="9"><c r="A9" s="0"/></row>' * 1000
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(workbook, "w",
                                                         zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                new.writestr(info.filename, old.read(info.filename))
                continue
            head, rest = old.read(info.filename).split(b"</sheetData>")
            with new.open(info.filename, "w", force_zip64=True) as part:
                part.write(head)
                for _ in range(60 * 1024 * 1024 // len(row)):
                    part.write(row)
                part.write(b"</sheetData>" + rest)
    assert workbook.stat().st_size < 300_000
    before = workbook.read_bytes()
    for command in ("report", "pull"):
        started = time.monotonic()
        result = okrsync(command, "-c", str(config), *AS_OF)
        assert time.monotonic() - started < 5
        assert result.exit_code == 3, result.output
        text = " ".join(result.output.split())
        assert f"workbook {workbook}: its part xl/worksheets/sheet1.xml inflates from " in text
        assert "beyond what an OKR dashboard holds (at most 128.0 MB, and 200 times its " \
               "stored size); okrsync does not open it. Nothing was read." in text
    assert workbook.read_bytes() == before


def test_a_stray_value_at_column_xfd_is_not_read_nor_padded_up_to(tmp_path):
    """Every row with a value in the sheet's last column (XFD): the report reads the used
    range (the table's columns), not 16,384 cells a row; a note a few columns right of
    the table is still part of it."""
    from openpyxl import Workbook

    from okrsync.sheets.xlsx import XlsxSheet

    book = Workbook()
    sheet = book.active
    sheet.title = "OKR"
    sheet.append([*EN_HEADER, None, None, "note"])
    for n in range(3000):
        sheet.append([*KR[:2], f"kr {n}", *KR[3:]])
        sheet.cell(n + 2, 16384, "x")
    book.save(tmp_path / "okr.xlsx")
    config = write_config(tmp_path, "okr.xlsx")
    grid = XlsxSheet(tmp_path / "okr.xlsx").read()
    assert grid.height == 3001 and grid.width == len(EN_HEADER) + 3
    result = okrsync("report", "-c", str(config), *AS_OF, "-f", "json")
    assert result.exit_code == 0, result.output
    assert result.output.count('"key_result": "kr ') == 3000


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',  # billion laughs, cut short
    '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',  # XXE
])
def test_hostile_xml_in_a_workbook_is_one_error_line(tmp_path, doctype):
    config = dashboard(tmp_path)
    workbook = tmp_path / "okr.xlsx"
    rebuild(workbook, head=doctype)
    for command in ("report", "pull"):
        result = okrsync(command, "-c", str(config), *AS_OF)
        assert result.exit_code == 3, result.output
        assert result.output.startswith(f"error: workbook {workbook} cannot be read as .xlsx")
        assert len(result.output.splitlines()) == 1 and "unexpected" not in result.output
