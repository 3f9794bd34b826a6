"""`okrsync --version` says the installed package's version, which is pyproject's."""

from __future__ import annotations

import tomllib
from pathlib import Path

from typer.testing import CliRunner

import okrsync
from okrsync.cli import app

ROOT = Path(__file__).resolve().parent.parent


def test_version_is_the_one_in_pyproject():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["version"]
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"okrsync {version}\n"
    assert okrsync.__version__ == version
