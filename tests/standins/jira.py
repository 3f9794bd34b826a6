"""A local stand-in for JIRA's REST API, playing Cloud or Server / Data Center.

It answers in the shapes the real service does, not the ones okrsync happens to read.
Checked against Atlassian's OpenAPI description (tests/reference/, cut by its refresh.py)
and against responses captured from real sites:

- Issues are IssueBeans: `expand`, `id` (a string), `self`
  (`{base}/rest/api/{2|3}/issue/{id}`), `key`, `fields`. Fields carry JIRA's full
  objects: `status` (StatusDetails with its StatusCategory: new = 2 "blue-gray" "To Do",
  indeterminate = 4 "yellow" "In Progress", done = 3 "green" "Done"), `issuetype`
  (IssueTypeDetails; `hierarchyLevel` and `entityId` on Cloud only), `project`
  (ProjectDetails; `simplified` on Cloud only), `priority`, `parent` (`{id, key, self,
  fields: {summary, status, priority, issuetype}}`, only on issues that have one),
  `subtasks`, and every other field of the issue, null when it has no value.
- Field selection as JIRA does it: `*all`, `*navigable`, ids, `-id` exclusions; a field
  the issue does not have comes back null, except `parent`, which is left out; `id`,
  `key` and `issuekey` are not fields. Without `fields`, Cloud's `/search/jql` answers
  `id`, `key` and `self` only; Server's `/search` answers `*navigable`.
- `expand=names` / `expand=schema` add the `names` / `schema` maps of the returned
  fields; never without it. On Cloud's POST `/search/jql`, `expand` is a comma-separated
  string; on Server's POST `/search` it is a list (SearchAndReconcileRequestBean vs
  SearchRequestBean).
- Cloud (REST v3): `GET|POST /rest/api/3/search/jql` pages with `nextPageToken` and
  `isLast`, never a `total`; page size is capped at 5,000 when only ids/keys are asked
  and at 100 otherwise; an unbounded JQL is a 400; `POST /search/approximate-count`
  answers `{"count"}`; `POST /jql/parse` validates; `POST /jql/match` checks issue ids
  against JQL queries; the removed `/search` answers 410.
- Server / DC (REST v2): `GET|POST /rest/api/2/search` with `expand`, `startAt`,
  `maxResults` (capped at 1,000) and `total`; classic epics are linked by the Epic Link
  field, sub-tasks by `parent`.
- Both: `serverInfo` (with `deploymentType`), `field` (FieldDetails), `filter/{id}`,
  `issue/{idOrKey}`; errors as `{"errorMessages": [...], "errors": {}}`; request bodies
  with unknown properties, a list where the bean has a single value (or the other way
  round), or a missing required property are rejected; Basic auth (Cloud: e-mail + API
  token) or Bearer (DC: personal access token).
JQL is evaluated by tests/standins/jql.py, written from Atlassian's documentation and
sharing no code with okrsync's own JQL reading (`!=`, NOT IN and NOT never match an empty
field; values compare without case; moved keys resolve; `updated` / `created` against
relative and absolute dates; `filter = ID`); a clause on an unknown field, or naming a
value the site does not have (an issue that does not exist or cannot be seen), is
rejected in JIRA's words, one message each; what it does not evaluate raises
NotImplementedError. Subclasses add fields through `_jql_values`.

A real site changes under okrsync, and so does this one (each as JIRA does it, with
or without touching `updated`):
- `move(key, project)`: the issue gets a new key; the old one keeps resolving (in JQL,
  `GET /issue/OLD`), its children name the new key, and only the moved issue's
  `updated` moves;
- `recategorize(status, category)`: an administrator moves a status into another
  category (`GET /status` shows it); no issue is edited;
- `filters[id] = jql`: the owner edits a saved filter (`GET /filter/{id}`,
  `GET /filter/search?id=…&expand=jql` on Cloud);
- `rename(project, kind, old, new)`: a component or version is renamed
  (`GET /project/{key}/components|versions`); no issue is edited;
- `deny(project)` / `grant(project)`: the account loses or gains the right to browse a
  project (`GET /project/search` on Cloud, `GET /project` on Server): its issues vanish
  from (or appear in) every answer;
- `now` / `advance()`: the site's clock, in its own time zone (`zone`), given in
  `serverInfo.serverTime`; `updated` stamps and relative dates are on it.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from .base import Fault, HttpError, StandIn
from .jql import JqlRefused, evaluate

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
OPENAPI = json.loads((REFERENCE / "jira-cloud-platform.openapi.json").read_text(encoding="utf-8"))
SCHEMAS = OPENAPI["components"]["schemas"]

REMOVED = ("The requested API has been removed. Please migrate to the /rest/api/3/search/jql "
           "API. A full migration guideline is available at "
           "https://developer.atlassian.com/changelog/#CHANGE-2046")

MATCH_MAX_ISSUE_IDS = 1000
MATCH_MAX_JQLS = 1000
"""`POST /jql/match` answers 400 when `issueIds` or `jqls` exceed JIRA's maximums. The
OpenAPI description says so but gives no numbers (nor does any public page found), so
these two are the stand-in's assumption; tests may change them on an instance."""

ISSUE_EXPAND = "operations,versionedRepresentations,editmeta,changelog,renderedFields"
"""Each IssueBean's `expand`: the expansions it offers (as real answers list them)."""

NOT_FIELDS = frozenset({"id", "key", "issuekey"})
"""Asked for in `fields` but answered at the top level of the IssueBean, never in it."""

CREATED = "2024-08-01T09:00:00.000+0000"

CATEGORIES: dict[str, dict[str, Any]] = {
    "undefined": {"id": 1, "key": "undefined", "colorName": "medium-gray",
                  "name": "No Category"},
    "new": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
    "indeterminate": {"id": 4, "key": "indeterminate", "colorName": "yellow",
                      "name": "In Progress"},
}
"""JIRA's fixed status categories (`GET /statuscategory` on any site)."""

DEFAULT_STATUSES: dict[str, tuple[str, str, str, str]] = {
    # category: (id, name, description, icon path)
    "new": ("10000", "To Do", "", "/"),
    "indeterminate": ("3", "In Progress", "This issue is being actively worked on at the "
                      "moment by the assignee.", "/images/icons/statuses/inprogress.png"),
    "done": ("10001", "Done", "", "/"),
    "undefined": ("10002", "Undefined", "", "/images/icons/statuses/generic.png"),
}

ISSUE_TYPES: dict[str, tuple[str, int, int, str, str]] = {
    # name: (id, avatarId, hierarchyLevel, Cloud description, Server description)
    "Epic": ("10000", 10307, 1, "Epics track collections of related bugs, stories, and tasks.",
             "Created by Jira Software - do not edit or delete. Issue type for a big user "
             "story that needs to be broken down."),
    "Story": ("10001", 10315, 0, "Stories track functionality or features expressed as user "
              "goals.", "Created by Jira Software - do not edit or delete. Issue type for a "
              "user story."),
    "Task": ("10002", 10318, 0, "Tasks track small, distinct pieces of work.",
             "A task that needs to be done."),
    "Sub-task": ("10003", 10316, -1, "Subtasks track small pieces of work that are part of a "
                 "larger task.", "The sub-task of the issue"),
    "Bug": ("10004", 10303, 0, "Bugs track problems or errors.",
            "A problem which impairs or prevents the functions of the product."),
}
SUBTASK_TYPES = frozenset({"Sub-task", "Subtask"})


def _field(field_id: str, name: str, *, cloud: bool, custom: bool = False,
           orderable: bool = True, navigable: bool = True, searchable: bool = True,
           clauses: Iterable[str] | None = None, schema: dict[str, Any] | None = None
           ) -> dict[str, Any]:
    """One FieldDetails entry of `GET /field` (Cloud entries also carry `key`)."""
    entry: dict[str, Any] = {"id": field_id}
    if cloud:
        entry["key"] = field_id
    entry |= {"name": name, "custom": custom, "orderable": orderable, "navigable": navigable,
              "searchable": searchable, "clauseNames": list(clauses or [field_id])}
    if schema is not None:
        entry["schema"] = schema
    return entry


def _system_fields(cloud: bool) -> list[dict[str, Any]]:
    def system(kind: str, field_id: str, **more: Any) -> dict[str, Any]:
        return {"type": kind, **more, "system": field_id}

    rows: list[dict[str, Any]] = [
        _field("summary", "Summary", cloud=cloud, schema=system("string", "summary")),
        _field("status", "Status", cloud=cloud, orderable=False,
               schema=system("status", "status")),
        _field("parent", "Parent", cloud=cloud, orderable=False, searchable=False),
        _field("labels", "Labels", cloud=cloud, clauses=["labels"],
               schema=system("array", "labels", items="string")),
        _field("project", "Project", cloud=cloud, orderable=False,
               schema=system("project", "project")),
        _field("issuetype", "Issue Type", cloud=cloud, clauses=["issuetype", "type"],
               schema=system("issuetype", "issuetype")),
        _field("issuekey", "Key", cloud=cloud, orderable=False, searchable=False,
               clauses=["id", "issue", "issuekey", "key"]),
        _field("priority", "Priority", cloud=cloud, schema=system("priority", "priority")),
        _field("components", "Components" if cloud else "Component/s", cloud=cloud,
               clauses=["component"], schema=system("array", "components", items="component")),
        _field("fixVersions", "Fix versions" if cloud else "Fix Version/s", cloud=cloud,
               clauses=["fixVersion"], schema=system("array", "fixVersions", items="version")),
        _field("assignee", "Assignee", cloud=cloud, schema=system("user", "assignee")),
        _field("resolution", "Resolution", cloud=cloud,
               schema=system("resolution", "resolution")),
        _field("resolutiondate", "Resolved", cloud=cloud, orderable=False,
               clauses=["resolutiondate", "resolved"],
               schema=system("datetime", "resolutiondate")),
        _field("created", "Created", cloud=cloud, orderable=False,
               clauses=["created", "createdDate"], schema=system("datetime", "created")),
        _field("updated", "Updated", cloud=cloud, orderable=False,
               clauses=["updated", "updatedDate"], schema=system("datetime", "updated")),
        _field("description", "Description", cloud=cloud,
               schema=system("string", "description")),
        _field("subtasks", "Sub-tasks" if cloud else "Sub-Tasks", cloud=cloud,
               orderable=False, searchable=False, clauses=["subtasks"],
               schema=system("array", "subtasks", items="issuelinks")),
    ]
    if cloud:
        rows.append(_field("statuscategorychangedate", "Status Category Changed",
                           cloud=cloud, orderable=False,
                           schema=system("datetime", "statuscategorychangedate")))
    return rows


def _custom(number: int, name: str, kind: str, plugin: str, *, cloud: bool
            ) -> dict[str, Any]:
    return _field(f"customfield_{number}", name, cloud=cloud, custom=True,
                  clauses=[f"cf[{number}]", name],
                  schema={"type": kind, "custom": plugin, "customId": number})


FLOAT = "com.atlassian.jira.plugin.system.customfieldtypes:float"
CLOUD_FIELDS = _system_fields(True) + [
    _custom(10016, "Story point estimate", "number",
            "com.pyxis.greenhopper.jira:jsw-story-points", cloud=True),
    _custom(10050, "Revenue", "number", FLOAT, cloud=True),
]
SERVER_FIELDS = _system_fields(False) + [
    _custom(10002, "Story Points", "number", FLOAT, cloud=False),
    _custom(10014, "Epic Link", "any", "com.pyxis.greenhopper.jira:gh-epic-link", cloud=False),
    _custom(10050, "Revenue", "number", FLOAT, cloud=False),
]
EPIC_LINK = "customfield_10014"
"""Server / DC only: the classic Epic Link field (Cloud links epics by `parent`)."""

def _issue_search(path: str) -> bool:
    return bool(re.search(r"/rest/api/[23]/search(/jql|/approximate-count)?$", path))


def _parse_stamp(stamp: str) -> datetime:
    """`2024-08-01T09:00:00.000+0900`, as JIRA writes dates."""
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z")


def errors(*messages: str, status: int = 400) -> HttpError:
    return HttpError(status, {"errorMessages": list(messages), "errors": {}})


def check_body(body: Any, schema_name: str) -> None:
    """Reject what JIRA's JSON parser rejects for this request bean: properties the
    OpenAPI schema does not have, a list where it has one value (or one value where it
    has a list), and a missing required property."""
    if not isinstance(body, dict):
        raise errors("Invalid request payload. Refer to the REST API documentation and try "
                     "again.")
    schema = SCHEMAS[schema_name]
    properties = schema.get("properties", {})
    for key, value in body.items():
        if key not in properties:
            raise errors(f'Unrecognized field "{key}" (class {schema_name}), not marked as '
                         "ignorable")
        kind = properties[key].get("type")
        if value is None or kind is None:
            continue
        if kind == "array" and not isinstance(value, list):
            raise errors(f'Can not deserialize instance of java.util.List out of '
                         f'{"START_OBJECT" if isinstance(value, dict) else "VALUE_STRING"} '
                         f'token (through reference chain: {schema_name}["{key}"])')
        if kind != "array" and kind != "object" and isinstance(value, list | dict):
            raise errors(f"Can not deserialize instance of {kind} out of "
                         f'{"START_ARRAY" if isinstance(value, list) else "START_OBJECT"} '
                         f'token (through reference chain: {schema_name}["{key}"])')
    for key in schema.get("required", ()):
        if body.get(key) is None:
            raise errors(f"The '{key}' property is required.")


def _split(values: Any) -> list[str]:
    """`fields` / `expand` as JIRA reads them: a list, comma-separated strings, or both."""
    if values is None:
        return []
    items = [values] if isinstance(values, str) else list(values)
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


class _Selection:
    """Which fields of each issue an answer carries (`fields=`), as JIRA picks them."""

    def __init__(self, asked: list[str], default: str) -> None:
        includes = [f for f in asked if not f.startswith("-")]
        self.excluded = {f[1:] for f in asked if f.startswith("-")}
        if not includes:
            includes = ["*navigable"] if self.excluded else [default]
        self.every = "*all" in includes or "*navigable" in includes
        self.explicit = list(dict.fromkeys(
            f for f in includes if not f.startswith("*") and f not in NOT_FIELDS))

    @property
    def ids_only(self) -> bool:
        """Nothing but ids and keys asked: JIRA answers no fields (and bigger pages)."""
        return not self.every and not self.explicit


class JiraStandIn(StandIn):
    """`JiraStandIn(cloud=True)` or `JiraStandIn(cloud=False)` (Server / DC)."""

    def __init__(self, *, cloud: bool = True, email: str = "pm@acme.example",
                 token: str = "s3cr3t-T0KEN-4f9a", cache: bool = False) -> None:
        super().__init__()
        # Shut down in a twentieth of a second, not serve_forever's default half: every
        # JIRA test starts and stops a stand-in.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.cache = cache
        """Answer each JQL once (for benchmarks, whose issues do not change)."""
        self._answers: dict[str, list[dict[str, Any]]] = {}
        self._keys: set[str] = set()
        self._indexed_ready = False
        self._by_parent: dict[str, list[dict[str, Any]]] = {}
        self._by_epic: dict[str, list[dict[str, Any]]] = {}
        self._by_label: dict[str, list[dict[str, Any]]] = {}
        self.cloud = cloud
        self.version = "3" if cloud else "2"
        self.email, self.token = email, token
        self.xsrf = f"B{secrets.token_hex(8).upper()}_{secrets.token_hex(20)}_lin"
        """The value of the `atlassian.xsrf.token` cookie JIRA sets on its answers."""
        self.issues: list[dict[str, Any]] = []
        """The issues as JIRA holds them: `{"id", "key", "fields"}` with full shapes."""
        self.filters: dict[int, str] = {}
        self.fields = [dict(f) for f in (CLOUD_FIELDS if cloud else SERVER_FIELDS)]
        self._field_ids = {f["id"] for f in self.fields}
        self.match_max_issue_ids = MATCH_MAX_ISSUE_IDS
        self.match_max_jqls = MATCH_MAX_JQLS
        self._by_key: dict[str, dict[str, Any]] = {}
        self._by_id: dict[str, dict[str, Any]] = {}
        self._deleted: set[str] = set()
        self._subtasks: dict[str, list[dict[str, Any]]] = {}
        self._projects: dict[str, str] = {}
        self.project_names: dict[str, str] = {}
        """Projects named other than by their key (`name_project`)."""
        self._issue_types: dict[str, tuple[str, int, int, str, str]] = dict(ISSUE_TYPES)
        self._statuses: dict[str, tuple[str, str]] = {
            name: (status_id, category)
            for category, (status_id, name, _, _) in DEFAULT_STATUSES.items()}
        self._status_views: dict[str, dict[str, Any]] = {}
        self.now = datetime.fromisoformat(CREATED.replace("+0000", "+00:00"))
        """The site's clock: `updated` of what add() and change() touch, and what a
        relative date (`updated >= "-95m"`) counts back from. `advance()` moves it."""
        self.zone: tzinfo = UTC
        """The site's time zone: how `serverTime` and `updated` are written."""
        self.hidden: set[str] = set()
        """Projects the account may not browse: their issues are in no answer."""
        self._moved: dict[str, str] = {}
        """A key an issue had before it moved → its id."""
        self._numbers: dict[str, int] = {}
        """The highest issue number used in each project (a moved issue gets the next)."""
        self._named: dict[tuple[str, str], dict[str, str]] = {}
        """(project, component | version) → id → name."""

    # -- set-up

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)

    def _stamp(self) -> str:
        return self.now.astimezone(self.zone).strftime("%Y-%m-%dT%H:%M:%S.000%z")

    def move(self, key: str, project: str) -> str:
        """Move an issue to another project, as JIRA does: a new key (the old one keeps
        resolving), the same id; its own `updated` moves, its children's do not (they
        name the new key all the same). Returns the new key."""
        raw = self._by_key.pop(key.upper())
        old = raw["key"]
        number = self._numbers.get(project, 0) + 1
        self._numbers[project] = number
        raw["key"] = f"{project}-{number}"
        self._by_key[raw["key"].upper()] = raw
        self._moved[old.upper()] = raw["id"]
        raw["fields"]["project"] = self._project(project)
        if old.upper() in self._subtasks:
            self._subtasks[raw["key"].upper()] = self._subtasks.pop(old.upper())
        raw["fields"]["updated"] = self._stamp()
        self.forget()
        return str(raw["key"])

    def recategorize(self, status: str, category: str) -> None:
        """An administrator moves a status into another category. No issue is edited."""
        status_id, _ = self._statuses[status]
        self._statuses[status] = (status_id, category)
        self.forget()

    def deny(self, project: str) -> None:
        """The account may no longer browse `project`."""
        self.hidden.add(project)
        self.forget()

    def grant(self, project: str) -> None:
        """The account may browse `project` (again)."""
        self.hidden.discard(project)
        self.forget()

    def rename(self, project: str, kind: str, old: str, new: str) -> None:
        """A project administrator renames a component or version (`kind`)."""
        named = self._named[(project, kind)]
        number = next(n for n, name in named.items() if name == old)
        named[number] = new
        self.forget()

    def _named_values(self, project: str, kind: str, names: Iterable[str]
                      ) -> list[dict[str, Any]]:
        """Components or versions of `project` by name, made on first use."""
        named = self._named.setdefault((project, kind), {})
        found = []
        for name in names:
            number = next((n for n, known in named.items() if known == name), None)
            if number is None:
                number = str(10000 + sum(len(v) for v in self._named.values()))
                named[number] = name
            found.append({"self": f"{self._api}/{kind}/{number}", "id": number,
                          "name": name})
        return found

    def _find(self, ident: str) -> dict[str, Any] | None:
        """An issue by id, key or a key it had before it moved; None when it does not
        exist or cannot be seen."""
        text = ident.strip().upper()
        raw = self._by_id.get(text) or self._by_key.get(text)
        if raw is None and text in self._moved:
            raw = self._by_id.get(self._moved[text])
        return raw if raw is not None and self._visible(raw) else None

    def _visible(self, raw: dict[str, Any]) -> bool:
        return raw["fields"]["project"]["key"] not in self.hidden

    def change(self, key: str, *, category: str | None = None, points: float | None = None,
               epic: str | None = None, labels: tuple[str, ...] | None = None,
               status_name: str | None = None,
               components: tuple[str, ...] | None = None) -> None:
        """Edit an issue as a person would in JIRA; its `updated` becomes now."""
        raw = self._find(key) or self._by_key[key.upper()]
        fields = raw["fields"]
        if status_name is not None:
            fields["status"] = self._status(self._statuses[status_name][1], status_name)
            category = None
        if components is not None:
            fields["components"] = self._named_values(fields["project"]["key"], "component",
                                                      components)
        if category is not None:
            fields["status"] = self._status(category, None)
            fields["resolution"] = self._resolution() if category == "done" else None
        if points is not None:  # a number field holds a double: JIRA sends 5.0, not 5
            fields["customfield_10016" if self.cloud else "customfield_10002"] = float(points)
        if epic is not None:
            if self.cloud:
                fields["parent"] = self._link(epic)
            else:
                fields[EPIC_LINK] = epic
        if labels is not None:
            fields["labels"] = list(labels)
        fields["updated"] = self._stamp()
        self.forget()

    def delete(self, key: str) -> None:
        raw = self._by_key.pop(key.upper())
        self._by_id.pop(raw["id"], None)
        self._deleted.add(raw["id"])
        self.issues.remove(raw)
        self.forget()

    def add(self, key: str, category: str, *, parent: str | None = None,
            labels: tuple[str, ...] = (), points: float | None = None,
            issuetype: str | None = None, status_name: str | None = None,
            epic: str | None = None, subtask_of: str | None = None,
            components: tuple[str, ...] = (), fix_versions: tuple[str, ...] = (),
            **extra: Any) -> None:
        """An issue in status category `category` (new, indeterminate, done).

        `epic` names the issue's epic: its `parent` on Cloud, its Epic Link field on
        Server / DC. `parent` means the same (as it always has for callers): on Cloud
        the parent, whatever its type; on Server / DC the epic. `subtask_of` makes a
        sub-task of that issue, linked by `parent` on both. `issuetype` defaults to Story
        (Sub-task for a sub-task); `status_name` to the category's default status.
        `extra` sets fields as they are stored (`customfield_10050=100`).
        """
        if category not in CATEGORIES:
            raise ValueError(f"unknown status category {category!r}")
        linked = [k for k in (parent, epic, subtask_of) if k]
        if len(linked) > 1:
            raise ValueError("an issue has one parent: give parent, epic or subtask_of")
        type_name = issuetype or ("Sub-task" if subtask_of else "Story")
        issue_id = str(10000 + len(self._by_id) + len(self._deleted))
        project = key.split("-")[0]
        number = key.rsplit("-", 1)[-1]
        if number.isdigit():
            self._numbers[project] = max(self._numbers.get(project, 0), int(number))
        fields: dict[str, Any] = {
            "summary": f"{key} work",
            "issuetype": self._issue_type(type_name, subtask=bool(subtask_of)),
            "project": self._project(project),
            "status": self._status(category, status_name),
            "priority": self._priority(),
            "labels": list(labels),
            "components": self._named_values(project, "component", components),
            "fixVersions": self._named_values(project, "version", fix_versions),
            "assignee": None,
            "resolution": self._resolution() if category == "done" else None,
            "resolutiondate": CREATED if category == "done" else None,
            "created": self._stamp(),
            "updated": self._stamp(),
            "description": None,
            "subtasks": [],
        }
        if self.cloud:
            fields["statuscategorychangedate"] = CREATED
        for item in self.fields:
            if item["custom"]:
                fields[item["id"]] = None
        fields |= extra
        for field_id, value in extra.items():
            self._declare(field_id, value)
        points_field = "customfield_10016" if self.cloud else "customfield_10002"
        if points is not None:  # a number field holds a double: JIRA sends 5.0, not 5
            fields[points_field] = float(points)
        parent_key = subtask_of or (parent or epic if self.cloud else None)
        if parent_key:
            fields["parent"] = self._link(parent_key)
        elif parent or epic:
            fields[EPIC_LINK] = parent or epic
        raw = {"id": issue_id, "key": key, "fields": fields}
        self.issues.append(raw)
        self._by_key[key.upper()] = raw
        self._by_id[issue_id] = raw
        if subtask_of:
            self._subtasks.setdefault(subtask_of.upper(), []).append(raw)

    def _declare(self, field_id: str, value: Any) -> None:
        """A custom field given to add() that the site lacks: it has it from now on."""
        if not field_id.startswith("customfield_") or any(
                f["id"] == field_id for f in self.fields):
            return
        number = int(field_id.removeprefix("customfield_"))
        kind = "number" if isinstance(value, int | float) else "string"
        plugin = FLOAT if kind == "number" else (
            "com.atlassian.jira.plugin.system.customfieldtypes:textfield")
        self.fields.append(_custom(number, f"Custom field {number}", kind, plugin,
                                   cloud=self.cloud))
        self._field_ids.add(field_id)

    @property
    def _api(self) -> str:
        return f"{self.url}/rest/api/{self.version}"

    def _status(self, category: str, name: str | None) -> dict[str, Any]:
        """A fresh StatusDetails (each issue owns its own: tests move work in place)."""
        status_id, default_name, description, icon = DEFAULT_STATUSES[category]
        if name and name != default_name:
            known = self._statuses.get(name)
            if known and known[1] != category:
                raise ValueError(f"status {name!r} is in category {known[1]!r}")
            if not known:
                known = (str(10100 + len(self._statuses)), category)
                self._statuses[name] = known
            status_id, description, icon = known[0], "", "/images/icons/statuses/generic.png"
        return {"self": f"{self._api}/status/{status_id}", "description": description,
                "iconUrl": f"{self.url}{icon}", "name": name or default_name, "id": status_id,
                "statusCategory": self._category(category)}

    def _category(self, category: str) -> dict[str, Any]:
        found = CATEGORIES[category]
        return {"self": f"{self._api}/statuscategory/{found['id']}", **found}

    def _issue_type(self, name: str, *, subtask: bool) -> dict[str, Any]:
        if name not in self._issue_types:
            level = -1 if subtask or name in SUBTASK_TYPES else 0
            self._issue_types[name] = (str(10100 + len(self._issue_types)), 10300, level,
                                       "", "")
        type_id, avatar, level, cloud_text, server_text = self._issue_types[name]
        subtask = subtask or level == -1
        if subtask and level != -1:
            raise ValueError(f"issue type {name!r} is not a sub-task type")
        if self.cloud:
            icon = (f"{self.url}/rest/api/2/universal_avatar/view/type/issuetype/avatar/"
                    f"{avatar}?size=medium")
        else:
            icon = (f"{self.url}/secure/viewavatar?size=xsmall&avatarId={avatar}"
                    "&avatarType=issuetype")
        shape: dict[str, Any] = {
            "self": f"{self._api}/issuetype/{type_id}", "id": type_id,
            "description": cloud_text if self.cloud else server_text, "iconUrl": icon,
            "name": name, "subtask": subtask, "avatarId": avatar}
        if self.cloud:
            shape["entityId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.url}#{name}"))
            shape["hierarchyLevel"] = level
        return shape

    def name_project(self, key: str, name: str) -> None:
        """Call project `key` `name` (projects are named by their keys otherwise): JQL
        may then name it either way, as JIRA lets it."""
        self.project_names[key] = name

    def _project(self, key: str) -> dict[str, Any]:
        project_id = self._projects.setdefault(key, str(10000 + len(self._projects)))
        if self.cloud:
            avatar = f"{self._api}/universal_avatar/view/type/project/avatar/10400"
            sizes = {"48x48": avatar, "24x24": f"{avatar}?size=small",
                     "16x16": f"{avatar}?size=xsmall", "32x32": f"{avatar}?size=medium"}
        else:
            avatar = f"{self.url}/secure/projectavatar?pid={project_id}&avatarId=10324"
            sizes = {"48x48": avatar, "24x24": f"{avatar}&size=small",
                     "16x16": f"{avatar}&size=xsmall", "32x32": f"{avatar}&size=medium"}
        shape: dict[str, Any] = {"self": f"{self._api}/project/{project_id}", "id": project_id,
                                 "key": key, "name": self.project_names.get(key, key),
                                 "projectTypeKey": "software"}
        if self.cloud:
            shape["simplified"] = True
        shape["avatarUrls"] = sizes
        return shape

    def _priority(self) -> dict[str, Any]:
        return {"self": f"{self._api}/priority/3",
                "iconUrl": f"{self.url}/images/icons/priorities/medium.svg",
                "name": "Medium", "id": "3"}

    def _resolution(self) -> dict[str, Any]:
        return {"self": f"{self._api}/resolution/10000", "id": "10000",
                "description": "Work has been completed on this issue.", "name": "Done"}

    def _link(self, key: str) -> dict[str, Any]:
        """How an issue names another (`parent`, `subtasks`): id, key, self, four fields."""
        target = self._by_key.get(key.upper())
        if target is None and key.upper() in self._moved:
            target = self._by_id.get(self._moved[key.upper()])
        if target is None:  # not (yet) added: the key is all there is
            return {"key": key}
        fields = target["fields"]
        return {"id": target["id"], "key": target["key"],
                "self": f"{self._api}/issue/{target['id']}",
                "fields": {"summary": fields.get("summary"),
                           "status": self._status_view(fields.get("status")),
                           "priority": fields.get("priority"),
                           "issuetype": fields.get("issuetype")}}

    def _status_view(self, status: Any) -> Any:
        """The status as JIRA would show it now: a test that moved an issue by setting
        `statusCategory.key` in place gets that category's default status; a status an
        administrator moved into another category shows that category."""
        if not isinstance(status, dict):
            return status
        category = status.get("statusCategory") or {}
        key = category.get("key")
        if key in CATEGORIES and category.get("id") != CATEGORIES[key]["id"]:
            if key not in self._status_views:
                self._status_views[key] = self._status(key, None)
            return self._status_views[key]
        known = self._statuses.get(status.get("name") or "")
        if known and known[0] == status.get("id") and known[1] != key:
            return self._status(known[1], status["name"])
        return status

    def forget(self) -> None:
        """Drop cached answers after changing issues (cache mode)."""
        self._answers.clear()
        self._indexed_ready = False
        self._by_parent.clear()
        self._by_epic.clear()
        self._by_label.clear()

    def searches(self) -> int:
        """Issue searches asked (not project or filter searches)."""
        return sum(1 for r in self.requests if _issue_search(r.path))

    def matches_path(self, match: str, path: str) -> bool:
        """`Fault(match="search")` and `before("search", …)` select JIRA's issue searches
        (`/search`, `/search/jql`, `/search/approximate-count`), not `project/search` or
        `filter/search`."""
        if match in ("search", "/search"):
            return _issue_search(path)
        return super().matches_path(match, path)

    def fault_body(self, fault: Fault) -> Any:
        if fault.body is not None:
            return fault.body
        return {"errorMessages": [f"HTTP {fault.status}"], "errors": {}}

    # -- serving

    def _authenticate(self, headers: dict[str, str]) -> None:
        auth = headers.get("Authorization") or headers.get("authorization") or ""
        if self.cloud:
            expected = "Basic " + base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
        else:
            expected = f"Bearer {self.token}"
        if auth != expected:
            raise errors("You are not authenticated. Authentication required to perform this "
                         "operation.", status=401)

    def answer_headers(self, path: str) -> dict[str, str]:
        # Cloud marks it Secure (it is served over HTTPS only); a plain-HTTP server cannot.
        return {"Set-Cookie": f"atlassian.xsrf.token={self.xsrf}; Path=/"}

    def route(self, method: str, path: str, params: dict[str, list[str]],
              headers: dict[str, str], body: Any) -> Any:
        self._authenticate(headers)
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        if method == "POST" and not content_type.startswith("application/json"):
            raise errors("Unsupported Media Type", status=415)
        match = re.fullmatch(r"/rest/api/(2|3)/(.+)", path)
        if not match:
            raise errors("Not found", status=404)
        version, rest = match[1], match[2]
        if version == "3" and not self.cloud:
            raise errors("Not found", status=404)
        if rest == "serverInfo":
            return self._server_info()
        if rest == "field":
            return self.fields
        if rest == "status" and method == "GET":
            return self._status_list()
        if rest == "filter/search" and method == "GET" and self.cloud:
            return self._filter_search(params)
        if rest.startswith("filter/"):
            return self._filter(rest.removeprefix("filter/"))
        if rest == "project/search" and method == "GET" and self.cloud:
            return self._project_search(params)
        if rest == "project" and method == "GET":
            return [self._project(key) for key in sorted(self._projects)
                    if key not in self.hidden]
        if (named := re.fullmatch(r"project/([^/]+)/(components|versions)", rest)) \
                and method == "GET":
            return self._project_named(named[1], named[2])
        if rest.startswith("issue/") and method == "GET":
            return self._get_issue(rest.removeprefix("issue/"), version, params)
        if self.cloud:
            if rest == "search":
                raise errors(REMOVED, status=410)
            if rest == "search/jql":
                return self._search_jql(method, params, body, version)
            if rest == "search/approximate-count" and method == "POST":
                check_body(body, "JQLCountRequestBean")
                return {"count": len(self._matching(body.get("jql") or "", bounded=True))}
            if rest == "jql/parse" and method == "POST":
                return self._parse(body)
            if rest == "jql/match" and method == "POST":
                return self._match(body)
        elif rest == "search":
            return self._search_server(method, params, body, version)
        raise errors("Not found", status=404)

    def _server_info(self) -> dict[str, Any]:
        """ServerInformation; `serverTime` is the site's clock in its own zone (Cloud
        writes it with a numeric offset, as in Atlassian's example answer)."""
        time = self._stamp()
        if self.cloud:
            return {"baseUrl": self.url, "displayUrl": self.url, "version": "1001.0.0-SNAPSHOT",
                    "versionNumbers": [1001, 0, 0], "deploymentType": "Cloud",
                    "buildNumber": 100296, "serverTime": time, "serverTitle": "Jira"}
        return {"baseUrl": self.url, "version": "9.12.2", "versionNumbers": [9, 12, 2],
                "deploymentType": "Server", "buildNumber": 9120002, "serverTime": time,
                "serverTitle": "JIRA"}

    def _status_list(self) -> list[dict[str, Any]]:
        """GET /status: every status with its category (StatusDetails)."""
        return [self._status(category, name)
                for name, (_, category) in sorted(self._statuses.items(),
                                                  key=lambda item: int(item[1][0]))]

    def _filter_search(self, params: dict[str, list[str]]) -> dict[str, Any]:
        """GET /filter/search (Cloud): the filters with the given ids this account can
        see; `jql` only when `expand` asks for it (PageBeanFilterDetails)."""
        ids = [int(v) for value in params.get("id", []) for v in value.split(",")
               if v.strip().isdigit()]
        if len(ids) > 200:
            raise errors("The number of filter IDs exceeds the maximum of 200.")
        expand = _split(params.get("expand"))
        values = []
        for number in sorted(set(ids)):
            if number in self.filters:
                entry: dict[str, Any] = {
                    "expand": "description,owner,jql,searchUrl,viewUrl,favourite,"
                              "favouritedCount,sharePermissions,editPermissions,isWritable,"
                              "approximateLastUsed,subscriptions",
                    "id": str(number), "name": f"Filter {number}",
                    "self": f"{self._api}/filter/{number}"}
                if "jql" in expand:
                    entry["jql"] = self.filters[number]
                values.append(entry)
        start = int((params.get("startAt") or ["0"])[0])
        size = int((params.get("maxResults") or ["50"])[0])
        page = values[start:start + size]
        return {"isLast": start + size >= len(values), "maxResults": size,
                "self": f"{self._api}/filter/search", "startAt": start,
                "total": len(values), "values": page}

    def _project_search(self, params: dict[str, list[str]]) -> dict[str, Any]:
        """GET /project/search (Cloud): the projects this account can browse, paged
        (PageBeanProject; at most 100 a page)."""
        visible = [self._project(key) for key in sorted(self._projects)
                   if key not in self.hidden]
        start = int((params.get("startAt") or ["0"])[0])
        size = min(int((params.get("maxResults") or ["50"])[0]), 100)
        page = visible[start:start + size]
        return {"isLast": start + size >= len(visible), "maxResults": size,
                "self": f"{self._api}/project/search?startAt={start}&maxResults={size}",
                "startAt": start, "total": len(visible), "values": page}

    def _project_named(self, project: str, path: str) -> list[dict[str, Any]]:
        """GET /project/{key}/components or /versions."""
        key = next((k for k, number in self._projects.items()
                    if project in (k, number)), None)
        if key is None or key in self.hidden:
            raise errors(f"No project could be found with key '{project}'.", status=404)
        kind = "component" if path == "components" else "version"
        project_id = self._projects[key]
        found = []
        for number, name in sorted(self._named.get((key, kind), {}).items()):
            entry: dict[str, Any] = {"self": f"{self._api}/{kind}/{number}", "id": number,
                                     "name": name}
            if kind == "component":
                entry |= {"project": key, "projectId": int(project_id)}
            else:
                entry |= {"archived": False, "released": False, "projectId": int(project_id)}
            found.append(entry)
        return found

    def _filter(self, filter_id: str) -> dict[str, Any]:
        if not filter_id.isdigit() or int(filter_id) not in self.filters:
            raise errors("The selected filter is not available to you, perhaps it has been "
                         "deleted or had its permissions changed.", status=400)
        return {"self": f"{self.url}/rest/api/2/filter/{filter_id}", "id": filter_id,
                "name": f"Filter {filter_id}", "jql": self.filters[int(filter_id)]}

    def _parse(self, body: Any) -> dict[str, Any]:
        check_body(body, "JqlQueriesToParse")
        parsed = []
        for query in body.get("queries") or []:
            try:
                self._matching(query, bounded=False)
                parsed.append({"query": query, "structure": {}})
            except HttpError as error:
                parsed.append({"query": query, "errors": error.body["errorMessages"]})
        return {"queries": parsed}

    def _match(self, body: Any) -> dict[str, Any]:
        """`POST /jql/match`: which of `issueIds` each of `jqls` matches, in order."""
        check_body(body, "IssuesAndJQLQueries")
        ids, queries = body["issueIds"], body["jqls"]
        for value in ids:
            if isinstance(value, bool) or not (isinstance(value, int) or (
                    isinstance(value, str) and value.isdigit())):
                raise errors(f"Can not deserialize value of type long from {value!r}: not a "
                             "valid Long value (through reference chain: "
                             'IssuesAndJQLQueries["issueIds"])')
        if not all(isinstance(query, str) for query in queries):
            raise errors("Can not deserialize value of type java.lang.String out of a "
                         'non-string token (through reference chain: IssuesAndJQLQueries["jqls"])')
        wanted = list(dict.fromkeys(int(value) for value in ids))  # a set, as JIRA reads it
        if len(wanted) > self.match_max_issue_ids:
            raise errors(f"The number of issue IDs ({len(wanted)}) exceeds the maximum of "
                         f"{self.match_max_issue_ids}.")
        if len(queries) > self.match_max_jqls:
            raise errors(f"The number of JQL queries ({len(queries)}) exceeds the maximum of "
                         f"{self.match_max_jqls}.")
        matches = []
        for query in queries:
            try:
                found = {int(raw["id"]) for raw in self._matching(query, bounded=False)}
            except HttpError as error:
                matches.append({"matchedIssues": [], "errors": error.body["errorMessages"]})
                continue
            matches.append({"matchedIssues": [i for i in wanted if i in found], "errors": []})
        return {"matches": matches}

    def _matching(self, jql: str, *, bounded: bool) -> list[dict[str, Any]]:
        if self.cache:
            with self.lock:
                if jql not in self._answers:
                    self._answers[jql] = self._evaluate(jql, bounded=bounded)
                return self._answers[jql]
        return self._evaluate(jql, bounded=bounded)

    def _indexed(self, text: str) -> list[dict[str, Any]] | None:
        """Benchmark fast paths for the JQL shapes they use, answered from indexes."""
        if not self._indexed_ready:
            for raw in self.issues:
                parent = (raw["fields"].get("parent") or {}).get("key")
                if parent:
                    self._by_parent.setdefault(parent, []).append(raw)
                epic = None if self.cloud else raw["fields"].get(EPIC_LINK)
                if epic:
                    self._by_epic.setdefault(epic, []).append(raw)
                for label in raw["fields"].get("labels") or ():
                    self._by_label.setdefault(label.lower(), []).append(raw)
            self._indexed_ready = True
        listed = r'\(((?:"[A-Z0-9-]+"(?:, )?)+)\)'
        match = re.fullmatch(rf'parent in {listed}(?: OR "Epic Link" in {listed})?', text)
        if match and (match[2] is None or match[2] == match[1]):
            keys = re.findall(r'"([^"]+)"', match[1])
            found = [raw for key in keys for raw in self._by_parent.get(key, [])]
            if match[2] is not None:
                found += [raw for key in keys for raw in self._by_epic.get(key, [])]
            return found
        match = re.fullmatch(rf"key in {listed}", text)
        if match:  # a key not found falls to the evaluator, which names it as JIRA does
            found_keys = [self._find(key) for key in re.findall(r'"([^"]+)"', match[1])]
            if all(raw is not None for raw in found_keys):
                return list({raw["id"]: raw for raw in found_keys if raw}.values())
            return None
        match = re.fullmatch(r'updated >= "-(\d+)m"', text)
        if match:
            moment = self.now - timedelta(minutes=int(match[1]))
            return [raw for raw in self.issues
                    if _parse_stamp(raw["fields"]["updated"]) >= moment]
        match = re.fullmatch(r"project = (\w+) AND labels = (\w+)", text)
        if match:
            return [raw for raw in self._by_label.get(match[2].lower(), [])  # as JQL: no case
                    if raw["fields"]["project"]["key"].lower() == match[1].lower()]
        parts = re.fullmatch(r"\(project = \w+ AND labels = \w+\)(?: OR \(project = \w+ AND "
                             r"labels = \w+\))*", text)
        if parts:  # Server / DC counts a group of such queries at once
            union = {raw["id"]: raw for part in re.findall(r"\(([^)]*)\)", text)
                     for raw in self._indexed(part) or []}
            return list(union.values())
        return None

    def _evaluate(self, jql: str, *, bounded: bool) -> list[dict[str, Any]]:
        if self.cache:
            fast = self._indexed(jql.strip())
            if fast is not None:
                return [raw for raw in fast if self._visible(raw)]
        try:
            return evaluate(self, jql, bounded=bounded)
        except JqlRefused as refused:
            raise errors(*refused.messages) from None

    def _jql_values(self, field: str) -> Callable[[dict[str, Any]], Iterable[str]] | None:
        """The values of a JQL field the stand-in does not otherwise evaluate, by its
        lower-cased clause name, compared by name without case (subclasses add fields
        this way); None: not such a field."""
        return None

    # -- answering with issues

    def _value(self, raw: dict[str, Any], field_id: str) -> Any:
        """A field's value as JIRA answers it now (links and statuses are live)."""
        value = raw["fields"].get(field_id)
        if field_id == "status":
            return self._status_view(value)
        if field_id == "parent" and isinstance(value, dict) and value.get("key"):
            return self._link(value["key"])
        if field_id == "subtasks":
            return [self._link(child["key"])
                    for child in self._subtasks.get(raw["key"].upper(), [])]
        if field_id == EPIC_LINK and isinstance(value, str) and not self.cloud:
            return self._link(value).get("key", value)  # the epic's key now
        if field_id in ("components", "fixVersions") and isinstance(value, list):
            kind = "component" if field_id == "components" else "version"
            names = {n: name for (_, k), named in self._named.items() if k == kind
                     for n, name in named.items()}
            return [entry | {"name": names.get(entry.get("id"), entry.get("name"))}
                    for entry in value]
        return value

    def _bean(self, raw: dict[str, Any], selection: _Selection, version: str
              ) -> dict[str, Any]:
        """One IssueBean with the selected fields."""
        issue_self = f"{self.url}/rest/api/{version}/issue/{raw['id']}"
        if selection.ids_only and self.cloud:
            return {"id": raw["id"], "key": raw["key"], "self": issue_self}
        stored = raw["fields"]
        # A field the issue lacks comes back null if the site has it, except `parent`.
        absent = [f for f in selection.explicit
                  if f not in stored and f != "parent" and f in self._field_ids]
        if selection.every:
            wanted = [*stored, *absent]
        else:
            wanted = [f for f in selection.explicit if f in stored or f in absent]
        fields = {f: self._value(raw, f) for f in dict.fromkeys(wanted)
                  if f not in selection.excluded}
        return {"expand": ISSUE_EXPAND, "id": raw["id"], "self": issue_self, "key": raw["key"],
                "fields": fields}

    def _expanded(self, beans: list[dict[str, Any]], selection: _Selection,
                  expand: list[str]) -> dict[str, Any]:
        """`names` and `schema` of the returned fields, when `expand` asks for them."""
        by_id = {f["id"]: f for f in self.fields}
        shown = dict.fromkeys(f for bean in beans for f in bean.get("fields", {}))
        shown |= dict.fromkeys(f for f in selection.explicit
                               if f in by_id and f not in selection.excluded)
        extra: dict[str, Any] = {}
        if "names" in expand:
            extra["names"] = {f: by_id[f]["name"] for f in shown if f in by_id}
        if "schema" in expand:
            extra["schema"] = {f: by_id[f]["schema"] for f in shown
                               if f in by_id and "schema" in by_id[f]}
        return extra

    def _query(self, method: str, params: dict[str, list[str]], body: Any, bean: str
               ) -> dict[str, Any]:
        if method == "POST":
            check_body(body, bean)
            query = dict(body)
        else:
            query = {k: v[0] for k, v in params.items()}
            for many in ("fields", "expand"):
                if many in params:
                    query[many] = params[many]
        for number in ("maxResults", "startAt"):
            value = query.get(number)
            if value is not None and not str(value).lstrip("-").isdigit():
                raise errors(f"The value '{value}' is invalid for the parameter {number}.")
        return query

    def _search_jql(self, method: str, params: dict[str, list[str]], body: Any,
                    version: str) -> dict[str, Any]:
        query = self._query(method, params, body, "SearchAndReconcileRequestBean")
        selection = _Selection(_split(query.get("fields")), "id")
        expand = _split(query.get("expand"))
        found = self._matching(query.get("jql") or "", bounded=True)
        cap = 5000 if selection.ids_only else 100
        size = min(int(query.get("maxResults") or 50), cap)
        token = query.get("nextPageToken")
        start = int(base64.b64decode(token).decode()) if token else 0
        page = found[start:start + size]
        beans = [self._bean(raw, selection, version) for raw in page]
        answer: dict[str, Any] = {"issues": beans, **self._expanded(beans, selection, expand)}
        if start + size < len(found):
            answer["nextPageToken"] = base64.b64encode(str(start + size).encode()).decode()
            answer["isLast"] = False
        else:
            answer["isLast"] = True
        return answer

    def _search_server(self, method: str, params: dict[str, list[str]], body: Any,
                       version: str) -> dict[str, Any]:
        query = self._query(method, params, body, "SearchRequestBean")
        selection = _Selection(_split(query.get("fields")), "*navigable")
        expand = _split(query.get("expand"))
        found = self._matching(query.get("jql") or "", bounded=False)
        start = int(query.get("startAt") or 0)
        requested = query.get("maxResults")
        size = min(50 if requested is None else int(requested), 1000)
        page = found[start:start + size]
        beans = [self._bean(raw, selection, version) for raw in page]
        return {"expand": "schema,names", "startAt": start, "maxResults": size,
                "total": len(found), "issues": beans,
                **self._expanded(beans, selection, expand)}

    def _get_issue(self, ident: str, version: str, params: dict[str, list[str]]
                   ) -> dict[str, Any]:
        raw = None if "/" in ident else self._find(ident)
        if raw is None:
            raise errors("Issue does not exist or you do not have permission to see it.",
                         status=404)
        selection = _Selection(_split(params.get("fields")), "*all")
        bean = self._bean(raw, selection, version)
        return bean | self._expanded([bean], selection, _split(params.get("expand")))
