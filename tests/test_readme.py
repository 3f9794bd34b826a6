"""The READMEs' sample outputs are what okrsync prints, exactly.

Every ```console block that starts with `$ okrsync …` in README.md (English locale) and
README.ko.md (Korean locale) is run, in order, in a copy of the bundled example, on a
fixed clock; between the two pulls three more stories of CX-100 are done in JIRA, as the
README tells. `OKRSYNC_UPDATE_README=1` writes the outputs into the READMEs instead.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from okrsync.cli import app
from okrsync.environment import Environment

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```console\n\$ (okrsync [^\n]*)\n(.*?)```", re.DOTALL)
SECOND_PULL = "okrsync pull --as-of 2024-08-20"
CLOCK = datetime(2024, 8, 13, 9, 0, tzinfo=timezone(timedelta(hours=9)))
LOCALES = {"README.md": "C.UTF-8", "README.ko.md": "ko_KR.UTF-8"}


def _three_more_stories_done(folder: Path) -> None:
    """The week the README plays next, as it tells a reader to play it: the bundled export
    of a week later (three more stories of CX-100 done) replaces this week's."""
    shutil.copy(folder / "jira-export-next-week.json", folder / "jira-export.json")


def _shown(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines())


@pytest.mark.parametrize("readme", list(LOCALES))
def test_sample_outputs_are_what_okrsync_prints(readme, tmp_path, monkeypatch):
    path = ROOT / readme
    if not path.exists():
        pytest.fail(f"{readme} is missing")
    text = path.read_text(encoding="utf-8")
    folder = tmp_path / "okr"
    shutil.copytree(ROOT / "examples", folder,
                    ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.chdir(folder)
    monkeypatch.setenv("LANG", LOCALES[readme])
    monkeypatch.setenv("COLUMNS", "80")
    system = Environment.from_system

    def fixed_clock() -> Environment:
        from dataclasses import replace

        return replace(system(), clock=lambda: CLOCK)

    monkeypatch.setattr(Environment, "from_system", staticmethod(fixed_clock))
    runner = CliRunner()
    outputs = []
    for command, expected in BLOCK.findall(text):
        if command == SECOND_PULL:
            _three_more_stories_done(folder)
        result = runner.invoke(app, shlex.split(command)[1:])
        outputs.append((command, expected, _shown(result.output)))
    assert outputs, f"{readme} shows no okrsync command"
    if os.environ.get("OKRSYNC_UPDATE_README"):
        parts = iter(outputs)

        def filled(match: re.Match[str]) -> str:
            command, _, got = next(parts)
            return f"```console\n$ {command}\n{got}\n```"

        path.write_text(BLOCK.sub(filled, text), encoding="utf-8")
        return
    for command, expected, got in outputs:
        assert got == _shown(expected), f"{readme}: $ {command}"
