"""The config file: what it refuses, and that it says which key is wrong."""

from __future__ import annotations

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
