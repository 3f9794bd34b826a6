"""The .xlsx backend never replaces what it must not: through the command line, on real
workbooks. A person's save during the write, a workbook open in Excel or LibreOffice, a
read-only workbook, merged cells, --output into a bad folder or onto another file, and
the temporary files a killed run leaves behind."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.packaging.custom import StringProperty
from typer.testing import CliRunner

from okrsync.cli import app
from okrsync.sheets.base import LOG_HEADER, LOG_TAB
from okrsync.sheets.xlsx import COPY_PROPERTY, XlsxSheet
from tests.helpers import EN_HEADER, make_workbook, write_config

runner = CliRunner()
AS_OF = ["--as-of", "2024-08-20"]
KR = ["Eng", "O", "kr", "", 0, 10, 5]  # achievement 50% goes to K2, "at risk" to N2


def okrsync(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def pull(config: Path, *args: str):
    return okrsync("pull", "-c", str(config), *AS_OF, *args)


def dashboard(folder: Path, rows=(KR,), **kwargs) -> Path:
    """okr.xlsx with one manual KR, and its config; returns the config."""
    make_workbook(folder / "okr.xlsx", [EN_HEADER, *rows], **kwargs)
    return write_config(folder, "okr.xlsx")


def someone_elses_version(folder: Path) -> bytes:
    """The bytes of the workbook as a person saved it meanwhile."""
    path = make_workbook(folder / "theirs.xlsx", [EN_HEADER, ["Eng", "O", "theirs", "", 0, 9]])
    data = path.read_bytes()
    path.unlink()
    return data


def save_as_a_person(path: Path, data: bytes) -> None:
    stamp = path.stat().st_mtime_ns
    path.write_bytes(data)
    os.utime(path, ns=(stamp + 5_000_000_000, stamp + 5_000_000_000))


def add_chart(path: Path) -> None:
    from openpyxl.chart import BarChart, Reference

    book = load_workbook(path)
    chart = BarChart()
    chart.add_data(Reference(book.active, min_col=7, min_row=1, max_row=2))
    book.active.add_chart(chart, "Q5")
    book.save(path)


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# 1. A person's save during the write


def test_a_save_during_the_write_is_not_overwritten(tmp_path, monkeypatch):
    config = dashboard(tmp_path)
    workbook = tmp_path / "okr.xlsx"
    theirs = someone_elses_version(tmp_path)
    before = files_in(tmp_path)
    original_save = Workbook.save

    def save_while_a_person_saves(self, filename):
        original_save(self, filename)  # okrsync's temporary file is complete …
        save_as_a_person(workbook, theirs)  # … and the person saves theirs before the rename

    monkeypatch.setattr("openpyxl.workbook.workbook.Workbook.save", save_while_a_person_saves)
    result = pull(config)
    assert result.exit_code == 3, result.output
    assert "was changed by someone else while okrsync ran; nothing was written" in result.output
    assert workbook.read_bytes() == theirs
    assert files_in(tmp_path) == before  # the temporary file is gone


# 2. The change log: linear append, text stays text


def test_the_change_log_appends_below_and_keeps_text_as_text(tmp_path):
    make_workbook(tmp_path / "okr.xlsx", [EN_HEADER, KR, KR, KR])
    book = load_workbook(tmp_path / "okr.xlsx")
    for address, text in (("C2", "=1+2 by Q3"), ("C3", "=SUM(A1:A9)"), ("C4", "plain")):
        book.active[address].value = text
        book.active[address].data_type = "s"  # text a person typed, not a formula
    book.save(tmp_path / "okr.xlsx")
    config = write_config(tmp_path, "okr.xlsx")
    assert pull(config).exit_code == 0

    log = load_workbook(tmp_path / "okr.xlsx")[LOG_TAB]
    rows = list(log.iter_rows(values_only=True))
    assert rows[0] == LOG_HEADER
    first = [r for r in rows[1:] if r[4] in {"K2", "K3", "K4"}]
    assert [(r[2], r[3], r[4], r[6], r[7]) for r in first] == [
        (2, "=1+2 by Q3", "K2", None, 50), (3, "=SUM(A1:A9)", "K3", None, 50),
        (4, "plain", "K4", None, 50)]
    for line in log.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str):
                assert cell.data_type == "s", cell.coordinate
        assert line[2].data_type == "n"  # the sheet row is a number
        if line[4].value.startswith("K"):
            assert line[7].data_type == "n"  # so is the new achievement
    lines = len(rows)

    book = load_workbook(tmp_path / "okr.xlsx")  # a person types a new Q2 value
    book.active["H3"] = 8
    book.save(tmp_path / "okr.xlsx")
    assert pull(config).exit_code == 0
    rows = list(load_workbook(tmp_path / "okr.xlsx")[LOG_TAB].iter_rows(values_only=True))
    assert len(rows) > lines and all(row[0] is not None for row in rows)  # no gap
    assert [(r[3], r[4], r[6], r[7]) for r in rows[lines:] if r[4] == "K3"] == [
        ("=SUM(A1:A9)", "K3", 50, 80)]


def test_a_log_tab_a_person_emptied_gets_its_header_back(tmp_path):
    config = dashboard(tmp_path)
    book = load_workbook(tmp_path / "okr.xlsx")
    book.create_sheet(LOG_TAB)
    book.save(tmp_path / "okr.xlsx")
    assert pull(config).exit_code == 0
    rows = list(load_workbook(tmp_path / "okr.xlsx")[LOG_TAB].iter_rows(values_only=True))
    assert rows[0] == LOG_HEADER and rows[1][4] == "K2"
    assert len(XlsxSheet(tmp_path / "okr.xlsx").read_log()) == len(rows) - 1


# 3. Open in Excel or LibreOffice, or read-only


@pytest.mark.parametrize(("owner", "program"), [("~$okr.xlsx", "Excel"),
                                                (".~lock.okr.xlsx#", "LibreOffice")])
def test_a_workbook_open_in_excel_or_libreoffice_is_not_written(tmp_path, owner, program):
    config = dashboard(tmp_path)
    (tmp_path / owner).write_bytes(b"someone")
    before = (tmp_path / "okr.xlsx").read_bytes()
    result = pull(config)
    assert result.exit_code == 3, result.output
    assert f"okr.xlsx is open in {program} ({tmp_path / owner} is beside it); nothing was " \
           "written" in result.output
    assert f"Close it in {program} and run the pull again, or write a copy with --output" \
        in result.output
    assert (tmp_path / "okr.xlsx").read_bytes() == before
    assert pull(config, "--dry-run").exit_code == 0  # reading still works
    assert okrsync("report", "-c", str(config), *AS_OF).exit_code == 0
    assert pull(config, "--output", str(tmp_path / "copy.xlsx")).exit_code == 0
    assert (tmp_path / "okr.xlsx").read_bytes() == before


def test_a_read_only_workbook_is_not_written(tmp_path):
    config = dashboard(tmp_path)
    workbook = tmp_path / "okr.xlsx"
    before = workbook.read_bytes()
    workbook.chmod(0o444)  # os.access says "writable" to root: the mode bits count too
    try:
        result = pull(config)
        assert result.exit_code == 3, result.output
        assert f"workbook {workbook} is read-only; nothing was written. Make it writable " \
               f"(chmod u+w {workbook}) if okrsync should update it, or write a copy with " \
               "--output" in result.output
        assert workbook.read_bytes() == before
        assert stat.S_IMODE(workbook.stat().st_mode) == 0o444
        assert pull(config, "--dry-run").exit_code == 0
        assert okrsync("report", "-c", str(config), *AS_OF).exit_code == 0
    finally:
        workbook.chmod(0o644)


# 4. Merged cells


def test_a_kr_whose_owned_cell_is_merged_is_a_problem_and_keeps_its_cells(tmp_path):
    config = dashboard(tmp_path, merges=["M2:N2"])  # the status cell N2 is merged away
    result = pull(config, "--log-format", "json")
    assert result.exit_code == 1, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    problems = [e["message"] for e in events if e["event"] == "problem"]
    assert problems == [
        "N2 is inside the merged cells M2:N2, so okrsync cannot write it; unmerge them"]
    assert [e for e in events if e["event"] == "change"] == []
    book = load_workbook(tmp_path / "okr.xlsx")
    assert book.active["K2"].value is None and book.active["N2"].value is None


def test_the_backend_never_writes_into_merged_cells_and_logs_only_what_it_wrote(tmp_path):
    from okrsync.core.grid import CellWrite, ValueKind
    from okrsync.sheets.base import LogRecord

    path = make_workbook(tmp_path / "okr.xlsx", [EN_HEADER, list(KR)], merges=["M2:N2"])
    backend = XlsxSheet(path)
    backend.read()
    log = [LogRecord("t", "p", 2, "kr", cell, "c", None, "x", "okrsync") for cell in ("K2", "N2")]
    report = backend.write([CellWrite(1, 10, True, 50.0, ValueKind.PERCENT),
                            CellWrite(1, 13, True, "x", ValueKind.TEXT)], log)
    assert report.skipped == {(1, 13): "not written: N2 is inside the merged cells M2:N2; "
                                        "unmerge them or move the column"}
    book = load_workbook(path)
    assert book.active["K2"].value == pytest.approx(0.5)
    assert [row[4] for row in book[LOG_TAB].iter_rows(min_row=2, values_only=True)] == ["K2"]


# 5. --output into a missing or read-only folder


def test_output_into_a_missing_folder_says_so(tmp_path):
    config = dashboard(tmp_path)
    out = tmp_path / "no such folder" / "out.xlsx"
    result = pull(config, "--output", str(out))
    assert result.exit_code == 3, result.output
    assert f"cannot write {out}: the folder {out.parent} does not exist. Nothing was " \
           "written. Create the folder, or choose another --output file." in result.output
    assert "unexpected" not in result.output
    assert files_in(tmp_path) == ["okr.xlsx", "okrsync.toml"]


def test_output_into_a_read_only_folder_says_so(tmp_path):
    config = dashboard(tmp_path)
    folder = tmp_path / "team-drive"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = pull(config, "--output", str(folder / "out.xlsx"))
        assert result.exit_code == 3, result.output
        assert f"cannot write {folder / 'out.xlsx'}: okrsync may not create files in the " \
               f"folder {folder}" in result.output
        assert "unexpected" not in result.output and ".out." not in result.output
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


# 6. --output naming the workbook itself, or another file


@pytest.mark.parametrize("spelling", ["relative", "dotdot", "symlink"])
def test_output_naming_the_workbook_itself_keeps_every_guard(tmp_path, monkeypatch, spelling):
    config = dashboard(tmp_path)
    workbook = tmp_path / "okr.xlsx"
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.xlsx").symlink_to(workbook)
    monkeypatch.chdir(tmp_path / "sub")
    output = {"relative": "../okr.xlsx", "dotdot": str(tmp_path / "sub" / ".." / "okr.xlsx"),
              "symlink": "../link.xlsx"}[spelling]

    add_chart(workbook)  # the guard against losing charts
    before = workbook.read_bytes()
    result = pull(config, "--output", output)
    assert result.exit_code == 3, result.output
    assert "contains charts and drawings or images" in result.output
    assert workbook.read_bytes() == before

    dashboard(tmp_path)  # the guard against a person's save meanwhile
    theirs = someone_elses_version(tmp_path)
    original_read = XlsxSheet.read

    def read_then_a_person_saves(self, **options):
        grid = original_read(self, **options)
        save_as_a_person(workbook, theirs)
        return grid

    with monkeypatch.context() as patch:  # only this pull meets the person's save
        patch.setattr(XlsxSheet, "read", read_then_a_person_saves)
        result = pull(config, "--output", output)
    assert result.exit_code == 3, result.output
    assert "was changed by someone else while okrsync ran" in result.output
    assert workbook.read_bytes() == theirs

    dashboard(tmp_path)  # and otherwise it is a pull in place
    result = pull(config, "--output", output)
    assert result.exit_code == 0, result.output
    book = load_workbook(workbook)
    assert book.active["K2"].value == pytest.approx(0.5)
    assert COPY_PROPERTY not in book.custom_doc_props.names
    assert (tmp_path / "link.xlsx").is_symlink()
    assert files_in(tmp_path) == ["link.xlsx", "okr.xlsx", "okrsync.toml", "sub"]


def test_a_workbook_reached_through_a_symlink_is_updated_and_stays_a_link(tmp_path):
    (tmp_path / "team-drive").mkdir()
    real = make_workbook(tmp_path / "team-drive" / "okr.xlsx", [EN_HEADER, KR])
    (tmp_path / "dashboard.xlsx").symlink_to(real)
    config = write_config(tmp_path, "dashboard.xlsx")
    (tmp_path / "team-drive" / "~$okr.xlsx").write_bytes(b"someone")  # open, under its own name
    result = pull(config)
    assert result.exit_code == 3 and "is open in Excel" in result.output, result.output
    (tmp_path / "team-drive" / "~$okr.xlsx").unlink()
    assert pull(config).exit_code == 0
    assert (tmp_path / "dashboard.xlsx").is_symlink()
    assert load_workbook(real).active["K2"].value == pytest.approx(0.5)


def test_output_replaces_only_an_earlier_copy_of_this_workbook_unless_forced(tmp_path):
    config = dashboard(tmp_path)
    out = tmp_path / "out.xlsx"
    assert pull(config, "--output", str(out)).exit_code == 0
    assert load_workbook(out).custom_doc_props[COPY_PROPERTY].value == "okr.xlsx"
    book = load_workbook(out)  # the copy is worked on, then written again
    book.active["A5"] = "a note"
    book.save(out)
    assert pull(config, "--output", str(out)).exit_code == 0
    assert load_workbook(out).active["A5"].value is None

    other = make_workbook(tmp_path / "budget.xlsx", [["someone's budget"]])
    copy_of_another = make_workbook(tmp_path / "copy-of-budget.xlsx", [["x"]])
    book = load_workbook(copy_of_another)
    book.custom_doc_props.append(StringProperty(name=COPY_PROPERTY, value="budget.xlsx"))
    book.save(copy_of_another)
    for path in (other, copy_of_another):
        before = path.read_bytes()
        result = pull(config, "--output", str(path))
        assert result.exit_code == 2, result.output
        assert f"--output file {path} already exists and is not a copy of okr.xlsx written " \
               "by okrsync; nothing was written. Choose another --output file, or add " \
               "--force to replace it." in result.output
        assert path.read_bytes() == before

    result = pull(config, "--output", str(other), "--force")
    assert result.exit_code == 0, result.output
    assert load_workbook(other).active["K2"].value == pytest.approx(0.5)
    assert load_workbook(other).custom_doc_props[COPY_PROPERTY].value == "okr.xlsx"


def test_force_without_output_is_refused(tmp_path):
    config = dashboard(tmp_path)
    before = (tmp_path / "okr.xlsx").read_bytes()
    result = pull(config, "--force")
    assert result.exit_code == 2, result.output
    assert "--force works only with --output FILE" in result.output
    assert (tmp_path / "okr.xlsx").read_bytes() == before


# 7. Temporary files left by a killed run


def test_stale_temporary_files_are_removed_and_nothing_else(tmp_path):
    config = dashboard(tmp_path)
    an_hour_ago = time.time() - 3600
    stale = tmp_path / ".okr.ab_d1234.xlsx"
    kept = [
        ".okr.efgh5678.xlsx",  # recent: another run may be writing it (set below)
        ".okr.abc1234.xlsx", ".okr.abcd12345.xlsx", ".okr.ABCD1234.xlsx",
        ".okr.abcd1234.xlsx.bak", ".other.abcd1234.xlsx", "okr.abcd1234.xlsx",
        ".okr.abcd1234.xlsm", "notes.txt",
    ]
    for name in [stale.name, *kept]:
        (tmp_path / name).write_bytes(b"PK half a zip")
        if name != ".okr.efgh5678.xlsx":
            os.utime(tmp_path / name, (an_hour_ago, an_hour_ago))
    (tmp_path / ".okr.dir45678.xlsx").mkdir()
    os.utime(tmp_path / ".okr.dir45678.xlsx", (an_hour_ago, an_hour_ago))
    kept.append(".okr.dir45678.xlsx")

    assert pull(config, "--dry-run").exit_code == 0
    assert stale.exists()  # a dry run writes, and removes, nothing
    assert pull(config).exit_code == 0
    assert not stale.exists()
    assert files_in(tmp_path) == sorted([*kept, "okr.xlsx", "okrsync.toml"])


# 8. Links, permissions and owners of the files written


def test_output_through_a_dangling_symlink_never_writes_where_it_points(tmp_path):
    config = dashboard(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    pointed = tmp_path / "elsewhere" / "victim.xlsx"
    link = tmp_path / "out.xlsx"
    link.symlink_to(pointed)
    result = pull(config, "--output", str(link))
    assert result.exit_code == 2, result.output
    assert f"--output file {link} is a symbolic link (to {pointed}); okrsync never writes " \
           "through a link. Nothing was written." in " ".join(result.output.split())
    assert not pointed.exists() and link.is_symlink()

    result = pull(config, "--output", str(link), "--force")  # replaces the link itself
    assert result.exit_code == 0, result.output
    assert not pointed.exists() and not link.is_symlink()
    assert load_workbook(link).active["K2"].value == pytest.approx(0.5)
    assert files_in(tmp_path) == ["elsewhere", "okr.xlsx", "okrsync.toml", "out.xlsx"]
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_a_new_output_file_follows_the_umask_and_a_replaced_one_keeps_its_mode(tmp_path):
    config = dashboard(tmp_path)
    workbook = tmp_path / "okr.xlsx"
    workbook.chmod(0o664)
    old = os.umask(0o027)
    try:
        assert pull(config, "--output", str(tmp_path / "copy.xlsx")).exit_code == 0
        assert stat.S_IMODE((tmp_path / "copy.xlsx").stat().st_mode) == 0o640
        assert pull(config).exit_code == 0
        assert stat.S_IMODE(workbook.stat().st_mode) == 0o664  # in place: as it was
    finally:
        os.umask(old)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to another user")
def test_a_pull_in_place_keeps_the_workbooks_owner_and_group(tmp_path):
    config = dashboard(tmp_path)
    workbook = tmp_path / "okr.xlsx"
    os.chown(workbook, 4242, 4343)
    assert pull(config).exit_code == 0
    info = workbook.stat()
    assert (info.st_uid, info.st_gid) == (4242, 4343)
    assert load_workbook(workbook).active["K2"].value == pytest.approx(0.5)


def test_a_full_disk_while_saving_is_one_error_line_and_the_workbook_is_untouched(tmp_path):
    """A real write failure (the file-size limit stands in for a full disk: every write
    past it fails with EFBIG, as one past the end of a disk fails with ENOSPC), in a
    process of its own: one `error:` line, no traceback, no temporary file left."""
    import subprocess
    import sys

    config = dashboard(tmp_path, rows=[[*KR[:2], f"kr {i} " * 8, *KR[3:]] for i in range(3000)])
    workbook = tmp_path / "okr.xlsx"
    before = workbook.read_bytes()
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({len(before) + 20_000},) * 2)\n"
        "from okrsync.cli import main\n"
        f"sys.argv = ['okrsync', 'pull', '-c', {str(config)!r}, '--as-of', '2024-08-20']\n"
        "main()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines() == [
        f"error: cannot save {workbook}: File too large. Nothing was written; free some space "
        "or fix the folder, and run the pull again."]
    assert workbook.read_bytes() == before
    assert files_in(tmp_path) == ["okr.xlsx", "okrsync.toml"]
