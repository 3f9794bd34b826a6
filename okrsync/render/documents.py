"""Reports as documents: Markdown for review notes, JSON and CSV for scripts, HTML to mail.

Every format shows the same KRs and, with `report --since`, the same moves.
"""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING, Any

from okrsync.core.progress import NotComputable, Status, color
from okrsync.render.text import (
    average,
    cell_value,
    csv_safe,
    html_text,
    logged_unit,
    markdown_text,
    percent,
    status_counts,
    to_json,
    value,
)
from okrsync.report import frame, overall, record, rollup

if TYPE_CHECKING:
    from okrsync.commands.report import ReportResult


def _moves(result: ReportResult) -> list[tuple[str, dict[str, Any]]]:
    """(KR text, cell move) for every move, in sheet order."""
    if result.moved is None:
        return []
    return [(kr, cell) for kr, cells in result.moved.items() for cell in cells]


def _heading(result: ReportResult) -> str:
    period = result.period
    return (f"{period.as_of.isoformat()} (Q{period.quarter}, {period.expected * 100:.0f}% of "
            "the year passed)")


def report_markdown(result: ReportResult) -> str:
    """A review-document version: one section per department, a table per objective."""
    table = frame(result.assessments)
    summaries = {row.department: row for row in rollup(table).itertuples()}
    lines = [f"# OKR progress — {_heading(result)}", ""]
    for department, items in groupby(result.assessments, key=lambda a: a.kr.department):
        summary = summaries[department]
        lines += [f"## {markdown_text(department or '(no department)')}", "",
                  f"{summary.krs} KRs, average achievement {average(summary.average)}.", ""]
        for objective, krs in groupby(items, key=lambda a: a.kr.objective):
            lines += [f"### {markdown_text(objective or '(no objective)')}", "",
                      "| Key Result | Owner | Start | Now | Target | Achievement | Status |",
                      "|---|---|---:|---:|---:|---:|---|"]
            for item in krs:
                kr = item.kr
                status = str(item.status) + (f" ⚠ {item.problems[0]}" if item.problems else "")
                lines.append(
                    f"| {markdown_text(kr.text)} | {markdown_text(kr.owner)} | "
                    f"{markdown_text(value(kr, kr.start))} | "
                    f"{markdown_text(value(kr, kr.current))} | "
                    f"{markdown_text(value(kr, kr.target))} | "
                    f"{percent(item.achievement)} | {markdown_text(status)} |"
                )
            lines.append("")
    total = overall(table)
    lines.append(f"**Total:** {total['krs']} KRs, average achievement "
                 f"{average(total['average'])} — {status_counts(total)}.")
    if result.since is not None:
        lines += ["", f"## Moved since {result.since.isoformat()}", ""]
        moves = _moves(result)
        for text, cell in moves:
            unit = logged_unit(cell["column"])
            lines.append(f"- {markdown_text(text)} — {markdown_text(cell['column'])}: "
                         f"{markdown_text(cell_value(cell['old'], unit))} → "
                         f"{markdown_text(cell_value(cell['new'], unit))}")
        if not moves:
            lines.append("Nothing moved.")
    return "\n".join(lines) + "\n"


def report_json(result: ReportResult) -> str:
    """One object per KR; with --since, each also lists its `changes`."""
    return to_json([record(item, result.moved) for item in result.assessments]) + "\n"


def report_csv(result: ReportResult) -> str:
    """One row per KR; with --since, a `changes` column says what moved."""
    table = frame(result.assessments)
    if result.moved is not None:
        moved = result.moved
        table["changes"] = [
            "; ".join(f"{c['column']} ({c['cell']}): {cell_value(c['old'])} → "
                      f"{cell_value(c['new'])}" for c in moved.get(item.kr.text, []))
            for item in result.assessments]
    for column in table.columns:
        if table[column].dtype == object or str(table[column].dtype).startswith("str"):
            table[column] = table[column].map(csv_safe)
    return str(table.to_csv(index=False))


_STATUS_COLOR = {Status.DONE: "#1e7b45", Status.ON_TRACK: "#2e8b57", Status.AT_RISK: "#b7791f",
                 Status.OFF_TRACK: "#c0392b", Status.NO_DATA: "#888888"}
_STYLE = (
    "body{font-family:-apple-system,'Segoe UI','Malgun Gothic','Noto Sans CJK KR',sans-serif;"
    "margin:24px;color:#222}table{border-collapse:collapse;width:100%;margin-bottom:18px}"
    "th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;font-size:14px}"
    "th{background:#f2f2f2}td.n{text-align:right;white-space:nowrap}"
    ".bar{background:#eee;width:120px;height:10px;display:inline-block}"
    ".bar span{display:block;height:10px}.obj td{background:#f7fbff;font-weight:bold}"
    "small{color:#666}"
)


def report_html(result: ReportResult) -> str:
    """One self-contained HTML page with the table's content and colors, safe to mail.

    Every text from the sheet is escaped: a KR named `<script>` shows as text.
    """
    table = frame(result.assessments)
    summaries = {row.department: row for row in rollup(table).itertuples()}
    total = overall(table)
    day = html_text(result.period.as_of.isoformat())
    out = [
        "<!DOCTYPE html>", '<html lang="ko"><head><meta charset="utf-8">',
        f"<title>OKR progress {day}</title>", f"<style>{_STYLE}</style></head><body>",
        f"<h1>OKR progress — {day}</h1>",
        f"<p>{html_text(_heading(result))}. {total['krs']} KRs, average achievement "
        f"{average(total['average'])} — {html_text(status_counts(total))}.</p>",
    ]
    for department, items in groupby(result.assessments, key=lambda a: a.kr.department):
        summary = summaries[department]
        out.append(f"<h2>{html_text(department or '(no department)')}</h2>")
        out.append(f"<p>{summary.krs} KRs, average achievement {average(summary.average)}.</p>")
        out.append("<table><tr><th>Key Result</th><th>Owner</th><th>Start</th><th>Now</th>"
                   "<th>Target</th><th>Achievement</th><th>Status</th></tr>")
        for objective, krs in groupby(items, key=lambda a: a.kr.objective):
            out.append(f'<tr class="obj"><td colspan="7">'
                       f"{html_text(objective or '(no objective)')}</td></tr>")
            for item in krs:
                kr = item.kr
                achieved = item.achievement
                if isinstance(achieved, NotComputable):
                    cell = "–"
                else:
                    width = round(min(1.0, max(0.0, achieved)) * 100)
                    cell = (f'<span class="bar"><span style="width:{width}%;background:#'
                            f'{color(achieved)}"></span></span> {percent(achieved)}')
                status = html_text(item.status)
                if item.problems:
                    status += f"<br><small>{html_text(item.problems[0])}</small>"
                name = html_text(kr.text)
                if kr.description:
                    name += f"<br><small>{html_text(kr.description)}</small>"
                out.append(
                    f"<tr><td>{name}</td><td>{html_text(kr.owner)}</td>"
                    f'<td class="n">{html_text(value(kr, kr.start))}</td>'
                    f'<td class="n">{html_text(value(kr, kr.current))}</td>'
                    f'<td class="n">{html_text(value(kr, kr.target))}</td>'
                    f'<td class="n">{cell}</td>'
                    f'<td style="color:{_STATUS_COLOR[item.status]}">{status}</td></tr>')
        out.append("</table>")
    if result.since is not None:
        out.append(f"<h2>Moved since {html_text(result.since.isoformat())}</h2><ul>")
        moves = _moves(result)
        for text, move in moves:
            unit = logged_unit(move["column"])
            out.append(f"<li>{html_text(text)} — {html_text(move['column'])}: "
                       f"{html_text(cell_value(move['old'], unit))} → "
                       f"{html_text(cell_value(move['new'], unit))}</li>")
        out.append("</ul>" if moves else "<li>Nothing moved.</li></ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
