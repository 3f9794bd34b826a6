"""Google Sheets misbehaving, and people editing the sheet during a pull.

Each case ends in one of two ways: the pull completes correctly, or it stops before
writing anything partial, with a clear message and the documented exit code.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from okrsync.cli import app
from tests.helpers import GOOGLE_BOOK, google_dashboard
from tests.standins.base import Fault
from tests.standins.sheets import SheetsStandIn

from .people import delete_row, insert_row, swap_columns, type_value

runner = CliRunner()
TAB = "2024 OKR"


@pytest.fixture
def api():
    with SheetsStandIn() as server:
        yield server


def pull(config, *args):
    return runner.invoke(app, ["pull", "-c", str(config), "--as-of", "2024-08-20", *args])


def values(api):
    return api.values(GOOGLE_BOOK, TAB)


def at(grid, r, c):
    return grid[r][c] if r < len(grid) and c < len(grid[r]) else None


def expected_after_clean_pull(tmp_path):
    """The sheet a pull with no faults produces, from the same start."""
    with SheetsStandIn() as clean:
        folder = tmp_path / "clean"
        folder.mkdir()
        config = google_dashboard(clean, folder)
        assert pull(config).exit_code == 0
        return clean.values(GOOGLE_BOOK, TAB)


@pytest.mark.parametrize(
    "fault",
    [
        Fault(429, times=3, headers={"Retry-After": "0"}),
        Fault(500, times=2),
        Fault(503, times=2, method="POST"),
        Fault(0, times=1, method="GET"),  # the connection drops in the middle of an answer
    ],
    ids=["429-for-a-while", "500", "503-on-write", "dropped-read"],
)
def test_transient_faults_are_survived(api, tmp_path, fault, fake_time):
    config = google_dashboard(api, tmp_path)
    faulty = fault.times
    api.faults.append(fault)
    result = pull(config)
    assert result.exit_code == 0, result.output
    assert len(fake_time.slept) == faulty  # each faulty answer retried once
    assert values(api) == expected_after_clean_pull(tmp_path)


def test_a_slow_read_past_the_timeout_is_retried(api, tmp_path):
    config = google_dashboard(api, tmp_path)
    config.write_text(config.read_text().replace(
        "max_retry_seconds = 2\n", "max_retry_seconds = 4\ntimeout = 0.3\n"))
    api.faults.append(Fault(200, times=1, method="GET", delay=0.9, body={}))
    result = pull(config)
    assert result.exit_code == 0, result.output
    assert values(api) == expected_after_clean_pull(tmp_path)


@pytest.mark.parametrize("fault", [Fault(0, method="POST"), Fault(200, method="POST",
                                                                    delay=0.9, body={})],
                         ids=["dropped-write", "slow-write"])
def test_a_write_whose_answer_is_lost_is_reported_not_retried(api, tmp_path, fault):
    config = google_dashboard(api, tmp_path)
    config.write_text(config.read_text().replace("max_retry_seconds = 2\n",
                                                 "max_retry_seconds = 2\ntimeout = 0.3\n"))
    before = values(api)
    api.faults.append(fault)
    result = pull(config)
    assert result.exit_code == 3
    assert "the write may or may not have been applied. Run the pull again" in result.output
    assert values(api) == before  # the stand-in never applied it: nothing half-written
    assert len(api.sheets_requests("POST")) == 1  # not sent twice
    assert pull(config).exit_code == 0  # and the next pull completes the work
    assert values(api) == expected_after_clean_pull(tmp_path)


def test_quota_exhausted_stops_before_writing(api, tmp_path, fake_time):
    config = google_dashboard(api, tmp_path)
    before = values(api)
    api.faults.append(Fault(429, times=-1, headers={"Retry-After": "1"}, method="POST"))
    result = pull(config)
    assert result.exit_code == 3 and "quota exceeded" in result.output
    assert values(api) == before
    assert len(api.sheets_requests("POST")) == 2  # one retry, after the second Google asked
    assert len(fake_time.slept) == 1 and 1.0 <= fake_time.slept[0] <= 1.25


def test_token_expiring_mid_run(api, tmp_path):
    config = google_dashboard(api, tmp_path)
    api.expire_tokens_after = 2
    assert pull(config).exit_code == 0
    assert api.token_requests == 2
    assert values(api) == expected_after_clean_pull(tmp_path)


# ---------------------------------------------------------------- people


def _during_pull(api, action):
    """Run `action` on the sheet after okrsync read it and before it checks and writes."""
    api.hooks[3] = lambda server: action(server.books[GOOGLE_BOOK].sheet(TAB))


def test_row_inserted_above(api, tmp_path):
    config = google_dashboard(api, tmp_path)
    _during_pull(api, lambda sheet: insert_row(sheet, 4))  # above every KR
    result = pull(config)
    assert result.exit_code == 1
    assert "(pull 중에 행이 삽입, 삭제 또는 이동됨)" in result.output  # a Korean sheet
    grid = values(api)
    assert all(at(grid, r, c) is None for r in range(4, 16) for c in (10, 12, 15, 16))


def test_kr_deleted(api, tmp_path):
    config = google_dashboard(api, tmp_path)
    _during_pull(api, lambda sheet: delete_row(sheet, 9))  # 결제 실패율 (row 10) is deleted
    result = pull(config)
    assert result.exit_code == 1
    grid = values(api)
    assert at(grid, 7, 10) == pytest.approx(0.55)  # rows above are written
    for r in range(9, 15):  # rows below moved up: nothing lands one row off
        assert at(grid, r, 12) is None and at(grid, r, 15) is None


def test_column_moved(api, tmp_path):
    config = google_dashboard(api, tmp_path)
    _during_pull(api, lambda sheet: swap_columns(sheet, 15, 17))  # 상태 ↔ 비고
    result = pull(config)
    assert result.exit_code == 1
    assert "쓰지 않음: pull 중에 " in result.output and (  # a Korean sheet
        "열의 헤더가 바뀌었습니다 (열이 이동, 삽입 또는 삭제됨)" in result.output)
    grid = values(api)
    assert at(grid, 2, 15) == "비고" and at(grid, 4, 15) == "9개 KR"  # the person's move
    for r in range(4, 16):  # nothing written anywhere: not into 비고, not into 상태
        assert at(grid, r, 17) is None and at(grid, r, 12) is None
    assert "okrsync log" not in [s.title for s in api.books[GOOGLE_BOOK].sheets]


def test_the_same_cell_edited(api, tmp_path):
    config = google_dashboard(api, tmp_path)
    _during_pull(api, lambda sheet: type_value(sheet, 4, 15, "회의 후 결정"))  # P5 typed
    result = pull(config)
    assert result.exit_code == 1
    assert "쓰지 않음: pull 중에 누군가 P5 셀을 바꿨습니다. 그 값을 유지합니다" in result.output
    assert at(values(api), 4, 15) == "회의 후 결정"
    assert at(values(api), 4, 12) == pytest.approx(0.4)  # the rest of the row is written
    log = api.values(GOOGLE_BOOK, "okrsync log")
    assert "P5" not in [row[4] for row in log[1:]]  # and the log says only what happened


def test_secret_key_file_readable_by_others_is_warned_about(api, tmp_path):
    config = google_dashboard(api, tmp_path)
    (tmp_path / "key.json").chmod(0o644)
    result = pull(config, "--dry-run")
    assert result.exit_code == 0
    assert "the service-account key" in result.output and "chmod 600" in result.output
    private = json.loads((tmp_path / "key.json").read_text())["private_key"]
    assert private.splitlines()[1] not in result.output
