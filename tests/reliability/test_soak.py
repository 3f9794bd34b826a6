"""Many pulls in a row against the stand-ins with random faults (seeded, bounded).

At the end the sheet equals what one clean pull of the final JIRA data gives, the change
log is consistent with the sheet, and no thread or file handle has leaked. The normal
suite runs 12 pulls; `pytest --soak` runs 200.
"""

from __future__ import annotations

import gc
import os
import random
import threading
import time

import pytest
from typer.testing import CliRunner

from okrsync.cli import app
from tests.helpers import EN_HEADER, GOOGLE_BOOK, JIRA_TOKEN
from tests.standins.base import Fault
from tests.standins.jira import JiraStandIn
from tests.standins.sheets import SheetsStandIn

runner = CliRunner()
KRS = 12


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0


def _world(sheets: SheetsStandIn, jira: JiraStandIn, folder, done: list[int]):
    key = sheets.service_account()
    (folder / "key.json").write_text(__import__("json").dumps(key))
    (folder / "key.json").chmod(0o600)
    sheets.add_spreadsheet(GOOGLE_BOOK, shared_with={key["client_email"]})
    rows = [EN_HEADER] + [["Eng", "O", f"KR {n}", "", "0%", "100%", None, None, None, None,
                           None, f"EP-{n}"] for n in range(KRS)]
    sheets.add_sheet(GOOGLE_BOOK, "OKR", rows, sheet_id=5)
    for n in range(KRS):
        jira.add(f"EP-{n}", "indeterminate")
        for c in range(10):
            jira.add(f"ST-{n}-{c}", "done" if c < done[n] else "new", parent=f"EP-{n}")
    config = folder / "okrsync.toml"
    config.write_text(
        f'[sheet]\nspreadsheet = "{GOOGLE_BOOK}"\nworksheet = "OKR"\n'
        f'[google]\ncredentials = "key.json"\napi_endpoint = "{sheets.url}"\n'
        "max_retry_seconds = 3\ntimeout = 2\n"
        f'[jira]\nserver = "{jira.url}"\nemail = "pm@acme.example"\n'
        'token_env = "OKRSYNC_TEST_TOKEN"\nmax_retry_seconds = 3\ntimeout = 2\n')
    return config


def _set_done(jira: JiraStandIn, n: int, done: int) -> None:
    for c in range(10):
        raw = next(i for i in jira.issues if i["key"] == f"ST-{n}-{c}")
        category = "done" if c < done else "new"
        raw["fields"]["status"]["statusCategory"]["key"] = category


def test_soak(tmp_path, monkeypatch, soak):
    monkeypatch.setenv("OKRSYNC_TEST_TOKEN", JIRA_TOKEN)
    rounds = 200 if soak else 12
    rng = random.Random(20241120)
    done = [rng.randint(0, 10) for _ in range(KRS)]
    with SheetsStandIn() as sheets, JiraStandIn(cloud=True) as jira:
        config = _world(sheets, jira, tmp_path, done)
        threads, fds = threading.active_count(), _open_fds()
        codes = []
        for _ in range(rounds):
            for n in rng.sample(range(KRS), 2):  # work moves on in JIRA
                done[n] = max(0, min(10, done[n] + rng.choice([-1, 1, 2])))
                _set_done(jira, n, done[n])
            sheets.faults.clear()
            jira.faults.clear()
            fault = rng.choice(["none", "sheets-429", "sheets-503", "jira-429", "jira-503",
                                "sheets-dropped-write", "jira-500"])
            if fault == "sheets-429":
                sheets.faults.append(Fault(429, times=2, headers={"Retry-After": "0"}))
            elif fault == "sheets-503":
                sheets.faults.append(Fault(503, times=1, method="POST"))
            elif fault == "jira-429":
                jira.faults.append(Fault(429, times=2, headers={"Retry-After": "0"}))
            elif fault == "jira-503":
                jira.faults.append(Fault(503, times=1, match="search"))
            elif fault == "sheets-dropped-write":
                sheets.faults.append(Fault(0, times=1, method="POST"))
            elif fault == "jira-500":
                jira.faults.append(Fault(500, times=1, match="search"))
            result = runner.invoke(app, ["pull", "-c", str(config), "--as-of", "2024-08-20",
                                         "--quiet"])
            assert "Traceback" not in result.output
            codes.append(result.exit_code)
            assert result.exit_code in (0, 1, 3), result.output
        sheets.faults.clear()
        jira.faults.clear()
        final = runner.invoke(app, ["pull", "-c", str(config), "--as-of", "2024-08-20"])
        assert final.exit_code == 0, final.output
        grid = sheets.values(GOOGLE_BOOK, "OKR")
        assert [row[8] for row in grid[1:]] == [pytest.approx(d / 10) for d in done]
        log = sheets.values(GOOGLE_BOOK, "okrsync log")
        last: dict[str, object] = {}
        for row in log[1:]:
            last[row[4]] = row[7]
        for n in range(KRS):  # the newest log line of each Q3 cell is what the cell holds
            assert last[f"I{n + 2}"] == pytest.approx(done[n] * 10)
        for _ in range(100):  # the stand-ins' threads end once okrsync closed its connections
            gc.collect()  # what is only garbage is not a leak: its sockets close now
            if threading.active_count() <= threads + 1:
                break
            time.sleep(0.05)
        assert threading.active_count() <= threads + 1, [t.name for t in threading.enumerate()]
        assert _open_fds() <= fds + 5
        assert 0 in codes
