"""The config file: what it refuses, and that it says which key is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from okrsync.config import load_config
from okrsync.errors import ConfigError


def test_margins_out_of_order_are_refused_naming_the_section(tmp_path):
    path = tmp_path / "okrsync.toml"
    path.write_text('[sheet]\nspreadsheet = "a.xlsx"\n[okr]\non_track_margin = 0.5\n'
                    "at_risk_margin = 0.1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[okr\]: on_track_margin \(0.5\) is larger than "
                                          r"at_risk_margin \(0.1\)"):
        load_config(path)
    path.write_text('[sheet]\nspreadsheet = "a.xlsx"\n[okr]\non_track_margin = 0.2\n'
                    "at_risk_margin = 0.2\n", encoding="utf-8")
    assert load_config(path).okr.thresholds.at_risk_margin == 0.2


def test_a_config_that_is_no_regular_file_or_beyond_any_size_is_refused_at_once(tmp_path):
    """`-c` naming a pipe, a device or a file of megabytes: one error line naming the
    file (exit 2), never a hang or a read until memory runs out. Each run in a process of
    its own with its memory bounded, so that a regression fails instead of hanging."""
    import os
    import subprocess
    import sys

    pipe = tmp_path / "pipe.toml"
    os.mkfifo(pipe)
    huge = tmp_path / "huge.toml"
    huge.write_text('[sheet]\nspreadsheet = "a.xlsx"\n' + "#" * 3_000_000 + "\n")
    script = ("import resource, sys\n"
              "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
              "from okrsync.cli import main\n"
              "sys.argv = ['okrsync', 'check', '-c', sys.argv[1]]\n"
              "main()\n")
    for path, why in ((pipe, "it is not a regular file (a folder, a device or a pipe)"),
                      (Path("/dev/zero"), "it is not a regular file (a folder, a device or "
                                          "a pipe)"),
                      (huge, "it is larger than 1,000,000 bytes, far more than such a file "
                             "holds")):
        done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 2, (path, done.stderr)
        assert done.stderr.splitlines() == [f"error: config file {path} cannot be read: {why}"]


def test_the_xml_defences_okrsync_relies_on_are_declared_and_in_use():
    """openpyxl parses workbooks through defusedxml only when it is installed: okrsync
    declares it instead of relying on another package to bring it."""
    import tomllib

    import openpyxl.xml

    root = Path(__file__).resolve().parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(dependency.startswith("defusedxml>=") for dependency in project["dependencies"])
    assert openpyxl.xml.DEFUSEDXML
