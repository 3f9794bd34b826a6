from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from okrsync.environment import Environment
from okrsync.i18n import speaking

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
                 ) -> Iterator[Path]:
    """Every test gets its own home, config and cache folders: nothing a test does lands
    in the user's home (locks, tokens, caches), and an okrsync running on the same
    machine never meets a test's lock.

    The locale is English (LANG=C.UTF-8) whatever the developer's: a test that wants
    Korean messages sets LANG itself. The languages a test leaves behind (a sheet read
    in Korean) do not reach the next test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.delenv("OKRSYNC_CONFIG", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    with speaking(person="en", sheet="en"):
        yield home


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of the bundled example; returns its config path."""
    for name in ("okr-dashboard.xlsx", "jira-export.json", "okrsync.toml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    return tmp_path / "okrsync.toml"


@pytest.fixture
def env(private_home: Path) -> Environment:
    """The environment of a run, with the test's own home folders."""
    return Environment.from_system()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--soak", action="store_true", help="run the long soak (200 pulls)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The package check (tests/test_package.py, with OKRSYNC_CHECK_PACKAGE=1) runs last."""
    package = [item for item in items if item.get_closest_marker("package")]
    items[:] = [item for item in items if item not in package] + package


@pytest.fixture
def soak(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--soak"))
