"""`okrsync digest`: the weekly review brief, per department, so the meeting starts from it.

It leads with what needs attention ("이번 주 먼저 볼 것": at most five KRs, ranked: newly off
track, went backwards, stalled, a value owed, heading below target by the year's end, each
naming its owner). Then each department: every KR at most once, with everything that
changed about it since the department's last brief (from the change log), the KRs that
have not moved for `[digest] stalled_weeks`, the values owed for this quarter (by owner),
the KRs heading below target, the KRs with no data and why.

With `--post`, each department's brief goes to its own webhook (`[alerts.departments]`) or
to `[alerts] webhook`, in its chat tool's format, and the delivery is remembered in the
sheet's change log (okrsync.logbook): the next brief of that department starts there, on
any machine. Should recording it fail after the posts went out, the digest says what was
posted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from okrsync.commands.common import known_department, shared_name
from okrsync.config import Config, Webhook
from okrsync.core.andon import Alarm, Why
from okrsync.core.calendar import Period
from okrsync.core.forecast import Forecast, forecast
from okrsync.core.plan import Assessment
from okrsync.core.progress import Status
from okrsync.environment import Environment
from okrsync.errors import ConfigError, ExitCode
from okrsync.i18n import _, _s
from okrsync.kr_table import ACHIEVEMENT, STATUS, Move, last_moved, moved_since
from okrsync.logbook import Raised, digest_lines, last_delivered, logged, raised
from okrsync.sheets.base import LogRecord
from okrsync.sync import SheetState, load_state
from okrsync.workspace import locked

FIRST_WINDOW = timedelta(days=7)
"""With no earlier brief and no --since, a digest covers the last week."""
ATTENTION = 5
"""At most this many lines lead the brief."""
NO_DEPARTMENT = "–"
"""How the change log names the department of KRs that have none."""


@dataclass(frozen=True)
class News:
    """Everything the brief says about one KR."""

    item: Assessment
    moves: list[Move]
    """Its value, achievement and status moves since the brief's start."""
    alarms: list[Raised]
    """Andon alarms raised for it since then."""
    stalled: bool
    owed: bool
    heading: Forecast | None

    @property
    def moved(self) -> bool:
        return bool(self.moves or self.alarms)

    @property
    def below_target(self) -> bool:
        return (self.heading is not None and self.item.status is not Status.DONE
                and self.heading.achievement_at_year_end < 1.0)

    @property
    def why(self) -> Why | None:
        """The most urgent reason to look at this KR this week, if any."""
        item = self.item
        if item.status is Status.OFF_TRACK and (
                any(a.alarm is Alarm.OFF_TRACK for a in self.alarms)
                or any(m.field == STATUS and m.new == Status.OFF_TRACK for m in self.moves)):
            return Why.OFF_TRACK
        if any(a.alarm is Alarm.REGRESSED for a in self.alarms) or any(
                m.field == ACHIEVEMENT and isinstance(m.old, float) and isinstance(m.new, float)
                and m.new < m.old for m in self.moves):
            return Why.REGRESSED
        if self.stalled:
            return Why.STALLED
        if self.owed:
            return Why.OWED
        if self.below_target:
            return Why.BELOW_TARGET
        return None


@dataclass(frozen=True)
class Window:
    """Since when a department's brief tells what moved: its last delivered brief (after
    that moment), else `--since` (that day included), else the last seven days."""

    start: str
    """The ISO time (or date) the window starts at, as the change log's times compare."""
    day: date
    """Its first day, as the brief names it."""
    last_brief: bool = False
    """It starts at the department's last delivered brief (just after it)."""

    def holds(self, time: str) -> bool:
        """Whether the log's `time` falls in the window."""
        return time > self.start if self.last_brief else time >= self.start


@dataclass
class DepartmentBrief:
    department: str
    since: Window
    news: list[News] = field(default_factory=list)
    """Every KR of the department, in sheet order."""


@dataclass
class DigestResult:
    period: Period
    stalled_weeks: int
    language: str
    departments: list[DepartmentBrief]
    sheet: str
    posted: list[str] = field(default_factory=list)
    """Departments whose brief was delivered to a webhook."""
    warnings: list[str] = field(default_factory=list)
    failure: str | None = None
    """What went wrong after the briefs were posted (they could not be remembered)."""

    @property
    def exit_code(self) -> ExitCode:
        if self.failure is not None:
            return ExitCode.COULD_NOT_RUN
        return ExitCode.PARTIAL if self.warnings else ExitCode.OK

    def attention(self, departments: Sequence[DepartmentBrief] | None = None
                  ) -> list[tuple[Why, News]]:
        """What to look at first, in `departments` (default: all in the brief): at most
        `ATTENTION` KRs, the most urgent first; within a reason, the furthest behind."""
        found = [(why, news) for brief in (departments or self.departments)
                 for news in brief.news if (why := news.why) is not None]
        order = list(Why)

        def urgency(entry: tuple[Why, News]) -> tuple[int, float]:
            why, news = entry
            if why is Why.BELOW_TARGET and news.heading is not None:
                return order.index(why), news.heading.achievement_at_year_end
            achieved = news.item.achievement
            return order.index(why), achieved if isinstance(achieved, float) else 0.0

        return sorted(found, key=urgency)[:ATTENTION]


def brief(state: SheetState, records: Sequence[LogRecord], since: dict[str, Window],
          stalled_weeks: int) -> list[DepartmentBrief]:
    """The brief of every department, from the sheet as it stands and its change log;
    `since` gives each department's window (a department not in it: the last week)."""
    period = state.period
    first_day = period.as_of - FIRST_WINDOW + timedelta(days=1)
    default = Window(first_day.isoformat(), first_day)
    stall_from = (period.as_of - timedelta(weeks=stalled_weeks)).isoformat()
    moved_last = last_moved(records, state.layout)
    log_starts = min((r.time[:10] for r in records), default=None)
    alarms: dict[str, list[Raised]] = {}
    for alarm in raised(records):
        alarms.setdefault(alarm.key_result, []).append(alarm)
    briefs: dict[str, DepartmentBrief] = {}
    windows: dict[str, dict[str, list[Move]]] = {}
    for item in state.assessments:
        kr = item.kr
        department = briefs.get(kr.department)
        if department is None:
            window = since.get(kr.department, default)
            department = briefs[kr.department] = DepartmentBrief(kr.department, window)
            windows[kr.department] = moved_since(records, window.start, state.layout,
                                                 after=window.last_brief)
        text = logged(kr.text)
        # okrsync's first achievement or status for a KR is no move of the KR's
        moves = [m for m in windows[kr.department].get(text, [])
                 if m.old is not None or m.field not in (ACHIEVEMENT, STATUS)]
        last = moved_last.get(text)
        can_tell = last is not None or (log_starts is not None and log_starts <= stall_from)
        stalled = (not item.problems and item.status is not Status.DONE and can_tell
                   and (last is None or last < stall_from) and not moves)
        owed = (not kr.linked and not item.problems and item.status is not Status.DONE
                and kr.quarters.get(period.quarter) is None)
        department.news.append(News(
            item, moves,
            [a for a in alarms.get(text, []) if department.since.holds(a.time)],
            stalled, owed, None if item.problems else forecast(kr, period)))
    return list(briefs.values())


def digest(
    env: Environment,
    config: Config,
    *,
    as_of: date | None = None,
    since: date | None = None,
    department: str | None = None,
    post: bool = False,
) -> DigestResult:
    """The weekly brief; with `post`, delivered to the departments' webhooks and
    remembered in the sheet's change log (under the sheet's lock, as a pull)."""
    if post and not (config.alerts.webhook or config.alerts.departments):
        raise ConfigError(_("--post needs a webhook: set [alerts] webhook, or one per "
                            "department in [alerts.departments]. Nothing was posted."))
    if not post:
        return _digest(env, config, as_of, since, department, post)
    config.alerts.refuse_plain_http(departments=True)  # before anything is posted
    with locked(config, env.lock_dir):
        return _digest(env, config, as_of, since, department, post)


def _digest(env: Environment, config: Config, as_of: date | None, since: date | None,
            department: str | None, post: bool) -> DigestResult:
    state, _sources = load_state(config, as_of, env=env, with_jira=False)
    try:
        records = state.backend.read_log()
        windows: dict[str, Window] = {}
        if since is not None:
            windows = {a.kr.department: Window(since.isoformat(), since)
                       for a in state.assessments}
        else:
            for name, time in last_delivered(records).items():
                windows[name if name != NO_DEPARTMENT else ""] = Window(
                    time, date.fromisoformat(time[:10]), last_brief=True)
        briefs = brief(state, records, windows, config.digest.stalled_weeks)
        if department is not None:
            known_department(state.assessments, department)
            briefs = [b for b in briefs if b.department.casefold() == department.casefold()]
        result = DigestResult(state.period, config.digest.stalled_weeks, state.language,
                              briefs, shared_name(config))
        if post:
            _post(env, config, result)
            _remember(env, config, state, result)
    finally:
        state.close()
    return result


def _webhook(config: Config, department: str) -> Webhook | None:
    hooks = {name.casefold(): hook for name, hook in config.alerts.departments.items()}
    return hooks.get(department.casefold(), config.alerts.webhook)


def _post(env: Environment, config: Config, result: DigestResult) -> None:
    """One chat post per department (split where its chat tool needs), to its webhook or
    the default one."""
    from okrsync.chat import deliver
    from okrsync.render.digest import digest_message

    for item in result.departments:
        hook = _webhook(config, item.department)
        shown = item.department or _("(no department)")
        if hook is None:
            result.warnings.append(_("no webhook for {department}: set [alerts.departments] "
                                     "or [alerts] webhook").format(department=shown))
            continue
        problem = deliver(hook, digest_message(result, item), config.alerts.owners,
                          deadline=env.deadline)
        if problem:
            result.warnings.append(_("the brief of {department} was not delivered: "
                                     "{problem}").format(department=shown, problem=problem))
        else:
            result.posted.append(item.department)


def _remember(env: Environment, config: Config, state: SheetState,
              result: DigestResult) -> None:
    """Record the delivered briefs in the sheet's change log, so that each department's
    next brief starts here. The posts have gone out: a failure here says what was posted
    and how to go on, never leaving the reader to guess."""
    if not result.posted:
        return
    lines = digest_lines([name or NO_DEPARTMENT for name in result.posted],
                         env.now(result.period.as_of, config.okr.zone),
                         _s("weekly brief delivered"))
    try:
        state.backend.write([], lines, state.layout.header_rows)
    except Exception as error:  # after posting, whatever it is, say what was posted
        posted = ", ".join(name or _("(no department)") for name in result.posted)
        result.failure = _(
            "the briefs of {posted} were posted, but okrsync could not record that in the "
            "okrsync log tab ({error}), so the next digest will cover these days again; to "
            "start it here, run it with --since {day}").format(
            posted=posted, error=str(error) or error.__class__.__name__,
            day=result.period.as_of.isoformat())
