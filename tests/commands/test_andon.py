"""Andon speaks once per change of state: an alarm when a KR enters a state, not every night
it stays there; remembered with the sheet, so a new machine does not say it again."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from okrsync.cli import app
from okrsync.errors import ExitCode
from tests.helpers import EN_HEADER, make_workbook, team
from tests.standins.chat import ChatHooks

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _set(folder: Path, address: str, value: object) -> None:
    """A person edits a cell."""
    book = load_workbook(folder / "okr.xlsx")
    book.active[address] = value
    book.save(folder / "okr.xlsx")


def test_a_second_night_with_nothing_new_prints_and_posts_nothing(tmp_path):
    with ChatHooks() as hooks:
        config = team(tmp_path, 7, webhook=hooks.url_for("slack"))
        first = run("pull", "-c", str(config), "--as-of", "2024-08-20", "--quiet",
                    "--fail-on", "stale")
        second = run("pull", "-c", str(config), "--as-of", "2024-08-21", "--quiet",
                     "--fail-on", "stale")
    assert first.exit_code == ExitCode.ANDON
    assert "[stale]" in first.output and len(hooks.shown["slack"]) == 1
    assert second.output == "" and second.exit_code == ExitCode.OK  # nothing new
    assert len(hooks.shown["slack"]) == 1  # and nothing posted


def test_a_stale_value_is_asked_for_once_a_quarter(tmp_path):
    config = team(tmp_path, 7)
    said = [run("pull", "-c", str(config), "--as-of", day).output.count("[stale]")
            for day in ("2024-08-20", "2024-08-27", "2024-09-30", "2024-11-15")]
    assert said == [1, 0, 0, 1]  # Q3 once; Q4 asks again (its own value)


def test_entering_off_track_alarms_once_and_staying_there_does_not(tmp_path):
    config = team(tmp_path, 7, stale=90)
    assert run("pull", "-c", str(config), "--as-of", "2024-08-20").exit_code == 0
    config = team(tmp_path, 3, stale=90)  # issues reopened: 30%, off track
    fell = run("pull", "-c", str(config), "--as-of", "2024-08-20", "--fail-on", "off-track")
    assert fell.exit_code == ExitCode.ANDON
    assert "[off-track]: fell off track (was on track; 30% against 64% expected)" in fell.output
    assert "[regressed]: achievement went from 70% to 30%" in fell.output
    config = team(tmp_path, 2, stale=90)  # worse still, but already off track
    again = run("pull", "-c", str(config), "--as-of", "2024-08-21", "--fail-on", "off-track",
                "--fail-on", "regressed")
    assert again.exit_code == ExitCode.OK and "Andon" not in again.output


def test_fixing_a_typo_raises_nothing_for_a_kr_that_was_already_off_track(tmp_path):
    config = team(tmp_path, 7, stale=90)
    run("pull", "-c", str(config), "--as-of", "2024-08-20")
    _set(tmp_path, "H3", 1)  # Manual KR: 10% in Q2 → off track
    assert "[off-track]" in run("pull", "-c", str(config), "--as-of", "2024-08-20").output
    _set(tmp_path, "H3", "1점?")  # a typo: the KR has a problem, its status says no data
    typo = run("pull", "-c", str(config), "--as-of", "2024-08-21")
    assert typo.exit_code == ExitCode.PARTIAL
    assert load_workbook(tmp_path / "okr.xlsx").active["N3"].value.startswith("no data · ")
    _set(tmp_path, "H3", 1)  # fixed: off track, as it was before the typo
    fixed = run("pull", "-c", str(config), "--as-of", "2024-08-22", "--fail-on", "off-track")
    assert fixed.exit_code == ExitCode.OK and "Andon" not in fixed.output


def test_a_first_value_and_a_correction_that_keeps_the_status_raise_nothing(tmp_path):
    make_workbook(tmp_path / "okr.xlsx", [
        EN_HEADER, ["Eng", "Ship", "Manual KR", "Lee", 0, 10, None, None, 8]])
    config = team(tmp_path, 7, stale=90)
    assert "Andon" not in run("pull", "-c", str(config), "--as-of", "2024-08-20").output
    _set(tmp_path, "I2", 7.5)  # a correction: 80% → 75%, still on track
    corrected = run("pull", "-c", str(config), "--as-of", "2024-08-21", "--fail-on",
                    "regressed")
    assert corrected.exit_code == ExitCode.OK and "Andon" not in corrected.output
    make_workbook(tmp_path / "okr.xlsx", [
        EN_HEADER, ["Eng", "Ship", "New KR", "Lee", 0, 10], ["Eng", "Ship", "Other", "", 0, 5, 4]])
    run("pull", "-c", str(config), "--as-of", "2024-08-20")
    _set(tmp_path, "G2", 1)  # its first value, off track already
    first = run("pull", "-c", str(config), "--as-of", "2024-08-21", "--fail-on", "off-track")
    assert first.exit_code == ExitCode.OK and "Andon" not in first.output


def test_alarms_are_remembered_with_the_sheet_not_the_machine(tmp_path, monkeypatch):
    (tmp_path / "team").mkdir()
    config = team(tmp_path / "team", 7)
    assert run("pull", "-c", str(config), "--as-of", "2024-08-20").output.count("[stale]") == 1
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / "new-machine" / name.lower()))
    again = run("pull", "-c", str(config), "--as-of", "2024-08-21")
    assert "[stale]" not in again.output
    log = load_workbook(config.parent / "okr.xlsx")["okrsync log"]
    lines = [[cell.value for cell in row] for row in log.iter_rows(min_row=2)]
    andon = [line for line in lines if str(line[1]).startswith("andon-")]
    assert [(line[3], line[5], line[7]) for line in andon] == [("Manual KR", "Andon", "stale")]


def test_undo_reverts_the_cells_of_a_pull_not_the_alarms_it_remembered(tmp_path):
    config = team(tmp_path, 7)
    run("pull", "-c", str(config), "--as-of", "2024-08-20")
    history = run("history", "-c", str(config))
    assert "Andon: stale" in history.output
    alarm = next(line for line in history.output.splitlines() if "Andon: stale" in line)
    assert "→" not in alarm  # an alarm remembered is not shown as a cell that changed
    undone = run("undo", "-c", str(config))
    assert undone.exit_code == 0 and "written by the pull of 8/20" in undone.output
    assert load_workbook(tmp_path / "okr.xlsx").active["I2"].value is None


@pytest.mark.parametrize("zone", ["Asia/Seoul", "UTC"])
def test_the_synced_stamp_and_the_log_are_in_the_teams_time_zone(tmp_path, zone):
    from dataclasses import replace
    from datetime import datetime

    from okrsync.commands.pull import pull
    from okrsync.config import load_config
    from okrsync.environment import Environment

    config = team(tmp_path, 7)
    config.write_text(config.read_text() + f'[okr]\ntimezone = "{zone}"\n')
    env = Environment.from_system()
    late = datetime(2024, 8, 20, 14, 36, tzinfo=UTC)  # 23:36 in Seoul
    assert pull(replace(env, clock=lambda: late), load_config(config)).exit_code in (0, 4)
    book = load_workbook(tmp_path / "okr.xlsx")
    stamp = book.active["O2"].value
    logged = book["okrsync log"]["A2"].value
    if zone == "Asia/Seoul":
        assert stamp == "2024-08-20 23:36 KST" and logged == "2024-08-20T23:36:00+09:00"
    else:
        assert stamp == "2024-08-20 14:36 UTC" and logged == "2024-08-20T14:36:00+00:00"


def test_a_time_zone_that_does_not_exist_is_a_config_error(tmp_path):
    config = team(tmp_path, 7)
    config.write_text(config.read_text() + '[okr]\ntimezone = "Seoul"\n')
    result = run("pull", "-c", str(config))
    assert result.exit_code == ExitCode.USAGE
    assert "[okr] timezone: 'Seoul' is not a time zone name" in result.output
