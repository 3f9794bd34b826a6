"""With --log-format json, every line okrsync prints, on stdout and stderr, is JSON."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from okrsync.cli import app

runner = CliRunner()


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_warnings_errors_and_events_are_all_json(example):
    text = example.read_text(encoding="utf-8")
    example.write_text(text + '\n[alerts]\nwebhook = "https://hooks.example/okr"\n',
                       encoding="utf-8")
    example.chmod(0o644)  # others can read the webhook URL: a warning
    result = runner.invoke(app, ["pull", "-c", str(example), "--as-of", "2024-08-20",
                                 "--log-format", "json", "--dry-run"])
    assert result.exit_code == 0, result.output
    stdout, stderr = _lines(result.stdout), _lines(result.stderr)
    assert stdout[-1]["event"] == "summary" and stdout[-1]["exit_code"] == 0
    assert [e["event"] for e in stderr] == ["warning"]
    assert "can be read by other users" in stderr[0]["message"]
    broken = runner.invoke(app, ["pull", "-c", str(example.parent / "missing.toml"),
                                 "--log-format", "json"])
    assert broken.exit_code == 2
    (error,) = _lines(broken.stderr)
    assert error["event"] == "error" and error["exit_code"] == 2
