"""The company-wide report and brief: `report -f html` and `digest -f html` at 1,000 and
5,000 KRs, beside the terminal table report, on the .xlsx dashboard of xlsx_at_scale.py.

    .venv/bin/python benchmarks/html_at_scale.py                # 1,000 and 5,000 KRs
    .venv/bin/python benchmarks/html_at_scale.py --krs 1000

Each run is a whole process (as a person or cron runs it), its output saved to a file:
wall time, CPU, the output's size, and the wall time as a multiple of the table report's
(the target: an HTML page within 3x the table report's time and 1.5 MB at 1,000 KRs).
Before measuring, two pulls a week apart fill the sheet and its change log, so the
brief has something to tell.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.pull_at_scale import as_installed  # noqa: E402
from benchmarks.xlsx_at_scale import build  # noqa: E402

AS_OF = ["--as-of", "2024-08-20"]
RUNS = {
    "report (table)": ["report", *AS_OF],
    "report -f html": ["report", *AS_OF, "-f", "html"],
    "digest (table)": ["digest", *AS_OF],
    "digest -f html": ["digest", *AS_OF, "-f", "html"],
}


def measure(args: list[str], out: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds of one okrsync process, and the bytes it printed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with out.open("wb") as sink:
        done = subprocess.run([sys.executable, "-m", "okrsync", *args], stdout=sink,
                              stderr=subprocess.PIPE, check=False, env={
                                  "COLUMNS": "120", "PATH": "/usr/bin:/bin",
                                  "HOME": str(out.parent)})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1, 4):
        sys.exit(done.stderr.decode(errors="replace"))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out.stat().st_size


def bench(krs: int) -> None:
    folder = Path(tempfile.mkdtemp())
    config = build(folder, krs)
    for day in ("2024-08-13", "2024-08-20"):
        measure(["pull", "-c", str(config), "--as-of", day, "--quiet"], folder / "pull.txt")
    measure(["report", "-c", str(config), *AS_OF], folder / "warm.txt")  # caches warm
    print(f"{krs:,} KRs")
    print(f"{'':16} {'wall s':>7} {'CPU s':>6} {'output':>9}  vs. table report")
    table = None
    for label, args in RUNS.items():
        wall, cpu, size = measure([*args[:1], "-c", str(config), *args[1:]],
                                  folder / f"{label.replace(' ', '_')}.out")
        table = table or wall
        shown = f"{size / 1e6:.2f} MB" if size > 100_000 else f"{size / 1e3:.0f} kB"
        print(f"{label:16} {wall:7.1f} {cpu:6.1f} {shown:>9}  {wall / table:.1f}x")
    shutil.rmtree(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--krs", type=int, action="append")
    sizes = parser.parse_args().krs or [1000, 5000]
    as_installed()
    for krs in sizes:
        bench(krs)


if __name__ == "__main__":
    main()
