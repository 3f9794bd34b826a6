"""Reports as documents: Markdown for review notes, JSON and CSV for scripts, HTML to mail.

Every format shows the same KRs and, with `report --since`, the same moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING, Any

from okrsync.core.calendar import Period
from okrsync.core.forecast import CALL_OUT_BELOW, forecast
from okrsync.core.plan import Assessment
from okrsync.core.progress import STATUS_COLOR, NotComputable, Status, status_word
from okrsync.i18n import words
from okrsync.kr_table import frame, overall, record, rollup
from okrsync.logbook import logged
from okrsync.render.text import (
    average,
    call_out_text,
    called_out,
    csv_safe,
    forecast_text,
    heading,
    html_text,
    markdown_text,
    move_text,
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
    """Its first problem, else where it is heading when that is below the call-out
    line, else its first caveat."""
    mark: str
    """What the note is: a problem (⚠), a call-out (↘) or a caveat (※); "" without."""
    forecast: str


def _row(item: Assessment, period: Period, lang: str) -> _Row:
    kr = item.kr
    note, mark = "", ""
    if item.problems:
        note, mark = item.problems[0], "⚠"
    elif ahead := called_out(item, period):
        note, mark = call_out_text(ahead, lang), "↘"
    elif item.caveats:
        note, mark = item.caveats[0], "※"
    ahead = forecast(kr, period) if not item.problems else None
    return _Row(kr.text, kr.description, kr.owner, value(kr, kr.start), value(kr, kr.current),
                value(kr, kr.target), status_word(item.status, lang), note, mark,
                forecast_text(ahead, lang))


def _columns(lang: str) -> list[str]:
    t = words(lang)
    return [t("Key Result"), t("Owner"), t("Start"), t("Now"), t("Target"), t("Achievement"),
            t("Status"), t("Forecast")]


def moves_of(result: ReportResult, item: Assessment) -> list[str]:
    """What moved of one KR since `--since`, as people say it (`3분기 값 55% → 70%
    (+15%p)`)."""
    moved = (result.moved or {}).get(logged(item.kr.text), [])
    return [move_text(move, item.kr, result.language) for move in moved]


def _moves(result: ReportResult) -> list[str]:
    """`KR — what moved` for every move, in sheet order."""
    return [f"{item.kr.text} — {text}" for item in result.assessments
            for text in moves_of(result, item)]


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
                status = row.status + (f" {row.mark} {row.note}" if row.note else "")
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
        lines += [f"- {markdown_text(text)}" for text in moves]
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


BOM = "\ufeff"
"""Excel on Korean Windows reads a UTF-8 CSV as UTF-8 only when it starts with this."""


def report_csv(result: ReportResult) -> str:
    """One row per KR, opening right in Excel (UTF-8 with a byte-order mark); achievement
    and forecast as whole percents (`47%`, which Excel reads as a percentage); with
    --since, a `changes` column says what moved. A Korean sheet's CSV has Korean column
    names and statuses, as its people would open it in Excel."""
    table = frame(result.assessments, result.period)
    if result.moved is not None:
        table["changes"] = ["; ".join(moves_of(result, item)) for item in result.assessments]
    if result.language == "ko":
        table["status"] = [status_word(item.status, "ko") for item in result.assessments]
    for column in table.columns:
        if table[column].dtype == object or str(table[column].dtype).startswith("str"):
            table[column] = table[column].map(csv_safe)
    for column in ("achievement", "forecast_year_end"):  # as every output shows them
        table[column] = [None if v is None or v != v else percent(v) for v in table[column]]
    if result.language == "ko":
        table = table.rename(columns=CSV_COLUMNS_KO)
    return BOM + str(table.to_csv(index=False))


def report_html(result: ReportResult) -> str:
    """One self-contained HTML page with the table's content and colors, safe to mail and
    read on a phone (okrsync.render.page): a one-paragraph summary on top; per department,
    its charts (each KR's achievement, its KRs by status), then its table, each KR with a
    sparkline of its quarters and forecast (okrsync.render.charts: inline SVG, no script).

    Every text from the sheet is escaped: a KR named `<script>` shows as text.
    """
    from okrsync.render import charts, page

    lang = result.language
    t = words(lang)
    period = result.period
    table = frame(result.assessments, period)
    summaries = {row.department: row for row in rollup(table).itertuples()}
    total = overall(table)
    day = period.as_of.isoformat()
    columns = [t("Key Result"), t("Owner"), t("Start → now → target"), t("Quarters"),
               t("Achievement"), t("Status"), t("Forecast")]
    out = [
        page.head(f"{t('OKR progress')} {day}", lang, columns),
        f"<h1>{html_text(t('OKR progress'))} — {html_text(day)}</h1>",
        f'<p class="summary">{html_text(_summary(result, total))}</p>',
    ]
    for department, group in groupby(result.assessments, key=lambda a: a.kr.department):
        items = list(group)
        summary = summaries[department]
        out.append(f"<h2>{html_text(department or t('(no department)'))}</h2>")
        out.append("<p>" + html_text(t("{count} KRs, average {average}").format(
            count=summary.krs, average=average(summary.average))) + ".</p>")
        out.append(charts.department_chart(items, period, lang))
        out.append('<table class="krs"><thead><tr>' + "".join(
            f"<th>{html_text(c)}</th>" for c in columns) + "</tr></thead><tbody>")
        for objective, krs in groupby(items, key=lambda a: a.kr.objective):
            out.append(f'<tr class="obj"><td colspan="{len(columns)}">'
                       f"{html_text(objective or t('(no objective)'))}</td></tr>")
            out += [_html_row(item, period, lang) for item in krs]
        out.append("</tbody></table>")
    if result.since is not None:
        out.append("<h2>" + html_text(t("Moved since {day}:").format(
            day=result.since.isoformat()).rstrip(":")) + "</h2><ul>")
        moves = _moves(result)
        out += [f"<li>{html_text(text)}</li>" for text in moves]
        out.append("</ul>" if moves else f"<li>{html_text(t('Nothing moved.'))}</li></ul>")
    out.append(page.FOOT)
    return "\n".join(out) + "\n"


def _summary(result: ReportResult, total: dict[str, Any]) -> str:
    """The page's first paragraph: the date, the company's KRs and average, and how many
    need a look (off track, at risk, heading below 70% by year end, with a problem)."""
    lang = result.language
    t = words(lang)
    text = heading(result.period, lang) + ". " + t(
        "Total: {count} KRs, average {average} — {statuses}").format(
        count=total["krs"], average=average(total["average"]),
        statuses=status_counts(total, lang)) + "."
    behind = total.get(str(Status.OFF_TRACK), 0) + total.get(str(Status.AT_RISK), 0)
    heading_low = sum(1 for item in result.assessments if called_out(item, result.period))
    problems = sum(1 for item in result.assessments if item.problems)
    parts = [t("{count} KR(s) behind the calendar").format(count=behind) if behind else "",
             t("{count} on track but heading below {limit} by year end").format(
                 count=heading_low, limit=percent(CALL_OUT_BELOW)) if heading_low else "",
             t("{count} with no data").format(count=problems) if problems else ""]
    if any(parts):
        text += " " + t("To look at: {kinds}.").format(kinds=", ".join(p for p in parts if p))
    return text


def _html_row(item: Assessment, period: Period, lang: str) -> str:
    from okrsync.render import charts

    row = _row(item, period, lang)
    achieved = item.achievement
    color = STATUS_COLOR[item.status]
    if isinstance(achieved, NotComputable):
        cell = "–"
    else:
        width = round(min(1.0, max(0.0, achieved)) * 100)
        cell = (f'<span class="bar"><span style="width:{width}%;background:{color}"></span>'
                f"</span>{percent(achieved)}")
    status = f'<span class="nw">{html_text(row.status)}</span>'
    if row.note:
        mark = "" if row.mark == "⚠" else f"{row.mark} "
        status += f"<small>{mark}{html_text(row.note)}</small>"
    name = html_text(row.name)
    if row.description:
        name += f"<small>{html_text(row.description)}</small>"
    ahead = None if item.problems else forecast(item.kr, period)
    forecast_cell = ", ".join(f'<span class="nw">{html_text(part)}</span>'
                              for part in row.forecast.split(", "))
    return (f'<tr><td>{name}</td><td><span class="nw">{html_text(row.owner)}</span></td>'
            f'<td class="n">{html_text(row.start)} → {html_text(row.now)} → '
            f"{html_text(row.target)}</td><td>{charts.sparkline(item, period, ahead)}</td>"
            f'<td class="n">{cell}</td><td style="color:{color}">{status}</td>'
            f'<td class="f">{forecast_cell}</td></tr>')
