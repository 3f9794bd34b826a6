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


def _tests_named_in(section: str) -> set[str]:
    return set(re.findall(r"`(?:[\w/]+\.py::)?(test_\w+)(?!\.py)\b", section))


def test_every_test_named_in_the_reliability_table_exists():
    section = README.split("## Reliability", 1)[1].split("\n## ", 1)[0]
    names = _tests_named_in(section)
    assert len(names) > 15
    sources = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py"))
    for name in names:
        assert f"def {name}(" in sources, name


def _section(name: str, readme: str = README) -> str:
    return readme.split(f"### `okrsync {name}`", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]


def _listed_options(name: str, readme: str = README) -> set[str]:
    """The flags of a command's option bullets: "- `--flag" or "- `-x, --flag"."""
    return set(re.findall(r"^- `(?:-\w, )?(--[\w-]+)", _section(name, readme), re.MULTILINE))


def test_each_commands_reference_lists_exactly_its_options():
    """The README's option list of each command is its --help's, no more, no less."""
    for name, command in _commands().items():
        listed = _listed_options(name)
        options = {param.opts[-1] if param.opts[-1].startswith("--") else param.opts[0]
                   for param in command.params
                   if param.param_type_name == "option" and param.name != "help"}
        assert listed == options, name


def _korean_readme() -> str:
    path = ROOT / "README.ko.md"
    assert path.exists(), "README.ko.md is missing"
    return path.read_text(encoding="utf-8")


def _chapters(readme: str) -> list[str]:
    """The readme's `## ` chapters in order, each from its heading, code blocks left out
    (a sample output may hold a Markdown heading)."""
    prose = re.sub(r"^```.*?^```", "", readme, flags=re.MULTILINE | re.DOTALL)
    return re.split(r"^## ", prose, flags=re.MULTILINE)[1:]


def test_the_korean_readme_documents_what_the_english_one_does():
    """README.ko.md keeps in step with README.md: the same commands, the same options in
    each command's section, every config key, every exit code and, in its reliability
    chapter (the one at the same place as README.md's), the same tests."""
    from okrsync.config import Config

    korean = _korean_readme()
    heading = re.compile(r"^### `okrsync (\S+)`$", re.MULTILINE)
    assert heading.findall(korean) == heading.findall(README)
    assert set(heading.findall(korean)) == set(_commands())
    for name in _commands():
        assert _listed_options(name, korean) == _listed_options(name, README), name
    for section, model in Config.model_fields.items():
        for key in model.annotation.model_fields:  # type: ignore[union-attr]
            assert f"`[{section}] {key}`" in korean or key in korean, f"[{section}] {key}"
    for code in ExitCode:
        assert re.search(rf"^\| {code.value} \| ", korean, re.MULTILINE), code
    english, translated = _chapters(README), _chapters(korean)
    assert len(translated) == len(english), "README.ko.md has other chapters than README.md"
    at = next(i for i, chapter in enumerate(english) if chapter.startswith("Reliability"))
    assert _tests_named_in(translated[at]) == _tests_named_in(english[at])


def test_the_korean_readme_shows_the_same_command_lines():
    """The set-up commands (```sh) and the sample commands (`$ okrsync …`) are
    README.md's, in the same order."""
    korean = _korean_readme()
    for pattern in (r"```sh\n(.*?)\n```", r"```console\n\$ (okrsync [^\n]*)\n"):
        assert re.findall(pattern, korean, re.DOTALL) == re.findall(pattern, README, re.DOTALL)


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces → `-`."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_inside_a_readme_leads_to_one_of_its_headings():
    for readme in (README, _korean_readme()):
        text = re.sub(r"```.*?```", "", readme, flags=re.DOTALL)
        anchors = {_anchor(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)}
        links = set(re.findall(r"\]\(#([^)]+)\)", text))
        assert links and links <= anchors, sorted(links - anchors)


def test_the_first_setup_command_runs_the_bundled_example(tmp_path, monkeypatch):
    """What a newcomer's first command does after installing: a pull of the bundled
    example into a copy, with its report."""
    import shutil

    from typer.testing import CliRunner

    block = re.findall(r"```sh\n(.*?)\n```", README, re.DOTALL)[0]
    words = shlex.split(block.split("&&")[-1])
    assert words[0].endswith("/okrsync")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, words[1:])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "okr-demo.xlsx").is_file()
    assert "상담 자동화" in result.output  # the report of the example's KRs
