"""The tests' homes: every test runs in its own home on top of the run's temporary one
(tests/home.py, tests/conftest.py), and the real home is compared at the end of the
run."""

from __future__ import annotations

import os
from pathlib import Path

from tests.home import XDG, RealHome, home_environment, isolate, make_home

ISOLATION = isolate()  # the run's, made by tests/conftest.py

# ---------------------------------------------------------------- the tests' homes


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def test_every_home_folder_is_the_test_s_own(private_home, env):
    assert Path(os.environ["HOME"]) == private_home == Path.home()
    for name in XDG:
        assert _under(Path(os.environ[name]), private_home), name
    for folder in (env.config_dir, env.cache_dir, env.state_dir, env.lock_dir):
        assert _under(folder, private_home), folder
        assert not any(_under(folder, real) for real in ISOLATION.real.homes), folder


def test_undoing_a_test_s_patches_keeps_its_home(private_home, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.undo()
    assert Path(os.environ["HOME"]) == private_home
    assert Path(os.environ["XDG_STATE_HOME"]) == private_home / ".local" / "state"


def test_below_each_test_s_home_is_the_run_s_temporary_home(private_home):
    assert ISOLATION.environ["HOME"] == str(ISOLATION.home) != str(private_home)
    for name in ("HOME", *XDG):
        assert _under(Path(ISOLATION.environ[name]), ISOLATION.home), name
    assert not any(_under(ISOLATION.home, real) or _under(real, ISOLATION.home)
                   for real in ISOLATION.real.homes)


# ---------------------------------------------------------------- the check of the real home


def _real_home(tmp_path: Path) -> tuple[Path, RealHome]:
    home = make_home(tmp_path / "real")
    (home / ".config" / "okrsync" / "locks").mkdir(parents=True)
    (home / ".config" / "okrsync" / "locks" / "old.lock").write_text("")
    (home / ".bashrc").write_text("# a person's\n")
    ours = tmp_path / "real" / "okrsync-tests-home-x"
    return home, RealHome.at_start({"HOME": str(home)}, None, ours=[ours])


def test_the_check_of_the_real_home_passes_when_nothing_changed(tmp_path):
    _home, real = _real_home(tmp_path)
    assert real.changes() == [] and real.report() is None


def test_the_check_of_the_real_home_finds_a_new_lock_whatever_the_environment_says(
        tmp_path, monkeypatch):
    home, real = _real_home(tmp_path)
    for name, value in home_environment(tmp_path / "elsewhere").items():
        monkeypatch.setenv(name, value)  # the check does not ask the (patched) environment
    (home / ".local" / "state" / "okrsync" / "locks").mkdir(parents=True)
    (home / ".local" / "state" / "okrsync" / "locks" / "a.lock").write_text("")
    (home / ".config" / "okrsync" / "locks" / "old.lock").write_text("rewritten")
    report = real.report()
    assert report is not None and "The tests reached the real home" in report
    assert f"new      {home / '.local' / 'state' / 'okrsync'}" in report
    assert f"new      {home / '.local' / 'state' / 'okrsync' / 'locks' / 'a.lock'}" in report
    assert f"changed  {home / '.config' / 'okrsync' / 'locks' / 'old.lock'}" in report


def test_the_check_of_the_real_home_finds_new_folders_in_the_home_and_its_base_folders(
        tmp_path):
    home, real = _real_home(tmp_path)
    (home / ".config" / "matplotlib").mkdir()
    (home / "okr-demo.xlsx").write_text("")
    (home / "okrsync-tests-home-x").mkdir()  # the run's own temporary home is no leak
    assert real.changes() == [f"new      {home / '.config' / 'matplotlib'}",
                              f"new      {home / 'okr-demo.xlsx'}"]


def test_the_check_of_the_real_home_finds_what_went_away(tmp_path):
    home, real = _real_home(tmp_path)
    (home / ".config" / "okrsync" / "locks" / "old.lock").unlink()
    assert real.changes() == [f"gone     {home / '.config' / 'okrsync' / 'locks' / 'old.lock'}"]


def test_the_check_watches_the_homes_the_run_started_with_not_the_patched_ones(private_home):
    real = ISOLATION.real
    assert real.homes and private_home not in real.homes and ISOLATION.home not in real.homes
    assert all(not _under(folder, ISOLATION.home) for folder in real.watched + real.listed)
    for home in real.homes:
        assert home / ".config" / "okrsync" in real.watched
        assert home / ".cache" / "okrsync" in real.watched
        assert home / ".local" / "state" / "okrsync" in real.watched
