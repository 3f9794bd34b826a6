"""Big workbooks: a pull and a report on a 5,000-KR .xlsx, next to what openpyxl itself
takes to load and save that workbook (the floor for any tool built on it).

    .venv/bin/python benchmarks/xlsx_at_scale.py            # 5,000 KRs
    .venv/bin/python benchmarks/xlsx_at_scale.py --krs 1000

Prints openpyxl's load and save times, then okrsync's first pull, a second pull (nothing
new) and a report, each as a whole process (wall and CPU), with the ratios the targets
are stated in: a first pull within 3× openpyxl's load + save, a report within 1.5× its
load.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook, load_workbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.pull_at_scale import as_installed, run_process  # noqa: E402

HEADER_TOP = ["부서", "목표", "Key Result", "Key Result 설명", "담당자", "목표", None,
              "분기별 데이터", None, None, None, "목표값 대비 달성률", "JIRA 연동", "JIRA 기준",
              "상태", "마지막 동기화"]
HEADER_SUB = [None, None, None, None, None, "시작값", "목표값", "1Q", "2Q", "3Q", "4Q", None,
              None, None, None, None]


def build(folder: Path, krs: int, seed: int = 11) -> Path:
    """The blog's dashboard with `krs` KRs (a third linked to JIRA epics) and its export."""
    rng = random.Random(seed)
    book = Workbook()
    sheet = book.active
    sheet.title = "2024 OKR"
    sheet.append(HEADER_TOP)
    sheet.append(HEADER_SUB)
    for col in (1, 2, 3, 4, 5, 12, 13, 14, 15, 16):
        sheet.merge_cells(start_row=1, start_column=col, end_row=2, end_column=col)
    sheet.merge_cells("F1:G1")
    sheet.merge_cells("H1:K1")
    issues = []
    for n in range(krs):
        linked = n % 3 == 0
        link = f"EP-{n}" if linked else None
        if linked:
            for c in range(rng.randint(5, 30)):
                issues.append({"id": str(100000 + len(issues)), "key": f"ST-{n}-{c}", "fields": {
                    "status": {"name": "x", "statusCategory": {
                        "key": rng.choice(["done", "new", "indeterminate"])}},
                    "project": {"key": "ST", "name": "ST"},
                    "issuetype": {"name": "Story", "hierarchyLevel": 0},
                    "parent": {"id": str(n), "key": link}, "labels": []}})
        sheet.append([f"{n // 250:02d} 실" if n % 250 == 0 else None,
                      f"목표 {n // 50}" if n % 50 == 0 else None, f"KR {n:05d} 달성",
                      "설명", f"담당 {n % 40}", "0%" if linked else 0, "100%" if linked else 10,
                      f"{rng.randint(0, 40)}%" if linked else rng.randint(0, 5),
                      f"{rng.randint(20, 70)}%" if linked else rng.randint(3, 8), None, None,
                      None, link, None, None, None])
    book.save(folder / "okr.xlsx")
    (folder / "export.json").write_text(json.dumps({"issues": issues, "isLast": True}))
    (folder / "okrsync.toml").write_text('[sheet]\nspreadsheet = "okr.xlsx"\n'
                                         '[jira]\nexport = "export.json"\n', encoding="utf-8")
    return folder / "okrsync.toml"


def timed(action) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--krs", type=int, default=5000)
    args = parser.parse_args()
    as_installed()
    folder = Path(tempfile.mkdtemp())
    config = build(folder, args.krs)
    workbook = folder / "okr.xlsx"
    load = timed(lambda: load_workbook(workbook))
    book = load_workbook(workbook)
    save = timed(lambda: book.save(folder / "copy.xlsx"))
    okrsync = [sys.executable, "-m", "okrsync"]
    runs = {
        "okrsync pull (first)": run_process([*okrsync, "pull", "-c", str(config), "--as-of",
                                             "2024-08-20", "--quiet"]),
        "okrsync pull (again)": run_process([*okrsync, "pull", "-c", str(config), "--as-of",
                                             "2024-08-20", "--quiet"]),
        "okrsync report": run_process([*okrsync, "report", "-c", str(config), "--as-of",
                                       "2024-08-20", "-f", "json"]),
    }
    print(f"{args.krs:,} KRs, {workbook.stat().st_size / 1e6:.1f} MB workbook")
    print(f"openpyxl load {load:.1f} s, save {save:.1f} s (load + save {load + save:.1f} s)")
    print(f"{'':24} {'wall s':>7} {'CPU s':>6} {'exit':>5}  ratio")
    for label, (wall, _, code, cpu) in runs.items():
        floor = load if label == "okrsync report" else load + save
        name = "load" if label == "okrsync report" else "load + save"
        print(f"{label:24} {wall:7.1f} {cpu:6.1f} {code:>5}  {wall / floor:.2f}× {name}")
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
