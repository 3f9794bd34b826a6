"""Results for the terminal: rich tables and lines, plain when not on a terminal.

Text from a sheet or JIRA is always given to rich as `Text` (never parsed as markup),
with control characters made visible and secrets removed (`plain`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import groupby
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from okrsync.commands.history import UNDO_SOURCE
from okrsync.core.andon import Alarm, alarm_word
from okrsync.core.forecast import CALL_OUT_BELOW, forecast
from okrsync.core.okr import KeyResult
from okrsync.core.progress import Status, status_word
from okrsync.i18n import Words, _, words
from okrsync.kr_table import frame, overall, rollup
from okrsync.logbook import ALARM, DIGEST, run_time
from okrsync.render.documents import moves_of
from okrsync.render.text import (
    JIRA_SOURCE,
    average,
    bar,
    call_out_text,
    called_out,
    cell_value,
    heading,
    logged_unit,
    percent,
    shown,
    status_counts,
    trend,
    value,
)
from okrsync.sheets.base import LogRecord

if TYPE_CHECKING:
    from okrsync.commands.check import CheckResult
    from okrsync.commands.export import ExportResult
    from okrsync.commands.history import HistoryResult, UndoResult
    from okrsync.commands.init import InitResult
    from okrsync.commands.overlaps import Overlaps
    from okrsync.commands.pull import PullResult
    from okrsync.commands.report import ReportResult
    from okrsync.core.plan import Assessment
    from okrsync.sync import Problem, Pull

STATUS_STYLE = {
    Status.DONE: "bold green",
    Status.ON_TRACK: "green",
    Status.AT_RISK: "yellow",
    Status.OFF_TRACK: "bold red",
    Status.NO_DATA: "dim",
}


def make_console(stderr: bool = False, width: int | None = None, file: Any = None) -> Console:
    """A console that drops colour and box art when not writing to a terminal, and never
    reads text as markup or emoji codes."""
    return Console(stderr=stderr, width=width, file=file, highlight=False, soft_wrap=True,
                   markup=False, emoji=False)


def plain(text: object, style: str = "") -> Text:
    return Text(shown(text), style=style)


def _table(title: str) -> Table:
    """A table with a bold title on the left and a rule under the header, as all here."""
    return Table(box=box.SIMPLE_HEAD, title=title, title_justify="left", title_style="bold")


def report_table(result: ReportResult) -> Group:
    """Departments → objectives → KRs, with a summary per department and overall, in the
    sheet's language."""
    lang = result.language
    t = words(lang)
    assessments, period = result.assessments, result.period
    parts: list[Any] = [plain(t("OKR progress") + " · " + heading(period, lang), style="bold")]
    table = frame(assessments, period)
    summaries = {row.department: row for row in rollup(table).itertuples()}
    for department, items in groupby(assessments, key=lambda a: a.kr.department):
        members = list(items)
        summary = summaries[department]
        grid = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, padding=(0, 1),
                     title_justify="left", title_style="bold", expand=True,
                     title=shown(department or t("(no department)")) + " — " + t(
                         "{count} KRs, average {average}").format(
                         count=summary.krs, average=average(summary.average)))
        grid.add_column(t("Key Result (owner)"), ratio=1, overflow="fold", min_width=14)
        grid.add_column(t("Start→Now→Target"), overflow="fold", max_width=16)
        grid.add_column("Q1-4", no_wrap=True)
        grid.add_column(t("Achievement"), no_wrap=True)
        grid.add_column(t("Status"), no_wrap=True)
        grid.add_column(t("Year end"), no_wrap=True, justify="right")
        for objective, krs in groupby(members, key=lambda a: a.kr.objective):
            grid.add_row(plain(objective or t("(no objective)"), style="bold cyan"))
            for item in krs:
                kr = item.kr
                status = Text(status_word(item.status, lang), style=STATUS_STYLE[item.status])
                if item.problems:
                    status.append(" !", style="bold red")
                elif called_out(item, period):
                    status.append(" ↘", style="bold yellow")
                name = Text(shown(kr.text))
                if kr.owner:
                    name.append(f" ({shown(kr.owner)})", style="dim")
                if result.detailed and kr.description:
                    name.append("\n" + shown(kr.description), style="italic")
                ahead = None if item.problems else forecast(kr, period)
                grid.add_row(
                    Padding(name, (0, 0, 0, 1)),  # a wrapped name stays under its KR
                    shown(f"{value(kr, kr.start)}→{value(kr, kr.current)}→"
                          f"{value(kr, kr.target)}"),
                    trend(kr),
                    f"{bar(item.achievement, 6)}{percent(item.achievement):>5}",
                    status,
                    percent(ahead.achievement_at_year_end) if ahead else "–",
                )
        parts.append(grid)
    total = overall(table)
    parts.append(plain(t("Total: {count} KRs, average {average} — {statuses}").format(
        count=total["krs"], average=average(total["average"]),
        statuses=status_counts(total, lang)), style="bold"))
    parts += _by_row(t("Heading below {limit} by year end (↘):").format(
        limit=percent(CALL_OUT_BELOW)), "bold yellow", t,
        [(item.kr.sheet_row, item.kr.text, call_out_text(ahead, lang))
         for item in assessments if (ahead := called_out(item, period))])
    parts += _by_row(t("Problems:"), "bold red", t, [
        (a.kr.sheet_row, a.kr.text, p) for a in assessments for p in a.problems])
    parts += _caveats(assessments, t)
    if result.since is not None:
        parts.append(moved_since(result))
    return Group(*parts)


def moved_since(result: ReportResult) -> Group:
    """What moved since a date, per KR, from the change log."""
    assert result.since is not None
    t = words(result.language)
    parts: list[Any] = [plain(t("Moved since {day}:").format(day=result.since.isoformat()),
                              style="bold")]
    found = [f"{item.kr.text} — {text}" for item in result.assessments
             for text in moves_of(result, item)]
    parts += [plain("  " + line) for line in found or [t("nothing")]]
    return Group(*parts)


def pull_summary(done: PullResult, quiet: bool = False) -> Group:
    """What a pull changed (old → new), what went wrong, Andon alerts, one summary line,
    in the person's language (problems and alerts are in the sheet's, as written)."""
    result = done.pull
    parts: list[Any] = []
    if result.changes and not quiet:
        table = _table(_("Changes (dry run)") if result.dry_run else _("Changes"))
        table.add_column(_("Row"), justify="right")
        table.add_column(_("Key Result"), ratio=1, overflow="fold", min_width=12)
        table.add_column(_("Cell"))
        table.add_column(_("Old → New"), overflow="fold")
        for change in result.changes:
            table.add_row(str(change.row), plain(change.key_result), change.cell,
                          plain(f"{cell_value(change.old, change.unit)} → "
                                f"{cell_value(change.new, change.unit)}"))
        parts.append(table)
    parts += _by_row(_("Problems (these KRs were skipped or kept their old value):"),
                     "bold red", _, _problems(result.new_problems if quiet else result.problems))
    if not quiet:
        parts += _caveats(result.state.assessments, _)
    if result.alerts:
        parts.append(Text(_("Andon — KRs that need attention:"), style="bold yellow"))
        for alert in result.alerts:
            parts.append(plain("  " + _("row {row} ({kr}) [{alarm}]: {detail}").format(
                row=alert.row, kr=alert.key_result, alarm=alarm_word(alert.alarm, _),
                detail=alert.detail)))
    for warning in done.warnings:
        parts.append(plain(_("warning: {message}").format(message=warning), style="yellow"))
    if not quiet:
        parts.append(plain(_summary(result), style="bold"))
    return Group(*parts)


def _by_row(title: str, style: str, t: Words, lines: Sequence[tuple[int, str, str]]
            ) -> list[Text]:
    """A titled list of `row R (KR): text` lines; nothing when there are none."""
    if not lines:
        return []
    return [Text(title, style=style), *(plain("  " + t("row {row} ({kr}): {text}").format(
        row=row, kr=kr, text=text)) for row, kr, text in lines)]


def _problems(problems: Sequence[Problem]) -> list[tuple[int, str, str]]:
    return [(p.row, p.key_result, p.message) for p in problems]


def _caveats(assessments: Sequence[Assessment], t: Words) -> list[Text]:
    """What JIRA's conventions decided about a KR's value (an unestimated issue counted
    as 0 points), one line each, in the sheet's language as written."""
    return _by_row(t("Caveats (the value stands; good to know):"), "bold", t, [
        (item.kr.sheet_row, item.kr.text, caveat)
        for item in assessments for caveat in item.caveats])


def _summary(result: Pull) -> str:
    values = len(result.changes)
    name = result.state.backend.name
    if result.dry_run and not values and not result.recolored:
        summary = _("Dry run: nothing would change in {sheet}; nothing was written.").format(
            sheet=name)
    elif result.dry_run:
        summary = _("Dry run: {values} value(s) and {colors} color(s) would change in {sheet}; "
                    "nothing was written.").format(values=values, colors=result.recolored,
                                                   sheet=name)
    elif result.written:
        summary = _("Wrote {values} value(s) and {colors} color(s) to {sheet}.").format(
            values=values, colors=result.recolored, sheet=name)
    else:
        summary = _("Nothing to change in {sheet}.").format(sheet=name)
    krs = len(result.state.assessments)
    linked = sum(1 for a in result.state.assessments if a.kr.linked)
    return summary + " " + _("{krs} KRs ({linked} linked to JIRA), {problems} "
                             "problem(s).").format(krs=krs, linked=linked,
                                                   problems=len(result.problems))


def check_summary(check: CheckResult) -> Group:
    """What `check` found: where the sheet is, the column mapping, every problem."""
    result = check.pull
    state = result.state
    layout = state.layout
    rows = "–".join(dict.fromkeys(str(r + 1) for r in layout.header_rows))
    parts: list[Any] = [
        plain(_("Sheet: {sheet} — header in row {rows}").format(sheet=state.backend.name,
                                                               rows=rows), style="bold"),
    ]
    mapping = _table(_("Columns found"))
    mapping.add_column(_("Column"))
    mapping.add_column(_("Header in the sheet"))
    mapping.add_column(_("Read as"))
    for role, (letter, header) in layout.describe().items():
        mapping.add_row(letter, plain(header), _role(role))
    parts.append(mapping)
    linked = sum(1 for a in state.assessments if a.kr.linked)
    parts.append(Text(_("{krs} KRs, {linked} linked to JIRA; Q{quarter} is the current "
                        "quarter.").format(krs=len(state.assessments), linked=linked,
                                           quarter=state.period.quarter)))
    parts += _caveats(state.assessments, _)
    parts += _by_row(_("Problems:"), "bold red", _, _problems(result.problems))
    if result.problems:
        parts.append(Text(_("{problems} problem(s): a pull would be partial.").format(
            problems=len(result.problems)), style="bold"))
    else:
        said = (_("OK: a pull would be clean ({values} value(s) would change).").format(
            values=len(result.changes)) if result.changes
            else _("OK: a pull would be clean (no value would change)."))
        parts.append(Text(said, style="bold green"))
    return Group(*parts)


def _role(role: str) -> str:
    """What okrsync reads a column as (`key_result`, `Q3`), in the person's language."""
    if role.startswith("Q") and role[1:].isdigit():
        return _("Q{quarter}").format(quarter=role[1:])
    return {
        "department": _("department"), "objective": _("objective"),
        "key_result": _("key result"), "description": _("description"),
        "history": _("history"), "owner": _("owner"), "start": _("start"),
        "target": _("target"), "achievement": _("achievement"), "jira": _("jira"),
        "metric": _("metric"), "status": _("status"), "synced": _("synced"),
    }.get(role, role)


def history_table(result: HistoryResult) -> Any:
    """The change log as a table, oldest first."""
    records = result.records
    if not records:
        return Text(_("No changes recorded yet (the change log is empty or nothing "
                      "matched)."))
    table = _table(_("Change log"))
    table.add_column(_("Time"), no_wrap=True)
    table.add_column(_("Row"), justify="right")
    table.add_column(_("Key Result"), ratio=1, overflow="fold", min_width=10)
    table.add_column(_("Cell"))
    table.add_column(_("Old → New"), overflow="fold")
    table.add_column(_("Source"), overflow="fold", max_width=24)
    for entry in records:
        unit = logged_unit(entry)
        alarm = entry.pull.startswith(ALARM)  # an alarm remembered, not a cell changed
        table.add_row(plain(entry.time[:16].replace("T", " ")), str(entry.row),
                      plain(entry.key_result), "" if alarm else plain(entry.cell),
                      "" if alarm else plain(
                          f"{cell_value(entry.old, unit)} → {cell_value(entry.new, unit)}"),
                      plain(_source(entry)))
    return table


def _source(entry: LogRecord) -> str:
    """Where a logged value came from, in the person's language: `okrsync`, `JIRA CX-100
    (완료율)`, `8월 20일 23:36 pull 되돌리기`, or the alarm an Andon line remembers."""
    if entry.pull.startswith(ALARM):
        return _("Andon: {alarm}").format(alarm=alarm_word(Alarm(str(entry.new)), _)
                                          if str(entry.new) in set(Alarm) else entry.new)
    if entry.pull.startswith(DIGEST):
        return _("weekly brief delivered")
    if entry.source.startswith(UNDO_SOURCE):
        return _("undo of the pull of {when}").format(
            when=_pull_time(entry.source.removeprefix(UNDO_SOURCE)))
    if found := JIRA_SOURCE.fullmatch(entry.source):
        return f"JIRA {found['link']} ({metric_name(found['metric'])})"
    return entry.source


def metric_name(metric: str, t: Callable[[str], str] = _) -> str:
    """A metric as `t`'s language names it (`done_ratio`, `완료율`)."""
    if metric.startswith("sum:"):
        return t("sum:{field}").format(field=metric.removeprefix("sum:"))
    return {"done_ratio": t("done_ratio"), "done_count": t("done_count"),
            "count": t("count"), "points_done": t("points_done"),
            "points_ratio": t("points_ratio"), "weighted": t("weighted"),
            "weighted_points": t("weighted_points")}.get(metric, metric)



def _pull_time(pull: str) -> str:
    """A pull as people name it, by when it ran: `8/20 23:36` (`8월 20일 23:36`)."""
    when = run_time(pull)
    if when is None:
        return pull
    return _("{month}/{day} {time}").format(month=when.month, day=when.day,
                                            time=f"{when:%H:%M}")


def undo_summary(result: UndoResult) -> Group:
    if result.pull is None:
        return Group(Text(_("Nothing to undo: every pull in the change log has been undone, "
                            "or none has written yet.")))
    if result.dry_run:
        line = _("Would revert {cells} cell(s) written by the pull of {when} in {sheet}.")
    else:
        line = _("Reverted {cells} cell(s) written by the pull of {when} in {sheet}.")
    parts: list[Any] = [plain(line.format(cells=len(result.reverted),
                                          when=_pull_time(result.pull),
                                          sheet=result.sheet), style="bold")]
    for entry in result.reverted:
        unit = logged_unit(entry)
        parts.append(plain("  " + _("{cell} (row {row}, {kr}): {change}").format(
            cell=entry.cell, row=entry.row, kr=entry.key_result,
            change=f"{cell_value(entry.new, unit)} → {cell_value(entry.old, unit)}")))
    if result.refused:
        parts.append(Text(_("Kept (not reverted):"), style="bold yellow"))
        for entry, reason in result.refused:
            parts.append(plain("  " + _("{cell} (row {row}, {kr}): {change}").format(
                cell=entry.cell, row=entry.row, kr=entry.key_result, change=reason)))
    return Group(*parts)


def overlaps_table(result: Overlaps) -> Group:
    """Pairs of KRs across departments that share JIRA issues or read alike."""
    parts: list[Any] = []

    def name(kr: KeyResult) -> str:
        return shown(_("{department} · row {row} · {kr}").format(
            department=kr.department or _("(no department)"), row=kr.sheet_row, kr=kr.text))

    if result.shared:
        table = _table(_("KRs counting the same JIRA issues"))
        table.add_column("KR", ratio=1, overflow="fold")
        table.add_column("KR", ratio=1, overflow="fold")
        table.add_column(_("Shared"), justify="right")
        table.add_column(_("For example"), overflow="fold")
        for pair in result.shared:
            more = ", …" if pair.count > len(pair.sample) else ""
            table.add_row(name(pair.first), name(pair.second), str(pair.count),
                          shown(", ".join(pair.sample) + more))
        parts.append(table)
    if result.similar:
        table = _table(_("KRs that read nearly the same"))
        table.add_column("KR", ratio=1, overflow="fold")
        table.add_column("KR", ratio=1, overflow="fold")
        table.add_column(_("Alike"), justify="right")
        for similar in result.similar:
            table.add_row(name(similar.first), name(similar.second), f"{similar.score:.0f}%")
        parts.append(table)
    if not result.shared and not result.similar:
        parts.append(Text(_("No overlaps: no two departments count the same JIRA issues or "
                            "set KRs that read alike.")))
    for kr, problem in result.problems:
        parts.append(plain("  " + _("row {row} ({kr}): {text}").format(
            row=kr.sheet_row, kr=kr.text, text=problem), style="yellow"))
    return Group(*parts)


def init_summary(result: InitResult) -> Group:
    parts = [plain(_("Wrote {config}.").format(config=result.config))]
    if result.workbook is not None:
        parts.append(plain(_("Created {workbook} with an empty dashboard in tab {tab}.").format(
            workbook=result.workbook, tab=repr(result.tab))))
    if result.spreadsheet is not None:
        parts.append(plain(_("Added tab {tab} with an empty dashboard to {spreadsheet}.").format(
            tab=repr(result.tab), spreadsheet=result.spreadsheet)))
    if result.missing is not None:
        parts.append(plain(_("{workbook} does not exist yet. To start from an empty dashboard: "
                             "{command}").format(
            workbook=result.missing,
            command=f"okrsync init -c {result.config} --spreadsheet {result.missing} "
                    "--create-workbook --force")))
    else:
        parts.append(plain(_("Next: {command}").format(
            command=f"okrsync check -c {result.config}")))
    return Group(*parts)


def export_summary(result: ExportResult) -> Group:
    """Where the export went and what it holds; the links JIRA could not answer."""
    parts: list[Any] = [plain(_("Saved {issues} issue(s) for {links} link(s) from {site} "
                                "to {path}.").format(issues=result.issues, links=result.links,
                                                    site=result.site, path=result.path),
                              style="bold")]
    if result.problems:
        parts.append(Text(_("Links JIRA could not answer (their KRs will have a problem "
                            "offline too):"), style="bold red"))
        parts += [plain(f"  {link}: {problem}") for link, problem in result.problems]
    parts.append(plain(_("Point [jira] export at this file for an offline pull; it checks "
                         "that no issue is missing.")))
    return Group(*parts)
