"""Reports as documents: Markdown for review notes, JSON and CSV for scripts, HTML to mail.

Every format shows the same KRs and, with `report --since`, the same moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING, Any

from okrsync.core.calendar import Period
from okrsync.core.forecast import forecast
from okrsync.core.plan import Assessment
from okrsync.core.progress import STATUS_COLOR, NotComputable, color, status_word
from okrsync.i18n import words
from okrsync.kr_table import frame, overall, record, rollup
from okrsync.render.text import (
    average,
    call_out_text,
    called_out,
    cell_value,
    csv_safe,
    forecast_text,
    heading,
    html_text,
    logged_unit,
    markdown_text,
    percent,
    status_counts,
    to_json,
    value,
)

if TYPE_CHECKING:
    from okrsync.commands.report import ReportResult


@dataclass(frozen=True)
class _Row:
    """One KR's cells as every document shows them (plain text: each format escapes)."""

    name: str
    description: str
    owner: str
    start: str
    now: str
    target: str
    status: str
    note: str
    """Its first problem, or where it is heading when that is below the call-out line."""
    warned: bool
    """The note is a problem (⚠) rather than a call-out (↘)."""
    forecast: str


def _row(item: Assessment, period: Period, lang: str) -> _Row:
    kr = item.kr
    note, warned = "", False
    if item.problems:
        note, warned = item.problems[0], True
    elif ahead := called_out(item, period):
        note = call_out_text(ahead, lang)
    ahead = forecast(kr, period) if not item.problems else None
    return _Row(kr.text, kr.description, kr.owner, value(kr, kr.start), value(kr, kr.current),
                value(kr, kr.target), status_word(item.status, lang), note, warned,
                forecast_text(ahead, lang))


def _columns(lang: str) -> list[str]:
    t = words(lang)
    return [t("Key Result"), t("Owner"), t("Start"), t("Now"), t("Target"), t("Achievement"),
            t("Status"), t("Forecast")]


def _moves(result: ReportResult) -> list[tuple[str, dict[str, Any]]]:
    """(KR text, cell move) for every move, in sheet order."""
    if result.moved is None:
        return []
    return [(kr, cell) for kr, cells in result.moved.items() for cell in cells]


def report_markdown(result: ReportResult) -> str:
    """A review-document version: one section per department, a table per objective."""
    lang = result.language
    t = words(lang)
    period = result.period
    table = frame(result.assessments, period)
    summaries = {row.department: row for row in rollup(table).itertuples()}
    lines = [f"# {t('OKR progress')} — {markdown_text(heading(period, lang))}", ""]
    for department, items in groupby(result.assessments, key=lambda a: a.kr.department):
        summary = summaries[department]
        lines += [f"## {markdown_text(department or t('(no department)'))}", "",
                  t("{count} KRs, average {average}").format(
                      count=summary.krs, average=average(summary.average)) + ".", ""]
        for objective, krs in groupby(items, key=lambda a: a.kr.objective):
            lines += [f"### {markdown_text(objective or t('(no objective)'))}", "",
                      "| " + " | ".join(_columns(lang)) + " |",
                      "|---|---|---:|---:|---:|---:|---|---|"]
            for item in krs:
                row = _row(item, period, lang)
                status = row.status + (f" {'⚠' if row.warned else '↘'} {row.note}"
                                       if row.note else "")
                name = markdown_text(row.name)
                if result.detailed and row.description:
                    name += f" — _{markdown_text(row.description)}_"
                cells = [name, *map(markdown_text, (row.owner, row.start, row.now,
                                                    row.target)),
                         percent(item.achievement), markdown_text(status),
                         markdown_text(row.forecast)]
                lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
    total = overall(table)
    lines.append("**" + t("Total: {count} KRs, average {average} — {statuses}").format(
        count=total["krs"], average=average(total["average"]),
        statuses=status_counts(total, lang)) + "**")
    if result.since is not None:
        lines += ["", "## " + t("Moved since {day}:").format(
            day=result.since.isoformat()).rstrip(":"), ""]
        moves = _moves(result)
        for text, cell in moves:
            unit = logged_unit(cell["column"])
            lines.append(f"- {markdown_text(text)} — {markdown_text(cell['column'])}: "
                         f"{markdown_text(cell_value(cell['old'], unit, t))} → "
                         f"{markdown_text(cell_value(cell['new'], unit, t))}")
        if not moves:
            lines.append(t("Nothing moved."))
    return "\n".join(lines) + "\n"


def report_json(result: ReportResult) -> str:
    """A JSON list, one object per KR and one KR a line (keys and statuses in English,
    for scripts); with --since, each also lists its `changes`."""
    lines = [to_json(record(item, result.period, result.moved), indent=None)
             for item in result.assessments]
    return "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"


CSV_COLUMNS_KO = {
    "row": "행", "department": "부서", "objective": "목표", "key_result": "Key Result",
    "owner": "담당자", "start": "시작값", "target": "목표값", "current": "현재값",
    "achievement": "달성률", "status": "상태", "forecast_year_end": "연말 예상 달성률",
    "target_date": "목표 도달 예상일", "jira": "JIRA", "metric": "JIRA 기준", "error": "문제",
    "changes": "변경 내역",
}


def report_csv(result: ReportResult) -> str:
    """One row per KR; with --since, a `changes` column says what moved. A Korean sheet's
    CSV has Korean column names and statuses, as its people would open it in Excel."""
    table = frame(result.assessments, result.period)
    t = words(result.language)
    if result.moved is not None:
        moved = result.moved
        table["changes"] = [
            "; ".join(f"{c['column']} ({c['cell']}): {cell_value(c['old'], t=t)} → "
                      f"{cell_value(c['new'], t=t)}" for c in moved.get(item.kr.text, []))
            for item in result.assessments]
    if result.language == "ko":
        table["status"] = [status_word(item.status, "ko") for item in result.assessments]
        table = table.rename(columns=CSV_COLUMNS_KO)
    for column in table.columns:
        if table[column].dtype == object or str(table[column].dtype).startswith("str"):
            table[column] = table[column].map(csv_safe)
    return str(table.to_csv(index=False))


_STYLE = (
    "body{font-family:-apple-system,'Segoe UI','Malgun Gothic','Noto Sans CJK KR',sans-serif;"
    "margin:24px;color:#222}table{border-collapse:collapse;width:100%;margin-bottom:18px}"
    "th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;font-size:14px}"
    "th{background:#f2f2f2}td.n{text-align:right;white-space:nowrap}"
    ".bar{background:#eee;width:120px;height:10px;display:inline-block}"
    ".bar span{display:block;height:10px}.obj td{background:#f7fbff;font-weight:bold}"
    "small{color:#666}h3{margin:10px 0 4px;font-size:16px}"
)


def report_html(result: ReportResult) -> str:
    """One self-contained HTML page with the table's content and colors, safe to mail:
    per department, charts of its KRs' achievement and statuses, its table, and a chart
    of each KR heading to the year's end (`okrsync.render.charts`: inline SVG, no script).

    Every text from the sheet is escaped: a KR named `<script>` shows as text.
    """
    from okrsync.render import charts

    lang = result.language
    t = words(lang)
    period = result.period
    table = frame(result.assessments, period)
    summaries = {row.department: row for row in rollup(table).itertuples()}
    total = overall(table)
    day = html_text(period.as_of.isoformat())
    out = [
        "<!DOCTYPE html>", f'<html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{html_text(t('OKR progress'))} {day}</title>",
        f"<style>{_STYLE}{charts.STYLE}</style></head><body>",
        f"<h1>{html_text(t('OKR progress'))} — {day}</h1>",
        f"<p>{html_text(heading(period, lang))}. " + html_text(
            t("Total: {count} KRs, average {average} — {statuses}").format(
                count=total["krs"], average=average(total["average"]),
                statuses=status_counts(total, lang))) + "</p>",
    ]
    for department, group in groupby(result.assessments, key=lambda a: a.kr.department):
        items = list(group)
        summary = summaries[department]
        out.append(f"<h2>{html_text(department or t('(no department)'))}</h2>")
        out.append("<p>" + html_text(t("{count} KRs, average {average}").format(
            count=summary.krs, average=average(summary.average))) + ".</p>")
        out.append(charts.department_chart(items, period, lang))
        out.append("<table><tr>" + "".join(f"<th>{html_text(c)}</th>"
                                           for c in _columns(lang)) + "</tr>")
        for objective, krs in groupby(items, key=lambda a: a.kr.objective):
            out.append(f'<tr class="obj"><td colspan="8">'
                       f"{html_text(objective or t('(no objective)'))}</td></tr>")
            for item in krs:
                row = _row(item, period, lang)
                achieved = item.achievement
                if isinstance(achieved, NotComputable):
                    cell = "–"
                else:
                    width = round(min(1.0, max(0.0, achieved)) * 100)
                    cell = (f'<span class="bar"><span style="width:{width}%;background:#'
                            f'{color(achieved)}"></span></span> {percent(achieved)}')
                status = html_text(row.status)
                if row.note:
                    status += (f"<br><small>{'' if row.warned else '↘ '}"
                               f"{html_text(row.note)}</small>")
                name = html_text(row.name)
                if row.description:
                    name += f"<br><small>{html_text(row.description)}</small>"
                out.append(
                    f"<tr><td>{name}</td><td>{html_text(row.owner)}</td>"
                    f'<td class="n">{html_text(row.start)}</td>'
                    f'<td class="n">{html_text(row.now)}</td>'
                    f'<td class="n">{html_text(row.target)}</td>'
                    f'<td class="n">{cell}</td>'
                    f'<td style="color:{STATUS_COLOR[item.status]}">{status}</td>'
                    f"<td>{html_text(row.forecast)}</td></tr>")
        out.append("</table>")
        if kr_charts := charts.kr_charts(
                [(item, None if item.problems else forecast(item.kr, period))
                 for item in items], period, lang):
            out.append(f"<h3>{html_text(t('Where each KR is heading'))}</h3>{kr_charts}")
    if result.since is not None:
        out.append("<h2>" + html_text(t("Moved since {day}:").format(
            day=result.since.isoformat()).rstrip(":")) + "</h2><ul>")
        moves = _moves(result)
        for text, move in moves:
            unit = logged_unit(move["column"])
            out.append(f"<li>{html_text(text)} — {html_text(move['column'])}: "
                       f"{html_text(cell_value(move['old'], unit, t))} → "
                       f"{html_text(cell_value(move['new'], unit, t))}</li>")
        out.append("</ul>" if moves else f"<li>{html_text(t('Nothing moved.'))}</li></ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
