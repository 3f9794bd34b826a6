"""How fast and light a pull is at company scale, against the way people script it.

    .venv/bin/python benchmarks/pull_at_scale.py            # the full run (~10 min)
    .venv/bin/python benchmarks/pull_at_scale.py --quick    # smaller, for a first look

It starts the local Sheets and JIRA Cloud stand-ins from the test suite with a
simulated network latency on every request, generates a company-scale dashboard and
the matching JIRA data, and prints:

1. `okrsync pull` end to end (a separate process): wall time, Sheets reads and writes,
   JIRA requests, peak memory (RSS), and the least number of requests the data allows;
   for the first pull and for a nightly pull after some work moved in JIRA, against
   JIRA Cloud and against JIRA Server / Data Center, with the nightly pull's requests
   as a share of the first pull's and the site metadata it asked (statuses, projects,
   filters…) counted apart.
2. The straightforward script (gspread cell by cell, one `jira.search_issues` per KR,
   sequential) on the same data, with the same figures and the ratio. It is slow, so
   by default it runs on a sample of KRs and the figures are scaled to all of them
   (said so in the output); `--naive-all` runs it on every KR.
3. Cold start: `okrsync --help` and `okrsync report` on the bundled example, as whole
   processes, the median of several runs.
4. Growth: the first pull at 100, 1,000 and 5,000 KRs (`--repeat N`: each N times on
   fresh data, with the median CPU and its range; `--skip-main --growth 1000 --repeat 5
   --latency 0.05` measures only the first pull's CPU at 1,000 KRs).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import EN_HEADER  # noqa: E402
from tests.standins.jira import JiraStandIn  # noqa: E402
from tests.standins.sheets import SheetsStandIn  # noqa: E402

BOOK = "1BenchmarkSpreadsheet0123456789abcdef"
TAB = "OKR"
TOKEN = "benchmark-token-not-a-secret"
AS_OF = "2024-08-20"
CLOUD_PAGE = 100  # what /search/jql returns per page when fields are asked for
CHURN = 0.01  # the share of issues that change between two nightly pulls


@dataclass
class Company:
    rows: list[list[Any]]
    epic_children: int
    jql_pages: int
    count_only: int
    uses_points: bool


def build(krs: int, sheets: SheetsStandIn, jira: JiraStandIn, seed: int = 7) -> Company:
    """1,000 KRs → 20 departments, 600 epic links (20–200 children), 300 JQL, 100 manual."""
    rng = random.Random(seed)
    departments = [f"{n:02d} 사업부" for n in range(1, 21)]
    kinds = ["epic"] * (krs * 6 // 10) + ["jql"] * (krs * 3 // 10)
    kinds += ["manual"] * (krs - len(kinds))
    rng.shuffle(kinds)
    rows: list[list[Any]] = [EN_HEADER]
    epic_children = jql_pages = count_only = 0
    uses_points = False
    for n, kind in enumerate(kinds):
        department = departments[n * len(departments) // krs]
        objective = f"{department} 목표 {n // 5 % 3 + 1}"
        row: list[Any] = [department, objective, f"KR {n:05d}", f"담당 {n % 37}", "0%", "100%",
                          f"{rng.randint(0, 30)}%", f"{rng.randint(20, 60)}%", None, None, None]
        if kind == "epic":
            epic = f"EP-{n}"
            jira.add(epic, "indeterminate")
            children = rng.randint(20, 200)
            done = rng.random()
            for c in range(children):
                jira.add(f"ST-{n}-{c}", "done" if rng.random() < done else "new",
                         parent=epic, points=rng.choice([1, 2, 3, 5, 8]))
            epic_children += children
            metric = rng.choices(["done_ratio", "points_ratio", "done_count"], [7, 2, 1])[0]
            uses_points = uses_points or metric == "points_ratio"
            row += [epic, metric]
            if metric == "done_count":  # a count goes into a KR kept in numbers
                row[4], row[5], row[6], row[7] = 0, children, None, None
        elif kind == "jql":
            size = rng.randint(10, 60)
            project = f"J{n % 30}"
            for c in range(size):
                jira.add(f"{project}-{n}{c:03d}", rng.choice(["done", "new", "indeterminate"]),
                         labels=(f"kr{n}",))
            metric = rng.choices(["count", "done_count", "done_ratio"], [3, 4, 3])[0]
            if metric == "count":
                count_only += 1
            else:
                jql_pages += math.ceil(size / CLOUD_PAGE)
            row += [f"project = {project} AND labels = kr{n}", metric]
            if metric != "done_ratio":  # a count goes into a KR kept in numbers
                row[4], row[5], row[6], row[7] = 0, size, None, None
        rows.append(row)
    key = sheets.service_account()
    sheets.key = key  # type: ignore[attr-defined]
    sheets.add_spreadsheet(BOOK, "Company OKR", shared_with={key["client_email"]})
    sheets.add_sheet(BOOK, TAB, rows, sheet_id=11)
    jira.cache = True
    return Company(rows, epic_children, jql_pages, count_only, uses_points)


MAX_WORKERS: int | None = None
PROFILES: Path | None = None


def as_installed() -> None:
    """Measure okrsync as an installed copy runs: pip compiles a package's modules to
    bytecode when it installs it, and an editable checkout writes its bytecode on its
    first run, unless PYTHONDONTWRITEBYTECODE is set (as on the machines these figures
    come from). Then every okrsync process would compile its modules from source again,
    a cost no user pays. They are compiled once here, into their usual __pycache__."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "okrsync")],
                   check=True)


def write_config(folder: Path, sheets: SheetsStandIn, jira: JiraStandIn) -> Path:
    (folder / "key.json").write_text(json.dumps(sheets.key))  # type: ignore[attr-defined]
    (folder / "key.json").chmod(0o600)
    config = folder / "okrsync.toml"
    auth = f'email = "{jira.email}"' if jira.cloud else 'auth = "pat"'
    config.write_text(
        f'[sheet]\nspreadsheet = "{BOOK}"\nworksheet = "{TAB}"\n'
        f'[google]\ncredentials = "key.json"\napi_endpoint = "{sheets.url}"\n'
        f'[jira]\nserver = "{jira.url}"\n{auth}\n'
        'token_env = "OKRSYNC_BENCH_TOKEN"\n'
        + (f"max_workers = {MAX_WORKERS}\n" if MAX_WORKERS else ""))
    return config


PEAK = """
import atexit, os, sys
def _peak():
    try:
        status = open("/proc/self/status").read()
        kb = int(status.split("VmHWM:")[1].split()[0])
    except (OSError, IndexError):
        import resource
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = os.times()
    with open(os.environ["BENCH_PEAK_FILE"], "w") as out:
        out.write(f"{kb} {times.user + times.system}")
atexit.register(_peak)
"""


def run_process(args: list[str], env: dict[str, str] | None = None,
                profile: Path | None = None) -> tuple[float, int, int, float]:
    """Wall seconds, peak RSS in MB, exit code and CPU seconds of one whole process
    (with `profile`, py-spy's samples of it saved there, for a flame graph).

    Python processes report their own peak (VmHWM) at exit: the parent's size at fork
    would otherwise be counted in the child's.
    """
    peak_file = Path(tempfile.mkstemp()[1])
    env = {**(env or os.environ), "BENCH_PEAK_FILE": str(peak_file)}
    if args[0] == sys.executable and args[1] in ("-m", "-c"):
        code = PEAK + (f"import runpy; sys.argv = {[args[2], *args[3:]]!r}; "
                       f"runpy.run_module({args[2]!r}, run_name='__main__')"
                       if args[1] == "-m" else f"sys.argv = ['-c', *{args[3:]!r}]\n" + args[2])
        args = [sys.executable, "-c", code]
    if profile:  # the stacks of whichever thread holds the GIL: its CPU, the workers' too
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        args = [spy, "record", "--gil", "--format", "raw", "--rate", "250",
                "--output", str(profile), "--", *args]
    start = time.perf_counter()
    process = subprocess.run(args, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - start
    err = process.stderr.decode(errors="replace").strip()
    if err and process.returncode not in (0, 1, 4):
        lines = err.splitlines()
        print("\n".join(lines[:3] + (["…"] if len(lines) > 6 else []) + lines[-3:]),
              file=sys.stderr)
    try:
        kb, cpu = peak_file.read_text().split()
        rss_mb, cpu_s = int(kb) // 1024, float(cpu)
    except (OSError, ValueError):
        rss_mb, cpu_s = 0, 0.0
    peak_file.unlink(missing_ok=True)
    return wall, rss_mb, process.returncode, cpu_s


@dataclass
class Figures:
    label: str
    wall: float
    sheets_reads: int
    sheets_writes: int
    jira: int
    rss_mb: int
    exit_code: int
    cpu: float = 0.0
    scaled: str = ""
    meta: int = 0
    """JIRA requests that were not searches."""


def counts(sheets: SheetsStandIn, jira: JiraStandIn) -> tuple[int, int, int]:
    reads = sum(1 for r in sheets.requests if r.method == "GET")
    writes = sum(1 for r in sheets.requests if r.method in ("POST", "PUT"))
    return reads, writes, len(jira.requests)


SEARCHES = ("search", "search/jql", "jql/match")


def metadata(jira: JiraStandIn) -> int:
    """Requests that are not searches: the server's info and clock, the field list, the
    statuses, projects, filters and names a pull compares."""
    return sum(1 for r in jira.requests
               if r.path.split("/rest/api/")[-1].split("/", 1)[-1] not in SEARCHES)


def okrsync_pull(label: str, config: Path, sheets: SheetsStandIn, jira: JiraStandIn,
                 *extra: str) -> Figures:
    sheets.requests.clear()
    jira.requests.clear()
    env = {**os.environ, "OKRSYNC_BENCH_TOKEN": TOKEN, "XDG_CONFIG_HOME": str(config.parent),
           "XDG_CACHE_HOME": str(config.parent / "cache")}
    profile = PROFILES / f"{label.split('(')[-1].rstrip(')')}.txt" if PROFILES else None
    wall, rss, code, cpu = run_process([sys.executable, "-m", "okrsync", "pull", "-c",
                                        str(config), "--as-of", AS_OF, "--quiet", *extra], env,
                                       profile)
    reads, writes, jira_requests = counts(sheets, jira)
    return Figures(label, wall, reads, writes, jira_requests, rss, code, cpu,
                   meta=metadata(jira))


def full_read_changes(config: Path, jira: JiraStandIn, sheets: SheetsStandIn) -> int:
    """How many values a full read (dry run) would still change after the nightly pull."""
    env = {**os.environ, "OKRSYNC_BENCH_TOKEN": TOKEN, "XDG_CONFIG_HOME": str(config.parent),
           "XDG_CACHE_HOME": str(config.parent / "cache")}
    out = subprocess.run([sys.executable, "-m", "okrsync", "pull", "-c", str(config), "--as-of",
                          AS_OF, "--full", "--dry-run", "--log-format", "json"], env=env,
                         capture_output=True, text=True, check=False)
    events = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    summary = next((e for e in events if e.get("event") == "summary"), {"changes": -1})
    return int(summary["changes"])


def move_work(jira: JiraStandIn, share: float, seed: int = 3) -> int:
    """Some issues change status in JIRA, as they do between two nightly pulls (their
    `updated` becomes the site's now). How many moved."""
    rng = random.Random(seed)
    jira.now = datetime.now(UTC)  # the next night: a day after the first pull
    moved = [raw["key"] for raw in jira.issues if rng.random() < share]
    for key in moved:
        jira.change(key, category=rng.choice(["done", "new", "indeterminate"]))
    return len(moved)


# ---------------------------------------------------------------- the straightforward way

NAIVE = '''
import json, sys, time
sys.path.insert(0, {root!r})
import gspread
from google.oauth2 import service_account
from jira import JIRA
from okrsync.sheets.google import RoutedSession

cfg = json.loads(sys.argv[-1])
credentials = service_account.Credentials.from_service_account_info(
    cfg["key"], scopes=["https://www.googleapis.com/auth/spreadsheets"])
gc = gspread.Client(None, session=RoutedSession(credentials, cfg["sheets"]))
ws = gc.open_by_key(cfg["book"]).worksheet(cfg["tab"])
rows = ws.get_all_values()
jira = JIRA(cfg["jira"], basic_auth=(cfg["email"], cfg["token"]))
for number, row in enumerate(rows[1:], start=2):
    if number - 1 > cfg["sample"]:
        break
    link, metric = (row + [""] * 13)[11], (row + [""] * 13)[12]
    start, target = float(row[4].rstrip("%") or 0), float(row[5].rstrip("%") or 0)
    current = None
    if link:
        jql = f"parent = {{link}}" if link.startswith("EP-") else link
        issues = jira.search_issues(jql, maxResults=False,
                                    fields="status,customfield_10016")
        done = [i for i in issues if i.fields.status.statusCategory.key == "done"]
        if metric == "count":
            current = len(issues)
        elif metric == "done_count":
            current = len(done)
        elif metric == "points_ratio":
            total = sum(i.fields.customfield_10016 or 0 for i in issues) or 1
            current = 100 * sum(i.fields.customfield_10016 or 0 for i in done) / total
        else:
            current = 100 * len(done) / max(1, len(issues))
        ws.update_cell(number, 9, current)
    else:
        current = float((row[7] or row[6] or "0").rstrip("%"))
    achievement = (current - start) / (target - start) if target != start else 0
    ws.update_cell(number, 11, achievement)
    ws.format(f"K{{number}}", {{"backgroundColor": {{"red": 1 - achievement, "green": achievement,
                                                "blue": 0.4}}}})
    ws.update_cell(number, 14, "on track" if achievement >= 0.5 else "at risk")
'''


def naive(config: dict[str, Any], sheets: SheetsStandIn, jira: JiraStandIn) -> Figures:
    sheets.requests.clear()
    jira.requests.clear()
    script = NAIVE.format(root=str(ROOT))
    wall, rss, code, cpu = run_process([sys.executable, "-c", script, json.dumps(config)])
    reads, writes, jira_requests = counts(sheets, jira)
    return Figures("straightforward script", wall, reads, writes, jira_requests, rss, code, cpu)


# ---------------------------------------------------------------- cold start


def cold_start(runs: int) -> tuple[float, float]:
    okrsync = shutil.which("okrsync", path=str(Path(sys.executable).parent)) or "okrsync"
    folder = Path(tempfile.mkdtemp())
    for name in ("okr-dashboard.xlsx", "jira-export.json", "okrsync.toml"):
        shutil.copy(ROOT / "examples" / name, folder / name)
    help_times = [run_process([okrsync, "--help"])[0] for _ in range(runs)]
    report_times = [run_process([okrsync, "report", "-c", str(folder / "okrsync.toml"),
                                 "--as-of", AS_OF])[0] for _ in range(runs)]
    shutil.rmtree(folder)
    return statistics.median(help_times), statistics.median(report_times)


# ---------------------------------------------------------------- main


def minimum_requests(company: Company) -> tuple[int, int]:
    """The fewest requests this data allows: Sheets one read and one write; JIRA the
    server check, the field list when story points are used, every page of 100 epic
    children, every page of each JQL that needs issues, one count per count-only JQL."""
    jira = 1 + int(company.uses_points) + math.ceil(company.epic_children / CLOUD_PAGE)
    jira += company.jql_pages + company.count_only
    return 2, jira


def scale(krs: int, latency: float, naive_sample: int | None, nightly: bool = True,
          cloud: bool = True) -> tuple[list[Figures], tuple[int, int], Company]:
    figures = []
    with SheetsStandIn() as sheets, JiraStandIn(cloud=cloud, token=TOKEN) as jira:
        jira.now = datetime.now(UTC) - timedelta(days=2)  # the issues were made earlier
        company = build(krs, sheets, jira)
        jira.now += timedelta(days=1)  # the first pull, a day after the work was planned
        sheets.latency = jira.latency = latency
        folder = Path(tempfile.mkdtemp())
        config = write_config(folder, sheets, jira)
        figures.append(okrsync_pull("okrsync pull (first)", config, sheets, jira))
        if nightly:
            moved = move_work(jira, CHURN)
            night = okrsync_pull("okrsync pull (nightly)", config, sheets, jira)
            night.scaled = f"{moved:,} issues ({CHURN:.0%}) moved"
            figures.append(night)
            check = okrsync_pull("full read, dry run", config, sheets, jira, "--full",
                                 "--dry-run", "--log-format", "json")
            same = check.exit_code in (0, 1) and not full_read_changes(config, jira, sheets)
            check.scaled = ("writes nothing: the nightly pull wrote what a full read gives"
                            if same else "DIFFERS from the nightly pull")
            figures.append(check)
        if naive_sample is not None:
            sample = min(naive_sample, krs)
            result = naive({"key": sheets.key, "sheets": sheets.url,  # type: ignore[attr-defined]
                            "book": BOOK, "tab": TAB, "jira": jira.url, "email": jira.email,
                            "token": TOKEN, "sample": sample}, sheets, jira)
            if sample < krs:
                factor = krs / sample
                result = Figures(result.label, result.wall * factor,
                                 round(result.sheets_reads * factor),
                                 round(result.sheets_writes * factor),
                                 round(result.jira * factor), result.rss_mb, result.exit_code,
                                 result.cpu * factor, f"measured on {sample} KRs, ×{factor:g}")
            figures.append(result)
        shutil.rmtree(folder)
    return figures, minimum_requests(company), company


def show(figures: list[Figures], minimum: tuple[int, int] | None) -> None:
    print(f"{'':26} {'wall s':>8} {'CPU s':>6} {'Sheets r/w':>11} {'JIRA req':>9} "
          f"{'of them metadata':>16} {'RSS MB':>7}  note")
    for f in figures:
        failed = "" if f.exit_code in (0, 1, 4) else " FAILED"
        print(f"{f.label:26} {f.wall:8.1f} {f.cpu:6.1f} {f.sheets_reads:>5}/{f.sheets_writes:<5} "
              f"{f.jira:>9} {f.meta:>16} {f.rss_mb:>7}  {f.scaled}{failed}")
    if minimum is not None:
        print(f"{'least possible':26} {'':8} {minimum[0]:>5} total {minimum[1]:>9}")


def nightly_share(figures: list[Figures]) -> str:
    """The nightly pull's searches as a share of the first pull's requests, and its
    metadata requests."""
    first, night = figures[0], figures[1]
    searches = night.jira - night.meta
    return (f"nightly: {searches} searches = {searches / first.jira:.1%} of the first pull's "
            f"{first.jira} requests, plus {night.meta} metadata requests")


def nightly_only(args: argparse.Namespace) -> None:
    """Only the first and nightly pulls, on both dialects (a few minutes)."""
    for cloud in (True, False):
        print(f"== {args.krs} KRs, JIRA {'Cloud' if cloud else 'Server / Data Center'} ==")
        runs, _, _ = scale(args.krs, args.latency, None, cloud=cloud)
        show(runs, None)
        print(nightly_share(runs) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--krs", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    parser.add_argument("--naive-sample", type=int, default=100)
    parser.add_argument("--naive-all", action="store_true")
    parser.add_argument("--growth", default="100,1000,5000")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run each growth size N times and show the median CPU and its "
                             "range (e.g. --skip-main --growth 1000 --repeat 5)")
    parser.add_argument("--skip-main", action="store_true", help="only cold start and growth")
    parser.add_argument("--runs", type=int, default=7, help="cold-start runs")
    parser.add_argument("--quick", action="store_true", help="200 KRs, growth 100,500")
    parser.add_argument("--nightly", action="store_true",
                        help="only the first and nightly pulls, on Cloud and Server / DC")
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR",
                        help="save py-spy samples of each okrsync pull into DIR (needs "
                             "`pip install py-spy`; the figures are then not comparable)")
    parser.add_argument("--max-workers", type=int, default=None,
                        help="set [jira] max_workers (default: okrsync's default)")
    args = parser.parse_args()
    global MAX_WORKERS, PROFILES
    MAX_WORKERS = args.max_workers
    PROFILES = args.profile
    if PROFILES:
        PROFILES.mkdir(parents=True, exist_ok=True)
    if args.quick:
        args.krs, args.growth, args.naive_sample, args.runs = 200, "100,500", 20, 3
    as_installed()
    print(f"okrsync benchmark — {date.today()} — {platform.node()} — {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"simulated latency {args.latency * 1000:.0f} ms per request\n")

    if args.skip_main:
        growth(args)
        return
    if args.nightly:
        nightly_only(args)
        return
    print(f"== {args.krs} KRs, JIRA Cloud ==")
    sample = None if args.naive_all else args.naive_sample
    figures, minimum, company = scale(args.krs, args.latency, sample or args.krs)
    jql_links = sum(1 for r in company.rows[1:]
                    if len(r) > 11 and r[11] and not str(r[11]).startswith("EP-"))
    print(f"({company.epic_children:,} epic children, {jql_links} JQL links)")
    show(figures, minimum)
    print(nightly_share(figures))
    print(f"\n== {args.krs} KRs, JIRA Server / Data Center ==")
    server, _, _ = scale(args.krs, args.latency, None, cloud=False)
    show(server, None)
    print(nightly_share(server))
    first, naive_figures = figures[0], figures[-1]
    ratio = naive_figures.wall / first.wall if first.wall else float("nan")
    print(f"\nokrsync is {ratio:.0f}× faster than the straightforward script "
          f"({naive_figures.wall:.0f} s → {first.wall:.1f} s); JIRA requests "
          f"{first.jira / minimum[1]:.2f}× the least possible.\n")

    help_median, report_median = cold_start(args.runs)
    print(f"== cold start (median of {args.runs}) ==")
    print(f"okrsync --help   {help_median:.3f} s")
    print(f"okrsync report   {report_median:.3f} s (bundled example)\n")

    growth(args)

    print("\n== targets ==")
    print(f"Sheets requests per nightly pull ≤ 3: "
          f"{figures[1].sheets_reads + figures[1].sheets_writes}")
    for name, runs, goal in (("Cloud", figures, 0.05), ("Server / DC", server, 0.40)):
        night = runs[1]
        print(f"{name}: nightly searches ≤ {goal:.0%} of the first pull: "
              f"{(night.jira - night.meta) / runs[0].jira:.1%}; metadata ≤ 6: {night.meta}")
    print(f"JIRA within 1.5× of least: {first.jira / minimum[1]:.2f}×")
    print(f"wall at {args.krs} KRs < 10 s: {first.wall:.1f} s; ≥ 20× faster: {ratio:.0f}×")
    print(f"okrsync --help < 0.3 s: {help_median:.3f} s")


def growth(args: argparse.Namespace) -> None:
    """The first pull at each size; with --repeat N, N times on fresh data, the median and
    the range of its CPU (a shared 2-core machine varies by a fifth from run to run)."""
    repeat = max(1, args.repeat)
    print(f"== growth (first pull{f', median of {repeat}' if repeat > 1 else ''}) ==")
    print(f"{'KRs':>6} {'wall s':>8} {'CPU s':>6} {'CPU range':>10} {'Sheets r/w':>11} "
          f"{'JIRA req':>9} {'least JIRA':>10} {'RSS MB':>7}")
    for size in [int(s) for s in args.growth.split(",") if s]:
        runs = []
        for _ in range(repeat):
            grown, least, _ = scale(size, args.latency, None, nightly=False)
            runs.append(grown[0])
        f = sorted(runs, key=lambda run: run.cpu)[len(runs) // 2]
        spread = (f"{min(r.cpu for r in runs):.1f}–{max(r.cpu for r in runs):.1f}"
                  if repeat > 1 else "–")
        wall = statistics.median(r.wall for r in runs)
        print(f"{size:>6} {wall:8.1f} {f.cpu:6.1f} {spread:>10} "
              f"{f.sheets_reads:>5}/{f.sheets_writes:<5} {f.jira:>9} {least[1]:>10} "
              f"{f.rss_mb:>7}")


if __name__ == "__main__":
    main()
