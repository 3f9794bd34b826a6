"""A JIRA export file as the issue source: no server needed.

Two formats are read:
- JSON as JIRA's REST search returns it (`{"issues": [...], "names": {...}}`, the
  `names` map coming with `expand=names`), one response or a list of pages;
- CSV from JIRA's "Export issues → CSV (all fields)".

An export only answers what it holds. A file that is not a search result, or a search
result with pages missing, stops the pull before anything is written; a question the
export cannot answer for sure (children of a classic epic when the Epic Link field
cannot be identified, done-ness without status categories, story points in two
fields, a JQL clause on a field the export lacks) fails that KR with a message
saying how to export, and never gives a number.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import msgspec

from okrsync.errors import KRError, SourceError, log
from okrsync.i18n import _, _s
from okrsync.jira.jql import ISSUE_FIELDS, compile_jql
from okrsync.jira.links import IssueKeys, Jql, Link, SavedFilter
from okrsync.jira.metrics import Kind, Metric
from okrsync.jira.model import (
    ISSUE_KEY,
    UNREADABLE_POINTS,
    Issue,
    as_number,
    category_key,
    field_name,
    interned,
    issue_from_rest,
    points_fields_of,
    rest_issue,
)
from okrsync.jira.source import IssueSource

EPIC_LINK_NAMES = ("epic link", "에픽 링크")
EPIC_TYPES = ("epic", "에픽")


def _json_how(t: Callable[[str], str]) -> str:
    """How to save an export okrsync can trust, in `t`'s language (`_` for an error that
    stops the run, `_s` for a KR's)."""
    return t("make it with okrsync export, or save the answers of GET "
             "/rest/api/3/search/jql?jql=…&fields=*all&expand=names on JIRA Cloud "
             "(/rest/api/2/search on Server / Data Center), every page, as a JSON list")


@dataclass
class Contents:
    """What an export holds, beyond its issues: what okrsync needs to know to trust it."""

    issues: list[Issue]
    fields: set[str]
    """Every field name and id the export carries (normalised by `field_name`)."""
    points: dict[str, str]
    """Fields that may hold story points: id or column → how to show it."""
    epic_field: str | None = None
    """Where classic epics' children name their epic, when that can be told."""
    epic_problem: str = ""
    """Why children of a classic epic cannot be found in this export ("" when they can)."""
    cloud: bool = False
    """From JIRA Cloud, where every child (epics' included) names its parent."""
    epics: set[str] = field(default_factory=set)
    """Keys of the issues that are epics."""
    has_names: bool = True
    """Whether field ids can be told from names (`expand=names`, or a CSV header)."""
    csv: bool = False
    """From a CSV export, which has no column for a multi-valued field no issue uses."""
    manifest: dict[str, list[str] | str] | None = None
    """From `okrsync export`: each link (as `str(link)`) → the ids of its issues as JIRA
    answered, or why JIRA could not answer it."""


class ExportSource(IssueSource):
    """Issues read once from a file; links are resolved locally."""

    def __init__(self, contents: Contents, origin: str) -> None:
        self.contents = contents
        self.origin = origin
        """The file as the config names it: messages may end up in a shared sheet."""
        self.by_key: dict[str, Issue] = {}
        self.copies: dict[str, list[Issue]] = defaultdict(list)
        for issue in contents.issues:
            self.copies[issue.key].append(issue)
            self.by_key[issue.key] = issue
        self.conflicts = {key: _difference(found) for key, found in self.copies.items()
                          if any(other != found[0] for other in found[1:])}
        self.all = list(self.by_key.values())
        self.by_id = {issue.id: issue for issue in contents.issues if issue.id}
        self.children: dict[str, list[Issue]] = defaultdict(list)
        self.ids: dict[str, str] = {}
        for issue in self.all:
            for parent in {issue.parent, issue.epic} - {None}:
                self.children[parent].append(issue)  # type: ignore[index]
            if issue.id:
                self.ids[issue.id] = issue.key
            if issue.parent and issue.parent_id:
                self.ids.setdefault(issue.parent_id, issue.parent)
        self.known = set(self.by_key) | set(self.children)
        self.projects = {name.lower() for issue in self.all
                         for name in (issue.project, issue.project_name) if name}

    @classmethod
    def load(cls, path: Path, story_points_field: str | None = None,
             shown: str | None = None) -> ExportSource:
        """Read `path`; `shown` is how messages name it (as the config spells it)."""
        name = shown or path.name
        if path.is_dir():
            raise SourceError(_("[jira] export: {name} is a folder, not a JIRA export "
                                "file").format(name=name))
        if not path.is_file():
            raise SourceError(_("JIRA export {name} does not exist").format(name=name))
        try:
            if path.suffix.lower() == ".csv":
                text = _csv_text(path.read_bytes(), name)
                contents = _from_csv(csv.reader(io.StringIO(text, newline="")),
                                     story_points_field, name)
            else:
                with path.open(encoding="utf-8-sig") as stream:
                    document = _parsed(stream, name)
                contents = _from_json(document, story_points_field, name)
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            raise SourceError(_("JIRA export {name} cannot be read: {error}").format(
                name=name, error=error)) from None
        except RecursionError:
            raise SourceError(_("JIRA export {name} nests too deeply to be a JIRA search "
                                "result").format(name=name)) from None
        return cls(contents, name)

    # -- what the export can answer

    def check_metric(self, metric: Metric) -> None:
        contents = self.contents
        if metric.needs_points and not contents.points:
            if not contents.has_names:
                raise KRError(_s(
                    "the JIRA export {name} has no `names` map, so okrsync cannot tell which "
                    "custom field holds story points: export with expand=names, or set [jira] "
                    "story_points_field to the field's id (customfield_…)").format(
                    name=self.origin))
            raise KRError(_s("no story points field in the JIRA export {name} (looked for "
                             "Story Points, Story point estimate); set [jira] "
                             "story_points_field").format(name=self.origin))
        if metric.kind is Kind.SUM and field_name(metric.field or "") not in contents.fields:
            if contents.has_names:
                raise KRError(_s("field {field} is not in the JIRA export {name}").format(
                    field=repr(metric.field), name=self.origin))
            raise KRError(_s(
                "field {field} is not in the JIRA export {name}; it has no `names` map, so "
                "fields can only be named by id (customfield_…) — or export with "
                "expand=names").format(field=repr(metric.field), name=self.origin))

    def field(self, name: str) -> str:
        """The field a JQL clause on `name` is answered from (a Vocabulary)."""
        contents = self.contents
        if name == "epic link":
            if contents.epic_field is not None:
                return name
            if contents.cloud:
                return "parent"  # on JIRA Cloud, "Epic Link" is the epic as parent
            raise KRError(contents.epic_problem or _s(
                "the JIRA export {name} has no Epic Link field").format(name=self.origin))
        if name == "statuscategory":
            missing = [i.key for i in self.all if not i.status_category]
            if missing:
                raise KRError(_s("{count} issues in the JIRA export {name} have no status "
                                 "category (e.g. {key}), so statusCategory cannot be "
                                 "evaluated").format(count=len(missing), name=self.origin,
                                                     key=missing[0]))
        wanted = _JQL_FIELDS.get(name)
        if contents.csv and name in ("labels", "component", "fixversion"):
            return name  # JIRA leaves out the column when no issue has a value
        if wanted and not contents.fields & set(wanted):
            raise KRError(_s("the JIRA export {name} does not carry the {field} field, so this "
                             "JQL cannot be answered from it; {how}").format(
                name=self.origin, field=name, how=_how(contents)))
        return name

    def value(self, field: str, value: str) -> str:
        """A JQL value as this export knows it; KRError for an issue or project it does
        not hold, which JIRA would reject rather than match nothing (a Vocabulary)."""
        if field == "project":
            if value.strip().lower() not in self.projects:
                raise KRError(_s("JQL names project {project}, which has no issue in the JIRA "
                                 "export {name}; export that project's issues too").format(
                    project=repr(value), name=self.origin))
            return value
        return self._issue_key(value) if field in ISSUE_FIELDS else value

    def _issue_key(self, value: str) -> str:
        text = value.strip()
        if text.isdigit():
            if text in self.ids:
                return self.ids[text]
            raise KRError(_s("JQL names issue id {id}, which is not in the JIRA export "
                             "{name}").format(id=text, name=self.origin))
        key = text.upper()
        if key not in self.known:
            raise KRError(_s("JQL names {key}, which is not in the JIRA export {name} (JIRA "
                             "itself would reject the query if the issue does not "
                             "exist)").format(key=key, name=self.origin))
        return key

    def _children_visible(self, key: str) -> str:
        """Why the children of `key` cannot all be seen in this export ("" if they can)."""
        contents = self.contents
        if contents.cloud or contents.epic_field is not None:
            return ""
        issue = self.by_key.get(key)
        if issue is not None and key not in contents.epics:
            return ""  # not an epic: its children are sub-tasks, which name their parent
        return contents.epic_problem

    # -- answering links

    def issues(
        self, links: Iterable[Link], metrics: Iterable[Metric] = ()
    ) -> dict[Link, Sequence[Issue] | KRError]:
        return {link: self._checked(link) for link in links}

    def query_of(self, link: Link) -> str | None:
        if isinstance(link, IssueKeys):
            listed = ", ".join(link.keys)
            if self.contents.epic_field is not None:
                return f'parent in ({listed}) OR "Epic Link" in ({listed})'
            return f"parent in ({listed})"
        return super().query_of(link)

    def _checked(self, link: Link) -> Sequence[Issue] | KRError:
        try:
            return self._resolve(link)
        except KRError as error:
            return error

    def _resolve(self, link: Link) -> Sequence[Issue]:
        manifest = self.contents.manifest
        if manifest is not None:  # what JIRA answered when the file was made
            answer = manifest.get(str(link))
            if answer is None:
                raise KRError(_s("{link} is not in the okrsync export {name}, which was made "
                                 "for other links: make it again with okrsync export").format(
                    link=link, name=self.origin))
            if isinstance(answer, str):
                raise KRError(answer)
            return [self.by_id[number] for number in answer]
        if isinstance(link, IssueKeys):
            found: dict[str, Issue] = {}
            for key in link.keys:
                if problem := self._children_visible(key):
                    raise KRError(problem)
                for issue in self.children.get(key, ()):
                    found[issue.key] = issue
            if not found:
                raise KRError(_s("no child issues of {link} in the JIRA export {name}").format(
                    link=link, name=self.origin))
            self._no_conflicts(found)
            return list(found.values())
        if isinstance(link, SavedFilter):
            raise KRError(_s("{link}: saved filters live on the JIRA server; an export file "
                             "cannot answer them (write the filter's JQL instead)").format(
                link=link))
        assert isinstance(link, Jql)
        try:
            predicate = compile_jql(link.query, self)
        except RecursionError:
            raise KRError(_s("the JQL nests too deeply to be evaluated")) from None
        matched = {issue.key: issue for issue in self.all if predicate(issue)}
        for key in self.conflicts:
            if any(predicate(copy) for copy in self.copies[key]):
                matched[key] = self.by_key[key]
        self._no_conflicts(matched)
        return list(matched.values())

    def _no_conflicts(self, found: Mapping[str, Issue]) -> None:
        for key in found:
            if key in self.conflicts:
                raise KRError(_s("{key} appears {count} times in the JIRA export {name} with "
                                 "different {fields}; export it once (pages of a search that "
                                 "changed while it was saved?)").format(
                    key=key, count=len(self.copies[key]), name=self.origin,
                    fields=self.conflicts[key]))


_JQL_FIELDS = {
    "project": ("project", "project key", "project name"),
    "issuetype": ("issuetype", "issue type"),
    "status": ("status",),
    "labels": ("labels",),
    "component": ("components", "component/s"),
    "fixversion": ("fixversions", "fix version/s", "fix versions"),
}
"""JQL field → the names under which an export carries it (REST id, CSV column)."""


def _how(contents: Contents) -> str:
    return _s("export all fields") if contents.has_names else _json_how(_s)


def _difference(copies: Sequence[Issue]) -> str:
    """Which fields differ between copies of one issue, for the message."""
    first = copies[0]
    differ = [f.name.replace("_", " ") for f in msgspec.structs.fields(Issue)
              if any(getattr(other, f.name) != getattr(first, f.name) for other in copies[1:])]
    return ", ".join(differ) or _s("contents")


# ---------------------------------------------------------------- JSON (REST search)

_SEARCH_KEYS = {"issues", "names", "schema", "expand", "startAt", "maxResults", "total",
                "nextPageToken", "isLast", "warningMessages"}


def _pages(document: Any, name: str) -> list[Mapping[str, Any]]:
    """The pages of a search response; SourceError when the file is not one."""
    if isinstance(document, Mapping):
        if isinstance(document.get("issues"), list):
            return [document]
        raise SourceError(_not_a_search(document, name))
    if isinstance(document, list) and document:
        if all(isinstance(p, Mapping) and isinstance(p.get("issues"), list) for p in document):
            return list(document)
        if all(isinstance(i, Mapping) and "key" in i and isinstance(i.get("fields"), Mapping)
               for i in document):
            return [{"issues": document}]
        for item in document:
            if isinstance(item, Mapping) and not isinstance(item.get("issues"), list):
                raise SourceError(_not_a_search(item, name))
    raise SourceError(_("the JIRA export {name} is not a JIRA search result: expected "
                        "{shape} or a list of such pages; {how}").format(
        name=name, shape='{"issues": [...]}', how=_json_how(_)))


def _not_a_search(document: Mapping[str, Any], name: str) -> str:
    messages = [str(m) for m in document.get("errorMessages") or () if m]
    errors = document.get("errors")
    if isinstance(errors, Mapping):
        messages += [f"{key}: {value}" for key, value in errors.items()]
    if messages or "errorMessages" in document:
        said = "; ".join(messages)[:300].rstrip(". ") or _("(no message)")
        return _("the JIRA export {name} is an error JIRA answered, not a search result: "
                 "{said}. Fix the search and save its answer again; nothing was "
                 "written").format(name=name, said=said)
    keys = ", ".join(sorted(map(str, document))[:6]) or _("nothing")
    return _("the JIRA export {name} is not a JIRA search result (it holds {keys}, not "
             "issues); {how}; nothing was written").format(name=name, keys=keys,
                                                         how=_json_how(_))


def _parsed(stream: IO[str], name: str) -> Any:
    try:
        return json.load(stream)
    except ValueError as error:  # not JSON, or a number too long to be one
        raise SourceError(_("JIRA export {name} cannot be read: {error}").format(
            name=name, error=error)) from None


def _count(page: Mapping[str, Any], key: str, name: str) -> int | None:
    """A page's `total` or `startAt`: absent, or a whole number ≥ 0 as JIRA writes it.
    Anything else is not what JIRA sends, so the completeness check cannot be trusted."""
    value = page.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise SourceError(_("the JIRA export {name} has {key} = {value}, which JIRA never "
                        "writes (a whole number of issues): it is not a JIRA search result "
                        "as JIRA saved it; nothing was written").format(
        name=name, key=key, value=repr(value)[:40]))


def _check_complete(pages: Sequence[Mapping[str, Any]], name: str) -> None:
    """A search saved without all its pages gives wrong counts: stop before writing."""
    last = pages[-1]
    if last.get("nextPageToken") or last.get("isLast") is False:
        raise SourceError(_("the JIRA export {name} ends with a page that says more follow "
                            "(nextPageToken): save every page, as a JSON list; nothing was "
                            "written").format(name=name))
    covered: dict[int, set[int]] = defaultdict(set)
    for page in pages:
        total = _count(page, "total", name)
        start = _count(page, "startAt", name) or 0
        if total is not None:
            covered[total].update(range(start, start + len(page["issues"])))
    for total, seen in covered.items():
        if total > len(seen) or sum(1 for n in seen if n < total) < total:
            raise SourceError(_(
                "the JIRA export {name} holds {count} of the {total} issues its search found "
                "(total): save every page (startAt = 0, 50, 100, …) as a JSON list; nothing "
                "was written").format(name=name, count=len(seen), total=total))


def _identify_epic_field(raw: Sequence[Mapping[str, Any]], names: Mapping[str, str],
                         name: str) -> tuple[str | None, str]:
    """The Epic Link field, and why it cannot be told when it cannot.

    With `names`, by name. Without, by shape: the one custom field whose values are all
    issue keys. Two such fields cannot be told apart, and are reported."""
    if names:
        found = [key for key, label in names.items() if field_name(label) in EPIC_LINK_NAMES]
        return (found[0] if found else None), ""
    shapes: dict[str, bool] = {}
    for item in raw:
        for key, value in (item.get("fields") or {}).items():
            if not key.startswith("customfield_") or value is None:
                continue
            keyish = isinstance(value, str) and bool(ISSUE_KEY.match(value.strip().upper()))
            shapes[key] = shapes.get(key, True) and keyish
    candidates = sorted(key for key, keyish in shapes.items() if keyish)
    if len(candidates) == 1:
        return candidates[0], ""
    if candidates:
        return None, _s(
            "the JIRA export {name} has no `names` map and {count} custom fields that hold "
            "issue keys ({fields}), so okrsync cannot tell which one is Epic Link and which "
            "issues belong to the epic; {how}").format(
            name=name, count=len(candidates), fields=", ".join(candidates), how=_json_how(_s))
    return None, _s(
        "the JIRA export {name} has no `names` map and no field that links stories to their "
        "epic, so the epic's children cannot all be seen (on JIRA Server they hang on the "
        "Epic Link field); {how}").format(name=name, how=_json_how(_s))


def _is_epic(item: Mapping[str, Any]) -> bool:
    issuetype = (item.get("fields") or {}).get("issuetype")
    if not isinstance(issuetype, Mapping):
        return False
    return (issuetype.get("hierarchyLevel") == 1
            or field_name(str(issuetype.get("name") or "")) in EPIC_TYPES)


def _parented_by_epics(raw: Sequence[Mapping[str, Any]], epics: set[str]) -> bool:
    """Whether issues that are not sub-tasks name an epic (`epics`, or one that says it
    is) as their `parent`: only JIRA Cloud links epics' stories that way (on Server / DC
    only a sub-task has a `parent`, an epic's own sub-tasks included, and stories use the
    Epic Link field)."""
    for item in raw:
        fields = item.get("fields") or {}
        parent, issuetype = fields.get("parent"), fields.get("issuetype")
        if not isinstance(parent, Mapping) or not isinstance(issuetype, Mapping):
            continue
        if issuetype.get("subtask") is not False:
            continue  # a sub-task, or a type that does not say
        if str(parent.get("key") or "").upper() in epics or _is_epic(parent):
            return True
    return False


def _from_json(document: Any, points_field: str | None, name: str) -> Contents:
    pages = _pages(document, name)
    _check_complete(pages, name)
    names: dict[str, str] = {}
    for page in pages:
        if isinstance(page.get("names"), Mapping):
            names.update({str(k): str(v) for k, v in page["names"].items()})
    raw: list[Mapping[str, Any]] = []
    for page in pages:
        for position, item in enumerate(page["issues"], start=len(raw) + 1):
            if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
                raise SourceError(_("issue #{position} in the JIRA export {name} has no key; "
                                    "{how}").format(position=position, name=name,
                                                    how=_json_how(_)))
            if not isinstance(item.get("fields"), Mapping):
                raise SourceError(_("issue {key} in the JIRA export {name} has no fields "
                                    "object; it is not a JIRA search result").format(
                    key=item["key"], name=name))
            raw.append(item)
    epics = {str(item["key"]).upper() for item in raw if _is_epic(item)}
    cloud = _deployment(document)
    if cloud is None:  # saved by hand: told by what only Cloud writes
        cloud = any("nextPageToken" in page or "isLast" in page for page in pages) or any(
            "hierarchyLevel" in ((item.get("fields") or {}).get("issuetype") or {})
            for item in raw) or _parented_by_epics(raw, epics)
    epic_field, epic_problem = (None, "") if cloud else _identify_epic_field(raw, names, name)
    if not cloud and names and epic_field is None:
        epic_problem = _s("the JIRA export {name} has no Epic Link field, so the stories of "
                          "a classic epic cannot be seen; export all fields").format(name=name)
    candidates = dict(names)
    if not names and points_field:
        candidates[points_field] = points_field
    points = points_fields_of(candidates, points_field)
    seen: set[str] = set()
    issues = [issue_from_rest(rest_issue(item), names, points, epic_field, seen) for item in raw]
    manifest = _manifest(document, {issue.id for issue in issues}, name)
    if manifest is None and cloud and len(pages) > 1:
        log.warning(_("the JIRA export {name} was saved by hand from JIRA Cloud in {count} "
                      "pages: Cloud gives no total, so nothing can prove that no page in "
                      "between is missing. okrsync export saves files that can be "
                      "checked").format(name=name, count=len(pages)))
    return Contents(issues, seen, points, epic_field, epic_problem, cloud, epics,
                    has_names=bool(names), manifest=manifest)


def _deployment(document: Any) -> bool | None:
    """Whether a file `okrsync export` wrote came from JIRA Cloud, as its manifest
    records; None for a file saved otherwise."""
    about = document.get("okrsync") if isinstance(document, Mapping) else None
    deployment = about.get("deployment") if isinstance(about, Mapping) else None
    return {"Cloud": True, "Server": False}.get(deployment) if isinstance(
        deployment, str) else None


def _manifest(document: Any, ids: set[str], name: str) -> dict[str, list[str] | str] | None:
    """The links of a file `okrsync export` wrote, each checked whole: an issue the
    manifest names but the file lacks stops the pull (the file is not what was saved)."""
    about = document.get("okrsync") if isinstance(document, Mapping) else None
    if about is None:
        return None
    if not isinstance(about, Mapping) or about.get("format") != 1 or not isinstance(
            about.get("links"), list):
        raise SourceError(_("the okrsync export {name} has a manifest this okrsync cannot "
                            "read; make it again with this version of okrsync; nothing was "
                            "written").format(name=name))
    found: dict[str, list[str] | str] = {}
    for entry in about["links"]:
        link, members = str(entry.get("link")), entry.get("ids")
        if "problem" in entry:
            found[link] = str(entry["problem"])
            continue
        if not isinstance(members, list) or entry.get("count") != len(members):
            raise SourceError(_("the okrsync export {name} does not say which issues {link} "
                                "has; make it again; nothing was written").format(
                name=name, link=link))
        missing = [str(m) for m in members if str(m) not in ids]
        if missing:
            raise SourceError(_("the okrsync export {name} lacks {count} of the {total} "
                                "issues JIRA found for {link} (e.g. id {id}): it is not the "
                                "file okrsync saved; make it again; nothing was "
                                "written").format(name=name, count=len(missing),
                                                  total=len(members), link=link,
                                                  id=missing[0]))
        found[link] = [str(m) for m in members]
    return found


# ---------------------------------------------------------------- CSV (Export issues)

_CSV_MULTI = {"labels": "labels", "component/s": "components", "components": "components",
              "fix version/s": "fix_versions", "fix versions": "fix_versions"}


_CUSTOM_FIELD = re.compile(r"^(?:custom field|사용자\s*정의\s*필드)\s*\((.*)\)$", re.IGNORECASE)

KOREAN_COLUMNS = {
    "이슈 키": "issue key", "이슈 id": "issue id", "요약": "summary", "상태": "status",
    "상태 범주": "status category", "이슈 유형": "issue type", "프로젝트 키": "project key",
    "프로젝트 이름": "project name", "레이블": "labels", "구성 요소": "components",
    "수정 버전": "fix versions", "상위 항목": "parent", "상위 키": "parent key",
    "상위 항목 키": "parent key", "상위 id": "parent id",
}
"""Column names of a CSV exported by JIRA in Korean, as seen in real exports."""


def _csv_text(data: bytes, name: str) -> str:
    """A CSV's text: UTF-8 as JIRA exports it, or as Excel saves it again in Korea
    (UTF-16 with its byte-order mark, or CP949)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp949")
    except UnicodeDecodeError:
        raise SourceError(_("the JIRA CSV export {name} is neither UTF-8, UTF-16 nor CP949 "
                            "text: save it as CSV UTF-8").format(name=name)) from None


def _label(header: str) -> str:
    """`Custom field (Story Points)` → `Story Points`: the field as JIRA names it."""
    name = " ".join(header.split())
    match = _CUSTOM_FIELD.match(name)
    return match[1].strip() if match else name


def _column(header: str) -> str:
    """`Custom field (Story Points)` → `story points`; Korean headers → English ones."""
    name = field_name(_label(header))
    return KOREAN_COLUMNS.get(name, name)


def _from_csv(rows: Iterator[list[str]], points_field: str | None, name: str) -> Contents:
    try:
        header = next(rows)
    except StopIteration:
        raise SourceError(_("the JIRA CSV export {name} is empty").format(name=name)) from None
    columns = [_column(h) for h in header]
    if "issue key" not in columns:
        raise SourceError(_("the JIRA CSV export {name} has no 'Issue key' column: is it "
                            "JIRA's Export issues → CSV (all fields)? okrsync reads its headers "
                            "in English or Korean (Issue key / 이슈 키): set JIRA's language "
                            "to one of them before exporting").format(name=name))
    points = points_fields_of({c: _label(h) for c, h in zip(columns, header, strict=True)},
                              points_field)
    records = []
    ids: dict[str, str] = {}
    for line_no, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise SourceError(_("line {line} of the JIRA CSV export {name} has {cells} cells "
                                "where the header has {columns}: the file is cut or broken; "
                                "export it again. Nothing was written").format(
                line=line_no, name=name, cells=len(row), columns=len(header)))
        single: dict[str, str] = {}
        multi: dict[str, list[str]] = defaultdict(list)
        for column, cell in zip(columns, row, strict=False):
            cell = cell.strip()
            if column in _CSV_MULTI:
                if cell:
                    multi[_CSV_MULTI[column]].append(cell)
            elif cell and column not in single:
                single[column] = cell
        if not single.get("issue key"):
            raise SourceError(_("line {line} of the JIRA CSV export {name} has no issue "
                                "key").format(line=line_no, name=name))
        if single.get("issue id"):
            ids[single["issue id"]] = single["issue key"].upper()
        records.append((single, multi))

    def key_of(value: str | None) -> str | None:
        if not value:
            return None
        return ids.get(value, value).upper() if value.isdigit() else value.upper()

    issues = []
    epics = set()
    for single, multi in records:
        numbers = {column: n for column, value in single.items()
                   if (n := as_number(value)) is not None}
        unreadable = {column for column in single if column not in numbers}
        unreadable |= {UNREADABLE_POINTS + shown for column, shown in points.items()
                       if column in unreadable}
        parent_id = single.get("parent id") or (
            single["parent"] if single.get("parent", "").isdigit() else None)
        issue = Issue(
            key=single["issue key"].upper(),
            id=single.get("issue id", ""),
            status_category=category_key(single.get("status category")) or "",
            status=single.get("status", ""),
            summary=single.get("summary", ""),
            project=single.get("project key", ""),
            project_name=single.get("project name", ""),
            issuetype=single.get("issue type", ""),
            parent=key_of(single.get("parent key") or single.get("parent") or parent_id),
            parent_id=parent_id,
            epic=key_of(single.get("epic link")),
            labels=tuple(multi["labels"]),
            components=tuple(multi["components"]),
            fix_versions=tuple(multi["fix_versions"]),
            points={shown: n for column, shown in points.items()
                    if (n := as_number(single.get(column))) is not None},
            numbers=numbers,
            unreadable=interned(unreadable),
        )
        issues.append(issue)
        if field_name(issue.issuetype) in EPIC_TYPES:
            epics.add(issue.key)
    has_parent = bool({"parent", "parent id", "parent key"} & set(columns))
    epic_field = "epic link" if "epic link" in columns else None
    problem = "" if epic_field else _s(
        "the JIRA CSV export {name} has no Epic Link column, so the stories of a classic epic "
        "cannot be seen; export all fields").format(name=name)
    if not has_parent and not epic_field:
        problem = _s("the JIRA CSV export {name} has no Parent or Epic Link column, so no "
                     "issue's children can be seen; export all fields").format(name=name)
    # A Cloud CSV names every child's parent (epics' stories included) in Parent.
    cloud = has_parent and epic_field is None and any(
        issue.parent in epics for issue in issues)
    return Contents(issues, set(columns), points, epic_field, problem, cloud, epics,
                    csv=True)

