"""The README documents every command, option and exit code, and its commands are real."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import typer.main

from okrsync.cli import app
from okrsync.errors import ExitCode

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> dict:
    return dict(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_every_command_and_option_is_documented():
    for name, command in _commands().items():
        assert f"### `okrsync {name}`" in README, name
        assert command.help, f"{name} has no help text"
        for param in command.params:
            if param.param_type_name == "option" and param.name != "help":
                assert param.opts[0] in README, f"{name} {param.opts[0]}"


def test_every_exit_code_is_documented():
    for code in ExitCode:
        assert re.search(rf"^\| {code.value} \| ", README, re.MULTILINE), code


def test_readme_has_exactly_the_two_setup_commands_and_ci_runs_the_second():
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.DOTALL)
    assert len(blocks) == 2
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = shlex.split(blocks[1])
    ci_command = shlex.split(ci.strip().splitlines()[-1])
    assert [w for w in ci_command if w != "-q"] == test_command


def test_every_config_key_is_in_the_example_config():
    from okrsync.config import Config

    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    for section, model in Config.model_fields.items():
        assert f"[{section}]" in example
        annotation = model.annotation
        for key in annotation.model_fields:  # type: ignore[union-attr]
            assert re.search(rf"^#? ?{key} = ", example, re.MULTILINE), f"[{section}] {key}"
            assert f"`[{section}] {key}`" in README or key in README, key


def test_every_test_named_in_the_reliability_table_exists():
    section = README.split("## Reliability", 1)[1].split("\n## ", 1)[0]
    names = set(re.findall(r"`(?:[\w/]+\.py::)?(test_\w+)(?!\.py)\b", section))
    assert len(names) > 15
    sources = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py"))
    for name in names:
        assert f"def {name}(" in sources, name


def _section(name: str) -> str:
    return README.split(f"### `okrsync {name}`", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]


def test_each_commands_reference_lists_exactly_its_options():
    """The README's option list of each command is its --help's, no more, no less."""
    for name, command in _commands().items():
        listed = set(re.findall(r"^- `(?:-\w, )?(--[\w-]+)", _section(name), re.MULTILINE))
        options = {param.opts[-1] if param.opts[-1].startswith("--") else param.opts[0]
                   for param in command.params
                   if param.param_type_name == "option" and param.name != "help"}
        assert listed == options, name
