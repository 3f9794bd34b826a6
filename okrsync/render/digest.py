"""The weekly brief in every form it travels in: terminal, Markdown, HTML, chat post."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.text import Text

from okrsync.core.progress import status_word
from okrsync.i18n import Words, _, words
from okrsync.render.text import (
    alarm_word,
    call_out_text,
    called_out,
    cell_value,
    forecast_text,
    heading,
    html_text,
    logged_unit,
    markdown_text,
    percent,
    shown,
    to_json,
)

if TYPE_CHECKING:
    from okrsync.commands.digest import DepartmentBrief, DigestResult


def _sections(result: DigestResult, brief: DepartmentBrief) -> list[tuple[str, list[str]]]:
    """(title, lines) of one department's brief, as plain text in the sheet's language."""
    lang = result.language
    t: Words = words(lang)
    by_kr: dict[str, list[str]] = {}
    for m in brief.moves:
        unit = logged_unit(m.column)
        by_kr.setdefault(m.key_result, []).append(
            f"{m.column} {cell_value(m.old, unit, t)} → {cell_value(m.new, unit, t)}")
    moves = [f"{kr}: {', '.join(changes)}" for kr, changes in by_kr.items()]
    stalled = [t("{kr} ({owner}): no move in {weeks} weeks").format(
        kr=item.kr.text, owner=item.kr.owner or "–", weeks=result.stalled_weeks)
        for item in brief.stalled]
    owed = [t("{owner}: {krs}").format(owner=owner or t("(no owner)"),
                                       krs=", ".join(item.kr.text for item in items))
            for owner, items in brief.owed.items()]
    alarms = [t("{kr} [{alarm}]: {old} → {new}").format(
        kr=a.key_result, alarm=alarm_word(a.alarm, lang), old=cell_value(a.old, t=t),
        new=cell_value(a.new, t=t))
        for a in brief.alarms]
    ahead = []
    for item, heading_to in brief.forecasts:
        line = t("{kr}: {status}, {achievement} now, {forecast}").format(
            kr=item.kr.text, status=status_word(item.status, lang),
            achievement=percent(item.achievement), forecast=forecast_text(heading_to, lang))
        if out := called_out(item, result.period):
            line += " ↘ " + call_out_text(out, lang)
        ahead.append(line)
    return [
        (t("Moved since {day}").format(day=result.since.isoformat()), moves or [t("nothing")]),
        (t("Stalled"), stalled or [t("nothing")]),
        (t("Values owed for Q{quarter} (reminders)").format(quarter=result.period.quarter),
         owed or [t("nothing")]),
        (t("New Andon alarms"), alarms or [t("nothing")]),
        (t("Where each KR is heading"), ahead),
    ]


def _title(result: DigestResult) -> str:
    t = words(result.language)
    return t("Weekly OKR brief") + " · " + heading(result.period, result.language)


def _department(result: DigestResult, brief: DepartmentBrief) -> str:
    t = words(result.language)
    return brief.department or t("(no department)")


def digest_table(result: DigestResult) -> Group:
    parts: list[Any] = [Text(shown(_title(result)), style="bold")]
    for brief in result.departments:
        parts.append(Text(""))
        parts.append(Text(shown(_department(result, brief)), style="bold cyan"))
        for title, lines in _sections(result, brief):
            parts.append(Text(shown(title), style="bold"))
            parts += [Text("  " + shown(line)) for line in lines]
    for warning in result.warnings:
        parts.append(Text(shown(_("warning: {message}").format(message=warning)),
                          style="yellow"))
    return Group(*parts)


def digest_markdown(result: DigestResult) -> str:
    lines = [f"# {markdown_text(_title(result))}", ""]
    for brief in result.departments:
        lines += [f"## {markdown_text(_department(result, brief))}", ""]
        for title, items in _sections(result, brief):
            lines += [f"### {markdown_text(title)}", ""]
            lines += [f"- {markdown_text(item)}" for item in items]
            lines.append("")
    return "\n".join(lines)


def digest_html(result: DigestResult) -> str:
    """The brief as one self-contained page: per department, charts of its KRs'
    achievement and statuses, the brief's sections, and under "where each KR is heading"
    a chart of each KR's forecast (`okrsync.render.charts`: inline SVG, no script)."""
    from okrsync.render import charts

    lang = result.language
    out = ["<!DOCTYPE html>", f'<html lang="{lang}"><head><meta charset="utf-8">',
           f"<title>{html_text(_title(result))}</title>",
           "<style>body{font-family:-apple-system,'Segoe UI','Malgun Gothic',"
           "'Noto Sans CJK KR',sans-serif;margin:24px;color:#222}h3{margin-bottom:4px}"
           f"{charts.STYLE}</style></head><body>", f"<h1>{html_text(_title(result))}</h1>"]
    for brief in result.departments:
        out.append(f"<h2>{html_text(_department(result, brief))}</h2>")
        out.append(charts.department_chart([item for item, _ in brief.forecasts],
                                            result.period, lang))
        for title, items in _sections(result, brief):
            out.append(f"<h3>{html_text(title)}</h3><ul>")
            out += [f"<li>{html_text(item)}</li>" for item in items]
            out.append("</ul>")
        out.append(charts.kr_charts(brief.forecasts, result.period, lang))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def digest_json(result: DigestResult) -> str:
    return to_json({
        "as_of": result.period.as_of.isoformat(), "since": result.since.isoformat(),
        "departments": [{
            "department": brief.department,
            "moved": [{"key_result": m.key_result, "cell": m.cell, "column": m.column,
                       "old": m.old, "new": m.new} for m in brief.moves],
            "stalled": [item.kr.text for item in brief.stalled],
            "owed": {owner: [item.kr.text for item in items]
                     for owner, items in brief.owed.items()},
            "alarms": [{"key_result": a.key_result, "alarm": a.alarm.value, "old": a.old,
                        "new": a.new} for a in brief.alarms],
            "forecasts": [{"key_result": item.kr.text, "status": item.status.value,
                           "achievement": None if isinstance(item.achievement, str)
                           else item.achievement,
                           "achievement_at_year_end": ahead.achievement_at_year_end
                           if ahead else None,
                           "target_date": ahead.target_date.isoformat()
                           if ahead and ahead.target_date else None}
                          for item, ahead in brief.forecasts],
        } for brief in result.departments],
        "posted": result.posted, "warnings": result.warnings,
        "exit_code": int(result.exit_code),
    }) + "\n"


def digest_post(result: DigestResult, brief: DepartmentBrief) -> str:
    """One department's brief as a Slack-compatible message (`<`, `>`, `&` escaped)."""
    from okrsync.alerts import slack_text

    lines = [f":memo: *{slack_text(_department(result, brief))}* — "
             f"{slack_text(_title(result))}"]
    for title, items in _sections(result, brief):
        lines.append(f"*{slack_text(title)}*")
        lines += [f"• {slack_text(item)}" for item in items]
    lines.append(slack_text(result.sheet))
    return "\n".join(lines)

