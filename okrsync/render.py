"""Turning results into what people read: rich tables, Markdown, JSON, CSV."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from itertools import groupby
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from okrsync.core.calendar import Period
from okrsync.core.layout import ALIASES, Column, normalise
from okrsync.core.okr import KeyResult
from okrsync.core.plan import Assessment
from okrsync.core.progress import NotComputable, Status
from okrsync.core.text import clean
from okrsync.core.values import format_number
from okrsync.redact import scrub
from okrsync.report import STATUS_ORDER, frame, overall, record, rollup

STATUS_STYLE = {
    Status.DONE: "bold green",
    Status.ON_TRACK: "green",
    Status.AT_RISK: "yellow",
    Status.OFF_TRACK: "bold red",
    Status.NO_DATA: "dim",
}
_SPARK = "▁▂▃▄▅▆▇█"


def shown(text: object) -> str:
    """Text from a sheet or JIRA as it may be printed: one line, control characters
    visible, secrets removed. Never markup: `[link=…]` stays text."""
    return scrub(clean(str(text), one_line=True))


def plain(text: object, style: str = "") -> Text:
    return Text(shown(text), style=style)


def _table(title: str) -> Table:
    """A table with a bold title on the left and a rule under the header, as all here."""
    return Table(box=box.SIMPLE_HEAD, title=title, title_justify="left", title_style="bold")


def value(kr: KeyResult, number: float | None) -> str:
    """A KR's number with the unit people typed: `4.2점`, `45%`, `₩1,000`."""
    if number is None:
        return "–"
    text = format_number(round(number, 2))
    if kr.unit in ("₩", "$", "€", "£", "¥"):
        return kr.unit + text
    return text + kr.unit


def percent(achievement: float | NotComputable | None) -> str:
    if achievement is None or isinstance(achievement, NotComputable):
        return "–"
    return f"{achievement * 100:.0f}%"


def bar(achievement: float | NotComputable, width: int = 10) -> str:
    if isinstance(achievement, NotComputable):
        return "·" * width
    filled = round(min(1.0, max(0.0, achievement)) * width)
    return "█" * filled + "░" * (width - filled)


def trend(kr: KeyResult) -> str:
    """One character per quarter, its height the quarter's achievement; `·` for no value."""
    marks = []
    for quarter in range(1, 5):
        achieved = kr.quarter_achievement(quarter)
        if kr.quarters.get(quarter) is None or isinstance(achieved, NotComputable):
            marks.append("·")
        else:
            level = min(1.0, max(0.0, achieved))
            marks.append(_SPARK[min(len(_SPARK) - 1, int(level * len(_SPARK)))])
    return "".join(marks)


def _status_counts(counts: dict[str, Any]) -> str:
    parts = [f"{counts[str(s)]} {s}" for s in STATUS_ORDER if counts.get(str(s))]
    return ", ".join(parts) or "no KRs"


def _average(average: float | None) -> str:
    return "–" if average is None or average != average else f"{average * 100:.0f}%"


def report_table(assessments: Sequence[Assessment], period: Period) -> Group:
    """Departments → objectives → KRs, with a summary per department and overall."""
    parts: list[Any] = [Text(
        f"OKR progress as of {period.as_of.isoformat()} · Q{period.quarter} · "
        f"{period.expected * 100:.0f}% of the year passed", style="bold")]
    table = frame(assessments)
    summaries = {row.department: row for row in rollup(table).itertuples()}
    for department, items in groupby(assessments, key=lambda a: a.kr.department):
        members = list(items)
        summary = summaries[department]
        grid = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, padding=(0, 1),
                     title_justify="left", title_style="bold",
                     title=f"{shown(department or '(no department)')} — {summary.krs} KRs, "
                           f"average {_average(summary.average)}")
        grid.add_column("Key Result (owner)", ratio=1, overflow="fold", min_width=14)
        grid.add_column("Start→Now→Target", overflow="fold", max_width=20)
        grid.add_column("Q1-4", no_wrap=True)
        grid.add_column("Achievement", no_wrap=True)
        grid.add_column("Status", no_wrap=True)
        for objective, krs in groupby(members, key=lambda a: a.kr.objective):
            grid.add_row(plain(objective or "(no objective)", style="bold cyan"))
            for item in krs:
                kr = item.kr
                status = Text(str(item.status), style=STATUS_STYLE[item.status])
                if item.problems:
                    status.append(" !", style="bold red")
                name = Text(" " + shown(kr.text))
                if kr.owner:
                    name.append(f" ({shown(kr.owner)})", style="dim")
                grid.add_row(
                    name,
                    shown(f"{value(kr, kr.start)}→{value(kr, kr.current)}→"
                          f"{value(kr, kr.target)}"),
                    trend(kr),
                    f"{bar(item.achievement, 8)}{percent(item.achievement):>5}",
                    status,
                )
        parts.append(grid)
    total = overall(table)
    parts.append(Text(
        f"Total: {total['krs']} KRs, average {_average(total['average'])} — "
        f"{_status_counts(total)}", style="bold"))
    problems = [(a.kr, p) for a in assessments for p in a.problems]
    if problems:
        parts.append(Text("Problems:", style="bold red"))
        for kr, problem in problems:
            parts.append(plain(f"  row {kr.sheet_row} ({kr.text}): {problem}"))
    return Group(*parts)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()!|~])")


def _cell(text: object) -> str:
    """Text for a Markdown document: every Markdown and HTML character escaped, so a KR
    named `![x](http://…)` or `<script>` stays text, and one line, so tables hold."""
    safe = shown(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", safe)


def report_markdown(assessments: Sequence[Assessment], period: Period) -> str:
    """A review-document version: one section per department, a table per objective."""
    table = frame(assessments)
    summaries = {row.department: row for row in rollup(table).itertuples()}
    lines = [f"# OKR progress — {period.as_of.isoformat()} (Q{period.quarter}, "
             f"{period.expected * 100:.0f}% of the year passed)", ""]
    for department, items in groupby(assessments, key=lambda a: a.kr.department):
        summary = summaries[department]
        lines += [f"## {_cell(department or '(no department)')}", "",
                  f"{summary.krs} KRs, average achievement {_average(summary.average)}.", ""]
        for objective, krs in groupby(items, key=lambda a: a.kr.objective):
            lines += [f"### {_cell(objective or '(no objective)')}", "",
                      "| Key Result | Owner | Start | Now | Target | Achievement | Status |",
                      "|---|---|---:|---:|---:|---:|---|"]
            for item in krs:
                kr = item.kr
                status = str(item.status) + (f" ⚠ {item.problems[0]}" if item.problems else "")
                lines.append(
                    f"| {_cell(kr.text)} | {_cell(kr.owner)} | {value(kr, kr.start)} | "
                    f"{value(kr, kr.current)} | {value(kr, kr.target)} | "
                    f"{percent(item.achievement)} | {_cell(status)} |"
                )
            lines.append("")
    total = overall(table)
    lines.append(f"**Total:** {total['krs']} KRs, average achievement "
                 f"{_average(total['average'])} — {_status_counts(total)}.")
    return "\n".join(lines) + "\n"


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def to_json(data: Any, indent: int | None = 2) -> str:
    """JSON that any stream can carry: a lone surrogate from a cell is kept as its JSON
    escape instead of breaking the output; secrets are removed."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return scrub(_SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", text))


def report_json(assessments: Sequence[Assessment],
                moved: Mapping[str, list[dict[str, Any]]] | None = None) -> str:
    return to_json([record(a, moved) for a in assessments]) + "\n"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: object) -> object:
    """A CSV field a spreadsheet will not run: text starting with =, +, -, @, tab or CR
    gets a leading `'` (as OWASP advises); numbers stay numbers."""
    if not isinstance(text, str):
        return text
    text = scrub(clean(text))
    return "'" + text if text.startswith(_FORMULA_START) else text


def report_csv(assessments: Sequence[Assessment]) -> str:
    table = frame(assessments)
    for column in table.columns:
        if table[column].dtype == object or str(table[column].dtype).startswith("str"):
            table[column] = table[column].map(csv_safe)
    return str(table.to_csv(index=False))


def make_console(stderr: bool = False, width: int | None = None) -> Console:
    """A console that drops colour and box art when not writing to a terminal, and never
    reads text as markup or emoji codes."""
    return Console(stderr=stderr, width=width, highlight=False, soft_wrap=True, markup=False,
                   emoji=False)


def render_pull(result: Any, warnings: Sequence[str] = (), quiet: bool = False) -> Group:
    """What a pull changed (old → new), what went wrong, Andon alerts, one summary line."""
    parts: list[Any] = []
    if result.changes and not quiet:
        table = _table("Changes (dry run)" if result.dry_run else "Changes")
        table.add_column("Row", justify="right")
        table.add_column("Key Result", ratio=1, overflow="fold", min_width=12)
        table.add_column("Cell")
        table.add_column("Old → New", overflow="fold")
        for change in result.changes:
            table.add_row(str(change.row), plain(change.key_result), change.cell,
                          plain(f"{_shown(change.old, change.unit)} → "
                                f"{_shown(change.new, change.unit)}"))
        parts.append(table)
    if result.problems:
        parts.append(Text("Problems (these KRs were skipped or kept their old value):",
                          style="bold red"))
        for problem in result.problems:
            parts.append(plain(f"  row {problem.row} ({problem.key_result}): {problem.message}"))
    if result.alerts:
        parts.append(Text("Andon — KRs that need attention:", style="bold yellow"))
        for alert in result.alerts:
            parts.append(plain(f"  row {alert.row} ({alert.key_result}) [{alert.alarm}]: "
                               f"{alert.detail}"))
    for warning in warnings:
        parts.append(plain(f"warning: {warning}", style="yellow"))
    if not quiet:
        parts.append(plain(_summary(result), style="bold"))
    return Group(*parts)


def _summary(result: Any) -> str:
    values = len(result.changes)
    name = result.state.backend.name
    if result.dry_run:
        summary = (f"Dry run: {values} value(s) and {result.recolored} color(s) would change "
                   f"in {name}; nothing was written.")
    elif result.written:
        summary = f"Wrote {values} value(s) and {result.recolored} color(s) to {name}."
    else:
        summary = f"Nothing to change in {name}."
    krs = len(result.state.assessments)
    linked = sum(1 for a in result.state.assessments if a.kr.linked)
    return (f"{summary} {krs} KRs ({linked} linked to JIRA), {len(result.problems)} "
            f"problem(s).")


def pull_events(result: Any, warnings: Sequence[str], exit_code: int, quiet: bool = False
                ) -> list[dict[str, Any]]:
    """The pull as JSON events, one per line, for log collectors."""
    events: list[dict[str, Any]] = []
    if not quiet:
        events += [{"event": "change", "row": c.row, "key_result": c.key_result,
                    "cell": c.cell, "column": c.column, "old": c.old, "new": c.new,
                    "source": c.source} for c in result.changes]
    events += [{"event": "problem", "row": p.row, "key_result": p.key_result,
                "message": p.message} for p in result.problems]
    events += [{"event": "alert", "alarm": str(a.alarm), "row": a.row,
                "key_result": a.key_result, "department": a.department, "owner": a.owner,
                "detail": a.detail} for a in result.alerts]
    events += [{"event": "warning", "message": w} for w in warnings]
    events.append({"event": "summary", "sheet": result.state.backend.name,
                   "dry_run": result.dry_run, "written": result.written,
                   "changes": len(result.changes), "recolored": result.recolored,
                   "krs": len(result.state.assessments), "problems": len(result.problems),
                   "alerts": len(result.alerts), "exit_code": int(exit_code)})
    return events


def _shown(cell: object, unit: str = "") -> str:
    if cell is None or cell == "":
        return "(empty)"
    if isinstance(cell, float):
        return format_number(round(cell, 2)) + unit
    return str(cell)


def render_check(result: Any) -> Group:
    """What `check` found: where the sheet is, the column mapping, every problem."""
    state = result.state
    layout = state.layout
    rows = "–".join(dict.fromkeys(str(r + 1) for r in layout.header_rows))
    parts: list[Any] = [
        plain(f"Sheet: {state.backend.name} — header in row {rows}", style="bold"),
    ]
    mapping = _table("Columns found")
    mapping.add_column("Column")
    mapping.add_column("Header in the sheet")
    mapping.add_column("Read as")
    for role, (letter, header) in layout.describe().items():
        mapping.add_row(letter, plain(header), role)
    parts.append(mapping)
    linked = sum(1 for a in state.assessments if a.kr.linked)
    parts.append(Text(f"{len(state.assessments)} KRs, {linked} linked to JIRA; "
                      f"Q{state.period.quarter} is the current quarter."))
    if result.problems:
        parts.append(Text("Problems:", style="bold red"))
        for problem in result.problems:
            parts.append(plain(f"  row {problem.row} ({problem.key_result}): {problem.message}"))
        parts.append(Text(f"{len(result.problems)} problem(s): a pull would be partial.",
                          style="bold"))
    else:
        parts.append(Text(f"OK: a pull would be clean ({len(result.changes)} value(s) "
                          "would change).", style="bold green"))
    return Group(*parts)


def _logged_unit(column: str) -> str:
    """The change log keeps numbers only; an achievement column's are percentages."""
    return "%" if normalise(column) in ALIASES[Column.ACHIEVEMENT] else ""


def render_history(records: Sequence[Any]) -> Any:
    """The change log as a table, oldest first."""
    if not records:
        return Text("No changes recorded yet (the change log is empty or nothing matched).")
    table = _table("Change log")
    table.add_column("Time", no_wrap=True)
    table.add_column("Row", justify="right")
    table.add_column("Key Result", ratio=1, overflow="fold", min_width=10)
    table.add_column("Cell")
    table.add_column("Old → New", overflow="fold")
    table.add_column("Source", overflow="fold", max_width=24)
    for entry in records:
        unit = _logged_unit(entry.column)
        table.add_row(plain(entry.time[:16].replace("T", " ")), str(entry.row),
                      plain(entry.key_result), plain(entry.cell),
                      plain(f"{_shown(entry.old, unit)} → {_shown(entry.new, unit)}"),
                      plain(entry.source))
    return table


def render_undo(result: Any, dry_run: bool) -> Group:
    if result.pull is None:
        return Group(Text("Nothing to undo: every pull in the change log has been undone, "
                          "or none has written yet."))
    verb = "Would revert" if dry_run else "Reverted"
    parts: list[Any] = [plain(f"{verb} {len(result.reverted)} cell(s) written by pull "
                              f"{result.pull} in {result.sheet}.", style="bold")]
    for entry in result.reverted:
        parts.append(plain(f"  {entry.cell} (row {entry.row}, {entry.key_result}): "
                           f"{_shown(entry.new)} → {_shown(entry.old)}"))
    if result.refused:
        parts.append(Text("Kept (not reverted):", style="bold yellow"))
        for entry, reason in result.refused:
            parts.append(plain(f"  {entry.cell} (row {entry.row}, {entry.key_result}): "
                               f"{reason}"))
    return Group(*parts)


def render_moved(moved: Mapping[str, list[dict[str, Any]]], since: str) -> Group:
    """What moved since a date, per KR, from the change log."""
    parts: list[Any] = [plain(f"Moved since {since}:", style="bold")]
    if not any(moved.values()):
        parts.append(Text("  nothing"))
    for kr, cells in moved.items():
        for cell in cells:
            unit = _logged_unit(cell["column"])
            parts.append(plain(f"  {kr} — {cell['column']} ({cell['cell']}): "
                               f"{_shown(cell['old'], unit)} → {_shown(cell['new'], unit)}"))
    return Group(*parts)


def markdown_moved(moved: Mapping[str, list[dict[str, Any]]], since: str) -> str:
    lines = [f"## Moved since {since}", ""]
    for kr, cells in moved.items():
        for cell in cells:
            lines.append(f"- {_cell(kr)} — {_cell(cell['column'])}: {_cell(_shown(cell['old']))}"
                         f" → {_cell(_shown(cell['new']))}")
    if len(lines) == 2:
        lines.append("Nothing moved.")
    return "\n".join(lines) + "\n"


def report_html(assessments: Sequence[Assessment], period: Period) -> str:
    """One self-contained HTML page with the table's content and colors, safe to mail.

    Every text from the sheet is escaped: a KR named `<script>` shows as text.
    """
    import html

    from okrsync.core.progress import color

    def escape(text: object) -> str:
        return html.escape(shown(text))

    table = frame(assessments)
    summaries = {row.department: row for row in rollup(table).itertuples()}
    total = overall(table)
    style = {Status.DONE: "#1e7b45", Status.ON_TRACK: "#2e8b57", Status.AT_RISK: "#b7791f",
             Status.OFF_TRACK: "#c0392b", Status.NO_DATA: "#888888"}
    out = [
        "<!DOCTYPE html>", '<html lang="ko"><head><meta charset="utf-8">',
        f"<title>OKR progress {escape(period.as_of.isoformat())}</title>",
        "<style>body{font-family:-apple-system,'Segoe UI','Malgun Gothic',sans-serif;"
        "margin:24px;color:#222}table{border-collapse:collapse;width:100%;margin-bottom:18px}"
        "th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;font-size:14px}"
        "th{background:#f2f2f2}td.n{text-align:right;white-space:nowrap}"
        ".bar{background:#eee;width:120px;height:10px;display:inline-block}"
        ".bar span{display:block;height:10px}.obj td{background:#f7fbff;font-weight:bold}"
        "</style></head><body>",
        f"<h1>OKR progress — {escape(period.as_of.isoformat())}</h1>",
        f"<p>Q{period.quarter}, {period.expected * 100:.0f}% of the year passed. "
        f"{total['krs']} KRs, average achievement {_average(total['average'])} — "
        f"{escape(_status_counts(total))}.</p>",
    ]
    for department, items in groupby(assessments, key=lambda a: a.kr.department):
        summary = summaries[department]
        out.append(f"<h2>{escape(department or '(no department)')}</h2>")
        out.append(f"<p>{summary.krs} KRs, average achievement "
                   f"{_average(summary.average)}.</p>")
        out.append("<table><tr><th>Key Result</th><th>Owner</th><th>Start</th><th>Now</th>"
                   "<th>Target</th><th>Achievement</th><th>Status</th></tr>")
        for objective, krs in groupby(items, key=lambda a: a.kr.objective):
            out.append(f'<tr class="obj"><td colspan="7">'
                       f"{escape(objective or '(no objective)')}</td></tr>")
            for item in krs:
                kr = item.kr
                achieved = item.achievement
                if isinstance(achieved, NotComputable):
                    cell = "–"
                else:
                    width = round(min(1.0, max(0.0, achieved)) * 100)
                    cell = (f'<span class="bar"><span style="width:{width}%;background:#'
                            f'{color(achieved)}"></span></span> {percent(achieved)}')
                status = escape(str(item.status))
                if item.problems:
                    status += f"<br><small>{escape(item.problems[0])}</small>"
                out.append(
                    f"<tr><td>{escape(kr.text)}</td><td>{escape(kr.owner)}</td>"
                    f'<td class="n">{escape(value(kr, kr.start))}</td>'
                    f'<td class="n">{escape(value(kr, kr.current))}</td>'
                    f'<td class="n">{escape(value(kr, kr.target))}</td>'
                    f'<td class="n">{cell}</td>'
                    f'<td style="color:{style[item.status]}">{status}</td></tr>')
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def render_overlaps(result: Any) -> Group:
    """Pairs of KRs across departments that share JIRA issues or read alike."""
    parts: list[Any] = []

    def name(kr: KeyResult) -> str:
        return shown(f"{kr.department or '(no department)'} · row {kr.sheet_row} · {kr.text}")

    if result.shared:
        table = _table("KRs counting the same JIRA issues")
        table.add_column("KR", ratio=1, overflow="fold")
        table.add_column("KR", ratio=1, overflow="fold")
        table.add_column("Shared", justify="right")
        table.add_column("For example", overflow="fold")
        for pair in result.shared:
            more = ", …" if pair.count > len(pair.sample) else ""
            table.add_row(name(pair.first), name(pair.second), str(pair.count),
                          shown(", ".join(pair.sample) + more))
        parts.append(table)
    if result.similar:
        table = _table("KRs that read nearly the same")
        table.add_column("KR", ratio=1, overflow="fold")
        table.add_column("KR", ratio=1, overflow="fold")
        table.add_column("Alike", justify="right")
        for similar in result.similar:
            table.add_row(name(similar.first), name(similar.second), f"{similar.score:.0f}%")
        parts.append(table)
    if not result.shared and not result.similar:
        parts.append(Text("No overlaps: no two departments count the same JIRA issues or "
                          "set KRs that read alike."))
    for kr, problem in result.problems:
        parts.append(plain(f"  row {kr.sheet_row} ({kr.text}): {problem}", style="yellow"))
    return Group(*parts)
