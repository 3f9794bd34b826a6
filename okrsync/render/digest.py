"""The weekly brief in every form it travels in: terminal, Markdown, HTML, JSON and the chat
post. All but JSON are laid out from one text (`_brief`: a title, then sections of lines,
owners marked for @mentions), so every form says the same."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.text import Text

from okrsync.chat import Line, Message, Owner, Section
from okrsync.core.andon import Alarm, Why, alarm_word
from okrsync.core.progress import NotComputable, status_word
from okrsync.i18n import _, words
from okrsync.kr_table import ACHIEVEMENT, STATUS, STATUS_ORDER, Move, record
from okrsync.logbook import logged
from okrsync.render.text import (
    average,
    forecast_text,
    heading,
    html_text,
    markdown_text,
    move_text,
    move_value,
    percent,
    shown,
    status_counts,
    to_json,
)

if TYPE_CHECKING:
    from okrsync.commands.digest import DepartmentBrief, DigestResult, News


def _title(result: DigestResult) -> str:
    t = words(result.language)
    return t("Weekly OKR brief") + " · " + heading(result.period, result.language)


def _department(result: DigestResult, brief: DepartmentBrief) -> str:
    return brief.department or words(result.language)("(no department)")


def _summary(result: DigestResult, briefs: Sequence[DepartmentBrief]) -> str:
    """`KR 4개, 평균 달성률 50% — 순항 1, 주의 3`."""
    t = words(result.language)
    items = [news.item for brief in briefs for news in brief.news]
    known = [a.achievement for a in items if not isinstance(a.achievement, NotComputable)]
    counts = {str(s): sum(a.status is s for a in items) for s in STATUS_ORDER}
    return t("{count} KRs, average {average}").format(
        count=len(items), average=average(sum(known) / len(known) if known else None)
    ) + " — " + status_counts(counts, result.language)


def _who(news: News) -> Line:
    """`KR (owner)`, the owner marked to be mentioned in chat."""
    kr = news.item.kr
    return (kr.text, " (", Owner(kr.owner), ")") if kr.owner else (kr.text,)


def _changes(result: DigestResult, news: News) -> str:
    """Everything that changed about a KR, as a person says it: `3분기 값 55% → 70%
    (+15%p), 순항`; its achievement only where its value does not already say it."""
    lang = result.language
    t = words(lang)
    kr = news.item.kr
    values = [m for m in news.moves if m.field.startswith("Q")]
    shown_values = {(move_value(m.field, m.old, kr, lang), move_value(m.field, m.new, kr, lang))
                    for m in values}
    parts = [move_text(m, kr, lang) for m in values]
    for move in news.moves:
        if move.field == ACHIEVEMENT and (move_value(ACHIEVEMENT, move.old, kr, lang),
                                          move_value(ACHIEVEMENT, move.new, kr, lang)
                                          ) not in shown_values:
            parts.append(move_text(move, kr, lang))
    status: Move | None = next((m for m in news.moves if m.field == STATUS), None)
    if status is not None and status.old is not None:
        parts.append(move_text(status, kr, lang, named=False))
    else:
        parts.append(status_word(news.item.status, lang))
    if news.below_target and news.heading is not None:
        parts.append(t("{percent} by year end").format(
            percent=percent(news.heading.achievement_at_year_end)))
    return ", ".join(parts)


def _alarms(result: DigestResult, news: News) -> str:
    """`[위험 진입] ` for the alarms raised for a KR since its last brief (a stale one is
    the reminder list's)."""
    t = words(result.language)
    seen = dict.fromkeys(a.alarm for a in news.alarms if a.alarm is not Alarm.STALE)
    return "".join(f"[{alarm_word(alarm, t)}] " for alarm in seen)


def _attention_line(result: DigestResult, why: Why, news: News, department: bool) -> Line:
    lang = result.language
    t = words(lang)
    item = news.item
    label = {Why.OFF_TRACK: t("off-track"), Why.REGRESSED: t("regressed"),
             Why.STALLED: t("stalled"), Why.OWED: t("value owed"),
             Why.BELOW_TARGET: t("below target")}[why]
    if why is Why.OFF_TRACK:
        detail = t("{achievement} against {expected} expected").format(
            achievement=percent(item.achievement), expected=percent(result.period.expected))
    elif why is Why.REGRESSED:
        moved = next((m for m in news.moves if m.field == ACHIEVEMENT), None)
        detail = (move_text(moved, item.kr, lang) if moved is not None
                  else t("achievement") + " " + percent(item.achievement))
    elif why is Why.STALLED:
        detail = t("no move in {weeks} weeks or more").format(weeks=result.stalled_weeks)
    elif why is Why.OWED:
        detail = t("no value for Q{quarter} yet").format(quarter=result.period.quarter)
    else:
        assert news.heading is not None
        detail = forecast_text(news.heading, lang)
    where = (item.kr.department or t("(no department)")) + " · " if department else ""
    return (f"[{label}] {where}", *_who(news), " — " + detail)


def _department_sections(result: DigestResult, brief: DepartmentBrief) -> list[Section]:
    """One department's brief, each KR at most once, empty sections left out."""
    lang = result.language
    t = words(lang)
    moved, stalled, below, no_data = [], [], [], []
    owed: dict[str, list[News]] = {}
    for news in brief.news:
        if news.item.problems:
            no_data.append(news)
        elif news.moved:
            moved.append(news)
        elif news.stalled:
            stalled.append(news)
        elif news.owed:
            owed.setdefault(news.item.kr.owner, []).append(news)
        elif news.below_target:
            below.append(news)
    sections = [
        Section((t("Changed since the last brief ({day})") if brief.since.last_brief
                 else t("Changed since {day}")).format(day=brief.since.day.isoformat()),
                [(_alarms(result, n), *_who(n), ": " + _changes(result, n) + _caveat(n))
                 for n in moved]),
        Section(t("Stalled"), [(*_who(n), ": " + t("no move in {weeks} weeks or more").format(
            weeks=result.stalled_weeks) + ", " + status_word(n.item.status, lang) + ", "
            + t("achievement") + " " + percent(n.item.achievement)) for n in stalled]),
        Section(t("Values owed for Q{quarter} (reminders)").format(
            quarter=result.period.quarter),
            [(Owner(owner) if owner else t("(no owner)"),
              ": " + ", ".join(n.item.kr.text for n in krs)) for owner, krs in owed.items()]),
        Section(t("Heading below target by year end"),
                [(*_who(n), ": " + status_word(n.item.status, lang) + ", "
                  + t("achievement") + " " + percent(n.item.achievement) + ", "
                  + forecast_text(n.heading, lang)) for n in below]),
        Section(t("No data (to check)"),
                [(*_who(n), ": " + n.item.problems[0]) for n in no_data]),
    ]
    return [section for section in sections if section.lines]


def _caveat(news: News) -> str:
    """What the reader of a moved value should know (an unestimated issue counted as 0
    points), after its move."""
    return f" (※ {news.item.caveats[0]})" if news.item.caveats else ""


def _attention(result: DigestResult, briefs: Sequence[DepartmentBrief]) -> Section | None:
    first = result.attention(briefs)
    if not first:
        return None
    t = words(result.language)
    return Section(t("Look at these first"),
                   [_attention_line(result, why, news, len(briefs) > 1) for why, news in first])


def _nothing(result: DigestResult, brief: DepartmentBrief) -> str:
    t = words(result.language)
    return t("Nothing new since {day}, and every KR is heading for its target.").format(
        day=brief.since.day.isoformat())


def digest_message(result: DigestResult, brief: DepartmentBrief) -> Message:
    """One department's brief as a chat post: what to look at first, then its sections."""
    attention = _attention(result, [brief])
    sections = ([attention] if attention else []) + _department_sections(result, brief)
    if not sections:
        sections = [Section("", [(_nothing(result, brief),)])]
    return Message(_department(result, brief) + " · " + _title(result), sections,
                   footer=_summary(result, [brief]) + " · " + result.sheet)


def _plain(line: Line) -> str:
    return "".join(part.name if isinstance(part, Owner) else part for part in line)


def digest_table(result: DigestResult) -> Group:
    parts: list[Any] = [Text(shown(_title(result)), style="bold")]
    if len(result.departments) > 1:  # one department's line says it below
        parts.append(Text(shown(_summary(result, result.departments))))
    if (attention := _attention(result, result.departments)) is not None:
        parts.append(Text(""))
        parts.append(Text(shown(attention.title), style="bold yellow"))
        parts += [Text("  " + shown(_plain(line))) for line in attention.lines]
    for brief in result.departments:
        parts.append(Text(""))
        parts.append(Text(shown(_department(result, brief) + " — " + _summary(result, [brief])),
                          style="bold cyan"))
        sections = _department_sections(result, brief)
        for section in sections:
            parts.append(Text(shown(section.title), style="bold"))
            parts += [Text("  " + shown(_plain(line))) for line in section.lines]
        if not sections:
            parts.append(Text("  " + shown(_nothing(result, brief))))
    for warning in result.warnings:
        parts.append(Text(shown(_("warning: {message}").format(message=warning)),
                          style="yellow"))
    return Group(*parts)


def digest_markdown(result: DigestResult) -> str:
    lines = [f"# {markdown_text(_title(result))}", ""]
    if len(result.departments) > 1:
        lines += [markdown_text(_summary(result, result.departments)) + ".", ""]
    if (attention := _attention(result, result.departments)) is not None:
        lines += [f"## {markdown_text(attention.title)}", ""]
        lines += [f"1. {markdown_text(_plain(line))}" for line in attention.lines] + [""]
    for brief in result.departments:
        lines += [f"## {markdown_text(_department(result, brief))}", "",
                  markdown_text(_summary(result, [brief])) + ".", ""]
        sections = _department_sections(result, brief)
        for section in sections:
            lines += [f"### {markdown_text(section.title)}", ""]
            lines += [f"- {markdown_text(_plain(line))}" for line in section.lines] + [""]
        if not sections:
            lines += [markdown_text(_nothing(result, brief)), ""]
    return "\n".join(lines)


def digest_html(result: DigestResult) -> str:
    """The brief as one self-contained page (no script, nothing from the network) that
    reads on a phone (okrsync.render.page): what to look at first, then per department
    its charts of achievements and statuses (okrsync.render.charts) and its sections."""
    from okrsync.render import charts, page

    lang = result.language
    out = [page.head(_title(result), lang),
           f"<h1>{html_text(_title(result))}</h1>",
           f'<p class="summary">{html_text(_summary(result, result.departments))}</p>']
    if (attention := _attention(result, result.departments)) is not None:
        out.append(f'<section class="attention"><h2>{html_text(attention.title)}</h2><ol>')
        out += [f"<li>{html_text(_plain(line))}</li>" for line in attention.lines]
        out.append("</ol></section>")
    for brief in result.departments:
        items = [news.item for news in brief.news]
        out.append(f"<h2>{html_text(_department(result, brief))}</h2>")
        out.append(f"<p>{html_text(_summary(result, [brief]))}</p>")
        out.append(charts.department_chart(items, result.period, lang))
        sections = _department_sections(result, brief)
        for section in sections:
            out.append(f"<h3>{html_text(section.title)}</h3><ul>")
            out += [f"<li>{html_text(_plain(line))}</li>" for line in section.lines]
            out.append("</ul>")
        if not sections:
            out.append(f"<p>{html_text(_nothing(result, brief))}</p>")
    out.append(page.FOOT)
    return "\n".join(out) + "\n"


def digest_json(result: DigestResult) -> str:
    """The brief for scripts, with the report's field names and scale (`achievement` a
    fraction, `changes` as `report --since` lists them), plus what the brief says of each
    KR (`stalled`, `owed`, `alarms`) and what to look at first."""
    def kr(news: News) -> dict[str, Any]:
        moved = {logged(news.item.kr.text): news.moves}
        return record(news.item, result.period, moved) | {
            "alarms": [a.alarm.value for a in news.alarms], "stalled": news.stalled,
            "owed": news.owed}

    return to_json({
        "as_of": result.period.as_of.isoformat(),
        "attention": [{"why": why.value, "department": news.item.kr.department,
                       "key_result": news.item.kr.text, "owner": news.item.kr.owner}
                      for why, news in result.attention()],
        "departments": [{"department": brief.department,
                         "since": brief.since.day.isoformat(),
                         "key_results": [kr(news) for news in brief.news]}
                        for brief in result.departments],
        "posted": result.posted, "warnings": result.warnings, "error": result.failure,
        "exit_code": int(result.exit_code),
    }) + "\n"

