"""Where okrsync keeps its per-user folders: the sheet locks live in the state folder,
by each platform's convention, not among the settings."""

from __future__ import annotations

import sys
from pathlib import Path

from okrsync.config import load_config
from okrsync.environment import default_config_dir, default_lock_dir, default_state_dir
from okrsync.workspace import sheet_lock
from tests.helpers import EN_HEADER, make_workbook, write_config


def test_the_locks_live_in_the_xdg_state_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert default_state_dir() == tmp_path / "state" / "okrsync"
    assert default_lock_dir() == tmp_path / "state" / "okrsync" / "locks"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert default_lock_dir() == Path.home() / ".local" / "state" / "okrsync" / "locks"


def test_the_locks_ignore_the_runtime_folder_so_cron_and_a_terminal_share_them(monkeypatch,
                                                                              tmp_path):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))  # a login session's
    in_a_terminal = default_lock_dir()
    monkeypatch.delenv("XDG_RUNTIME_DIR")  # cron's
    assert default_lock_dir() == in_a_terminal


def test_the_locks_follow_macos_and_windows_conventions(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert default_lock_dir() == (Path.home() / "Library" / "Application Support" / "okrsync"
                                  / "locks")
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    assert default_lock_dir() == tmp_path / "Local" / "okrsync" / "locks"
    assert default_config_dir() == tmp_path / "Roaming" / "okrsync"


def test_the_environment_and_a_bare_sheet_lock_agree_and_keep_locks_out_of_the_config(
        tmp_path, env):
    assert env.state_dir == default_state_dir()
    assert env.lock_dir == env.state_dir / "locks"
    assert env.config_dir not in env.lock_dir.parents
    make_workbook(tmp_path / "okr.xlsx", [EN_HEADER])
    lock = sheet_lock(load_config(write_config(tmp_path, "okr.xlsx")))
    assert Path(lock.lock_file).parent == env.lock_dir
