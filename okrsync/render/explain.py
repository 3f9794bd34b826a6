"""`okrsync explain` as a person reads it (terminal, Markdown) and as scripts do (JSON),
in the sheet's language: the link, the search, every issue counted, the arithmetic."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from okrsync.core.progress import status_word
from okrsync.core.values import format_number
from okrsync.i18n import Words, words
from okrsync.jira.links import IssueKeys, Jql, Link
from okrsync.jira.metrics import Measured
from okrsync.jira.model import Issue, field_name
from okrsync.kr_table import record
from okrsync.render.terminal import metric_name, plain
from okrsync.render.text import markdown_text, to_json

if TYPE_CHECKING:
    from okrsync.commands.explain import ExplainResult, Explanation


def _link_kind(link: Link | None, lang: str) -> str:
    t = words(lang)
    if isinstance(link, IssueKeys):
        return t("the child issues of {keys}").format(keys=", ".join(link.keys))
    if isinstance(link, Jql):
        return t("the issues matching a JQL query")
    if link is None:
        return t("no link okrsync can read")
    return t("the issues of saved filter {id}").format(id=link.id)


def _number(issue: Issue, measured: Measured) -> float | None:
    """The value the metric reads on the issue (its points, the summed field), if any."""
    name = measured.field
    return None if name is None else issue.points.get(name, issue.numbers.get(field_name(name)))


def _value(issue: Issue, measured: Measured) -> str:
    """`_number` as shown: `–` for none, nothing for a metric that reads no field."""
    if measured.field is None:
        return ""
    found = _number(issue, measured)
    return "–" if found is None else format_number(found)


def _rows(item: Explanation, lang: str) -> list[tuple[str, str, str, str, str]]:
    t = words(lang)
    measured = item.measured
    if measured is None:
        return []
    return [(issue.key, issue.summary, issue.status or issue.status_category,
             t("done") if issue.done else t("not done"), _value(issue, measured))
            for issue in sorted(measured.issues, key=_order)]


def _order(issue: Issue) -> tuple[str, int, str]:
    project, _, number = issue.key.partition("-")
    return project, int(number) if number.isdigit() else 0, issue.key


def _facts(item: Explanation, lang: str) -> list[tuple[str, str]]:
    """(label, text) lines about the KR's number, in order."""
    t = words(lang)
    kr, assessment = item.kr, item.assessment
    facts: list[tuple[str, str]] = []
    if kr.linked:
        facts.append((t("JIRA"), f"{kr.link} — {_link_kind(item.link, lang)}"))
        metric = str(item.metric or kr.metric or "done_ratio")
        named = metric_name(metric, t)
        facts.append((t("Metric"), named if named == metric else f"{named} ({metric})"))
        if item.query:
            facts.append((t("Search"), item.query))
        if item.url:
            facts.append((t("In JIRA"), item.url))
    else:
        facts.append((t("JIRA"), t("not linked (the values are typed in the sheet)")))
    if item.measured is not None:
        facts.append((t("Counted"), item.measured.arithmetic))
        facts += [(t("Caveat"), caveat) for caveat in item.measured.caveats]
    facts.append((t("Achievement"), f"{item.achievement} → "
                  f"{status_word(assessment.status, lang)}"))
    facts += [(t("Problem"), problem) for problem in assessment.problems]
    return facts


def _title(item: Explanation, t: Words) -> str:
    return t("Row {row} · {kr}").format(row=item.kr.sheet_row, kr=item.kr.text)


def _header(item: Explanation, t: Words) -> list[str]:
    """The issue list's columns: the last one is the field the metric reads, if any."""
    field = item.measured.field if item.measured and item.measured.field else ""
    return [t("Issue"), t("Summary"), t("Status"), t("Done"), field]


def explain_table(result: ExplainResult) -> Group:
    lang = result.language
    t = words(lang)
    parts: list[Any] = []
    for item in result.items:
        parts.append(Text(_title(item, t), style="bold"))
        for label, text in _facts(item, lang):
            parts.append(plain(f"  {label}: {text}"))
        rows = _rows(item, lang)
        if rows:
            table = Table(box=None, padding=(0, 1), pad_edge=False, show_edge=False)
            for column in _header(item, t):
                table.add_column(column, overflow="fold")
            for row in rows:
                table.add_row(*(Text(cell) for cell in row))
            parts.append(Padding(table, (0, 0, 0, 2)))
        parts.append(Text(""))
    return Group(*parts)


def explain_markdown(result: ExplainResult) -> str:
    lang = result.language
    t = words(lang)
    lines: list[str] = []
    for item in result.items:
        lines += [f"## {markdown_text(_title(item, t))}", ""]
        lines += [f"- **{markdown_text(label)}**: {markdown_text(text)}"
                  for label, text in _facts(item, lang)]
        rows = _rows(item, lang)
        if rows:
            lines += ["", "| " + " | ".join(map(markdown_text, _header(item, t))) + " |",
                      "|---|---|---|---|---:|"]
            lines += ["| " + " | ".join(map(markdown_text, row)) + " |" for row in rows]
        lines.append("")
    return "\n".join(lines)


def explain_json(result: ExplainResult) -> str:
    """One object per KR: the KR as the JSON report shows it (`achievement` a fraction,
    `error` why there is no data), with the evidence added: the search, the value JIRA
    gave, the arithmetic, and every issue with the number the metric read on it."""
    out = []
    for item in result.items:
        measured = item.measured
        out.append({
            **record(item.assessment, result.period),
            "metric": str(item.metric) if item.metric else None, "jql": item.query,
            "url": item.url, "value": measured.value if measured else None,
            "arithmetic": measured.arithmetic if measured else None,
            "achievement_arithmetic": item.achievement,
            "issues": [{"key": i.key, "summary": i.summary, "status": i.status,
                        "status_category": i.status_category, "done": i.done,
                        "value": _number(i, measured)}
                       for i in sorted(measured.issues, key=_order)] if measured else [],
        })
    return to_json(out) + "\n"

