"""A local stand-in for JIRA's REST API, playing Cloud or Server / Data Center.

Checked against Atlassian's OpenAPI description (tests/reference/, cut by its refresh.py):
- Cloud (REST v3): `GET|POST /rest/api/3/search/jql` pages with `nextPageToken` and
  `isLast`, never a `total`; page size is capped at 5,000 when only ids/keys are asked
  and at 100 otherwise; an unbounded JQL is a 400; `POST /search/approximate-count`
  answers `{"count"}`; `POST /jql/parse` validates; the removed `/search` answers 410.
- Server / DC (REST v2): `GET|POST /rest/api/2/search` with `startAt`, `maxResults`
  (capped at 1,000) and `total`.
- Both: `serverInfo` (with `deploymentType`), `field`, `filter/{id}`; errors as
  `{"errorMessages": [...], "errors": {}}`; request bodies with unknown properties are
  rejected; Basic auth (Cloud: e-mail + API token) or Bearer (DC: personal access token).
JQL is evaluated for the subset the tests use; a clause on an unknown field or a
parent key that does not exist is rejected in JIRA's words.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

from okrsync.errors import KRError
from okrsync.jira.jql import compile_jql
from okrsync.jira.model import issue_from_rest

from .base import Fault, HttpError, StandIn

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
OPENAPI = json.loads((REFERENCE / "jira-cloud-platform.openapi.json").read_text(encoding="utf-8"))
SCHEMAS = OPENAPI["components"]["schemas"]

REMOVED = ("The requested API has been removed. Please migrate to the /rest/api/3/search/jql "
           "API. A full migration guideline is available at "
           "https://developer.atlassian.com/changelog/#CHANGE-2046")

CLOUD_FIELDS = [
    {"id": "status", "name": "Status", "custom": False, "clauseNames": ["status"]},
    {"id": "parent", "name": "Parent", "custom": False, "clauseNames": ["parent"]},
    {"id": "labels", "name": "Labels", "custom": False, "clauseNames": ["labels"]},
    {"id": "project", "name": "Project", "custom": False, "clauseNames": ["project"]},
    {"id": "issuetype", "name": "Issue Type", "custom": False,
     "clauseNames": ["issuetype", "type"]},
    {"id": "summary", "name": "Summary", "custom": False, "clauseNames": ["summary"]},
    {"id": "customfield_10016", "name": "Story point estimate", "custom": True,
     "clauseNames": ["cf[10016]", "Story point estimate"],
     "schema": {"type": "number", "custom": "com.pyxis.greenhopper.jira:jsw-story-points",
                "customId": 10016}},
    {"id": "customfield_10050", "name": "Revenue", "custom": True,
     "clauseNames": ["cf[10050]", "Revenue"],
     "schema": {"type": "number", "customId": 10050}},
]
SERVER_FIELDS = [f for f in CLOUD_FIELDS if f["id"] != "customfield_10016"] + [
    {"id": "customfield_10002", "name": "Story Points", "custom": True,
     "clauseNames": ["cf[10002]", "Story Points"],
     "schema": {"type": "number",
                "custom": "com.atlassian.jira.plugin.system.customfieldtypes:float"}},
    {"id": "customfield_10014", "name": "Epic Link", "custom": True,
     "clauseNames": ["cf[10014]", "Epic Link"],
     "schema": {"type": "any", "custom": "com.pyxis.greenhopper.jira:gh-epic-link"}},
]
KNOWN_JQL_FIELDS = {"project", "parent", "labels", "issuetype", "type", "status",
                    "statuscategory", "component", "fixversion", "key", "issuekey", "epic",
                    "summary", "assignee", "created", "updated", "sprint", "text"}


def errors(*messages: str, status: int = 400) -> HttpError:
    return HttpError(status, {"errorMessages": list(messages), "errors": {}})


def check_body(body: Any, schema_name: str) -> None:
    """Reject properties the OpenAPI schema does not have, as JIRA's JSON parser does."""
    if not isinstance(body, dict):
        raise errors("Invalid request payload. Refer to the REST API documentation and try "
                     "again.")
    allowed = set(SCHEMAS[schema_name].get("properties", {}))
    for key in body:
        if key not in allowed:
            raise errors(f'Unrecognized field "{key}" (class {schema_name}), not marked as '
                         "ignorable")


class JiraStandIn(StandIn):
    """`JiraStandIn(cloud=True)` or `JiraStandIn(cloud=False)` (Server / DC)."""

    def __init__(self, *, cloud: bool = True, email: str = "pm@acme.example",
                 token: str = "s3cr3t-T0KEN-4f9a", cache: bool = False) -> None:
        super().__init__()
        self.cache = cache
        """Answer each JQL once (for benchmarks, whose issues do not change)."""
        self._answers: dict[str, list[dict[str, Any]]] = {}
        self._parsed: list[Any] = []
        self._keys: set[str] = set()
        self._by_parent: dict[str, list[dict[str, Any]]] = {}
        self._by_label: dict[str, list[dict[str, Any]]] = {}
        self.cloud = cloud
        self.email, self.token = email, token
        self.issues: list[dict[str, Any]] = []
        self.filters: dict[int, str] = {}
        self.fields = CLOUD_FIELDS if cloud else SERVER_FIELDS

    # -- set-up

    def add(self, key: str, category: str, *, parent: str | None = None,
            labels: tuple[str, ...] = (), points: float | None = None, **extra: Any) -> None:
        """An issue; on Server / DC a parent given here is an epic, linked by Epic Link."""
        fields: dict[str, Any] = {
            "summary": f"{key} work",
            "status": {"name": {"done": "Done", "new": "To Do"}.get(category, "In Progress"),
                       "statusCategory": {"key": category,
                                          "id": {"new": 2, "indeterminate": 4, "done": 3}[
                                              category]}},
            "project": {"key": key.split("-")[0], "name": key.split("-")[0]},
            "issuetype": {"name": "Story"},
            "labels": list(labels),
            **extra,
        }
        points_field = "customfield_10016" if self.cloud else "customfield_10002"
        if points is not None:
            fields[points_field] = points
        if parent and self.cloud:
            fields["parent"] = {"key": parent}
        elif parent:
            fields["customfield_10014"] = parent
        self.issues.append({"id": str(10000 + len(self.issues)), "key": key, "fields": fields})

    def forget(self) -> None:
        """Drop cached answers after changing issues (cache mode)."""
        self._answers.clear()
        self._parsed = []
        self._by_parent.clear()
        self._by_label.clear()

    def searches(self) -> int:
        return sum(1 for r in self.requests if "/search" in r.path)

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

    def route(self, method: str, path: str, params: dict[str, list[str]],
              headers: dict[str, str], body: Any) -> Any:
        self._authenticate(headers)
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
        if rest.startswith("filter/"):
            return self._filter(rest.removeprefix("filter/"))
        if self.cloud:
            if rest == "search":
                raise errors(REMOVED, status=410)
            if rest == "search/jql":
                return self._search_jql(method, params, body)
            if rest == "search/approximate-count" and method == "POST":
                check_body(body, "JQLCountRequestBean")
                return {"count": len(self._matching(body.get("jql") or "", bounded=True))}
            if rest == "jql/parse" and method == "POST":
                return self._parse(body)
        elif rest == "search":
            return self._search_server(method, params, body)
        raise errors("Not found", status=404)

    def _server_info(self) -> dict[str, Any]:
        if self.cloud:
            return {"baseUrl": self.url, "displayUrl": self.url, "version": "1001.0.0-SNAPSHOT",
                    "versionNumbers": [1001, 0, 0], "deploymentType": "Cloud",
                    "buildNumber": 100296, "serverTitle": "Jira"}
        return {"baseUrl": self.url, "version": "9.12.2", "versionNumbers": [9, 12, 2],
                "deploymentType": "Server", "buildNumber": 9120002, "serverTitle": "JIRA"}

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

    def _matching(self, jql: str, *, bounded: bool) -> list[dict[str, Any]]:
        if self.cache:
            with self.lock:
                if jql not in self._answers:
                    self._answers[jql] = self._evaluate(jql, bounded=bounded)
                return self._answers[jql]
        return self._evaluate(jql, bounded=bounded)

    def _indexed(self, text: str) -> list[dict[str, Any]] | None:
        """Benchmark fast paths for the two JQL shapes they use, answered from indexes."""
        if not self._by_parent:
            for raw in self.issues:
                parent = (raw["fields"].get("parent") or {}).get("key") or raw["fields"].get(
                    "customfield_10014")
                if parent:
                    self._by_parent.setdefault(parent, []).append(raw)
                for label in raw["fields"].get("labels") or ():
                    self._by_label.setdefault(label, []).append(raw)
        match = re.fullmatch(r'parent in \(((?:"[A-Z0-9-]+"(?:, )?)+)\)', text)
        if match:
            return [raw for key in re.findall(r'"([^"]+)"', match[1])
                    for raw in self._by_parent.get(key, [])]
        match = re.fullmatch(r"project = (\w+) AND labels = (\w+)", text)
        if match:
            return [raw for raw in self._by_label.get(match[2], [])
                    if raw["fields"]["project"]["key"] == match[1]]
        return None

    def _evaluate(self, jql: str, *, bounded: bool) -> list[dict[str, Any]]:
        names = {f["id"]: f["name"] for f in self.fields}
        epic = None if self.cloud else "customfield_10014"
        if self.cache:
            fast = self._indexed(jql.strip())
            if fast is not None:
                return fast
            self._issues(names, epic)
        text = re.sub(r"(?i)\border\s+by\b.*$", "", jql).strip()
        if bounded and not text:
            raise errors("Unbounded JQL queries are not allowed here. Please add a search "
                         "restriction to your query.")
        keys = self._keys if self.cache else {i["key"] for i in self.issues}
        for clause in re.findall(r"(?i)\bparent\s*(?:=|in)\s*\(?([^)]*?)\)?(?:\s+(?:AND|OR)|$)",
                                 text):
            for key in re.findall(r"[A-Z][A-Z0-9_]*-\d+", clause):
                if key not in keys:
                    raise errors(f"An issue with key '{key}' does not exist for field "
                                 "'parent'.")
        if not text:
            return list(self.issues)
        try:
            predicate = compile_jql(text)
        except KRError as error:
            unknown = re.match(r"JQL field '([^']+)'", str(error))
            if unknown and unknown[1].lower() not in KNOWN_JQL_FIELDS:
                raise errors(f"Field '{unknown[1]}' does not exist or you do not have "
                             "permission to view it.") from None
            if unknown:
                raise NotImplementedError(f"the stand-in cannot evaluate {text!r}") from None
            raise errors(f"Error in the JQL Query: {error}") from None
        if self.cache:
            return [raw for raw, issue in zip(self.issues, self._issues(names, epic),
                                              strict=True) if predicate(issue)]
        return [raw for raw in self.issues
                if predicate(issue_from_rest(raw, names, None, epic))]

    def _issues(self, names: dict[str, str], epic: str | None) -> list[Any]:
        if len(self._parsed) != len(self.issues):
            self._parsed = [issue_from_rest(raw, names, None, epic) for raw in self.issues]
            self._keys = {raw["key"] for raw in self.issues}
        return self._parsed

    @staticmethod
    def _pick(raw: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        wanted = [f for f in fields if f]
        if not wanted or "*all" in wanted:
            chosen = raw["fields"]
        else:
            chosen = {f: raw["fields"].get(f) for f in wanted if f not in ("id", "key")}
        return {"id": raw["id"], "key": raw["key"], "self": f"/rest/api/issue/{raw['id']}",
                "fields": chosen}

    def _query(self, method: str, params: dict[str, list[str]], body: Any, bean: str
               ) -> dict[str, Any]:
        if method == "POST":
            check_body(body, bean)
            return dict(body)
        query: dict[str, Any] = {k: v[0] for k, v in params.items()}
        if "fields" in params:
            query["fields"] = [f for v in params["fields"] for f in v.split(",")]
        return query

    def _search_jql(self, method: str, params: dict[str, list[str]], body: Any
                    ) -> dict[str, Any]:
        query = self._query(method, params, body, "SearchAndReconcileRequestBean")
        fields = query.get("fields") or ["id"]
        if isinstance(fields, str):
            fields = fields.split(",")
        found = self._matching(query.get("jql") or "", bounded=True)
        cap = 5000 if set(fields) <= {"id", "key"} else 100
        size = min(int(query.get("maxResults") or 50), cap)
        token = query.get("nextPageToken")
        start = int(base64.b64decode(token).decode()) if token else 0
        page = found[start:start + size]
        answer: dict[str, Any] = {"issues": [self._pick(raw, fields) for raw in page]}
        if start + size < len(found):
            answer["nextPageToken"] = base64.b64encode(str(start + size).encode()).decode()
            answer["isLast"] = False
        else:
            answer["isLast"] = True
        return answer

    def _search_server(self, method: str, params: dict[str, list[str]], body: Any
                       ) -> dict[str, Any]:
        query = self._query(method, params, body, "SearchRequestBean")
        fields = query.get("fields") or ["*navigable"]
        if isinstance(fields, str):
            fields = fields.split(",")
        found = self._matching(query.get("jql") or "", bounded=False)
        start = int(query.get("startAt") or 0)
        requested = query.get("maxResults")
        size = min(50 if requested is None else int(requested), 1000)
        page = found[start:start + size]
        return {"startAt": start, "maxResults": size, "total": len(found),
                "issues": [self._pick(raw, fields) for raw in page]}
