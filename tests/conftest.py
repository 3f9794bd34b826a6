from __future__ import annotations

import shutil
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of the bundled example; returns its config path."""
    for name in ("okr-dashboard.xlsx", "jira-export.json", "okrsync.toml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    return tmp_path / "okrsync.toml"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--soak", action="store_true", help="run the long soak (200 pulls)")


@pytest.fixture
def soak(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--soak"))
