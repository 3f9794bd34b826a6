"""The JIRA stand-in answers as real JIRA does: its answers are checked against the
OpenAPI response schemas (tests/reference/), and the shapes real sites return are pinned.

Driven with plain HTTP requests, as any client would see the stand-in."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.standins.jira import CATEGORIES, OPENAPI, SCHEMAS, JiraStandIn

PATHS = OPENAPI["paths"]


# -- checking answers against the OpenAPI description

def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema itself: `$ref` followed, a single `allOf` unwrapped."""
    while True:
        if "$ref" in schema:
            schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]]
        elif "allOf" in schema and len(schema["allOf"]) == 1:
            schema = schema["allOf"][0]
        else:
            return schema


TYPES: dict[str, Any] = {"object": dict, "array": list, "string": str, "boolean": bool}


def problems(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """What in `value` the schema does not allow: undeclared properties (even where the
    schema tolerates extras: an answer holds only what JIRA documents), missing required
    ones, wrong types, repeated items where they must be unique."""
    schema = _resolve(schema)
    kind = schema.get("type")
    if kind is None and "properties" not in schema:
        return []  # `{}`: any value (a field's value, a property's)
    if value is None:
        return [] if schema.get("nullable") or not kind else [f"{where}: null"]
    if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        return [f"{where}: {value!r} is not an integer"]
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return [f"{where}: {value!r} is not a number"]
    if kind in TYPES and not isinstance(value, TYPES[kind]):
        return [f"{where}: {type(value).__name__} where the schema has {kind}"]
    found: list[str] = []
    if isinstance(value, dict):
        declared = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in declared:
                found += problems(item, declared[key], f"{where}.{key}")
            elif isinstance(extra, dict):  # a map: field id → value, name, schema
                found += problems(item, extra, f"{where}.{key}")
            else:
                found.append(f"{where}: {key!r} is not declared")
        found += [f"{where}: required {key!r} missing"
                  for key in schema.get("required", ()) if key not in value]
    if isinstance(value, list):
        items = schema.get("items", {})
        for index, item in enumerate(value):
            found += problems(item, items, f"{where}[{index}]")
        if schema.get("uniqueItems") and len({repr(v) for v in value}) != len(value):
            found.append(f"{where}: items repeat")
    return found


FIELD_SCHEMAS = {"status": "StatusDetails", "issuetype": "IssueTypeDetails",
                 "project": "ProjectDetails"}


def issue_problems(bean: dict[str, Any], where: str = "issue") -> list[str]:
    """An IssueBean, and inside its `fields` the objects the description has schemas
    for (status and its category, issue type, project), in `parent` and `subtasks` too."""
    found = problems(bean, {"$ref": "#/components/schemas/IssueBean"}, where)
    fields = bean.get("fields") or {}
    for field_id, name in FIELD_SCHEMAS.items():
        if fields.get(field_id) is not None:
            found += problems(fields[field_id], SCHEMAS[name], f"{where}.fields.{field_id}")
    links = ([fields["parent"]] if "parent" in fields else []) + list(
        fields.get("subtasks") or [])
    for index, link in enumerate(links):
        assert set(link) == {"id", "key", "self", "fields"}, link
        assert set(link["fields"]) == {"summary", "status", "priority", "issuetype"}, link
        found += issue_problems(link, f"{where}.link[{index}]")
    return found


def answer_problems(answer: Any, path: str, method: str) -> list[str]:
    """The answer against the 200 response schema of that path, and each issue in it."""
    schema = PATHS[path][method]["responses"]["200"]["content"]["application/json"]["schema"]
    found = problems(answer, schema)
    beans = answer.get("issues", []) if isinstance(answer, dict) else []
    if path.startswith("/rest/api/3/issue/"):
        beans = [answer]
    for index, bean in enumerate(beans):
        found += issue_problems(bean, f"issues[{index}]")
    return found


# -- talking to the stand-in

class Site:
    """A stand-in and how a client talks to it (Cloud: v3, Basic; Server: v2, Bearer)."""

    def __init__(self, jira: JiraStandIn) -> None:
        self.jira = jira
        self.version = "3" if jira.cloud else "2"
        self.search_path = "/rest/api/3/search/jql" if jira.cloud else "/rest/api/2/search"
        self.schema_path = "/rest/api/3/search/jql" if jira.cloud else "/rest/api/3/search"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if self.jira.cloud:
            kwargs["auth"] = (self.jira.email, self.jira.token)
        else:
            kwargs["headers"] = {"Authorization": f"Bearer {self.jira.token}"}
        return requests.request(method, self.jira.url + path, timeout=10, **kwargs)

    def search(self, **body: Any) -> dict[str, Any]:
        """POST a search; the answer must fit the description."""
        response = self.call("POST", self.search_path, json=body)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer_problems(answer, self.schema_path, "post") == []
        return answer

    def get_search(self, **params: Any) -> dict[str, Any]:
        response = self.call("GET", self.search_path, params=params)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer_problems(answer, self.schema_path, "get") == []
        return answer

    def expand(self, *names: str) -> Any:
        """`expand` as each search bean has it: Cloud a string, Server a list."""
        return ",".join(names) if self.jira.cloud else list(names)


@pytest.fixture(params=["cloud", "server"])
def site(request):
    with JiraStandIn(cloud=request.param == "cloud") as jira:
        yield Site(jira)


@pytest.fixture
def cloud():
    with JiraStandIn(cloud=True) as jira:
        yield Site(jira)


@pytest.fixture
def server():
    with JiraStandIn(cloud=False) as jira:
        yield Site(jira)


def populate(jira: JiraStandIn) -> None:
    """An epic with a story (with points and a sub-task) and an issue with no parent."""
    jira.add("EP-1", "indeterminate", issuetype="Epic")
    jira.add("ST-1", "done", parent="EP-1", labels=("andon",), points=5,
             customfield_10050=120)
    jira.add("ST-2", "new", subtask_of="ST-1", status_name="Blocked")
    jira.add("OPS-1", "new", issuetype="Task", labels=("ops",))


def only(answer: dict[str, Any], key: str) -> dict[str, Any]:
    return next(bean for bean in answer["issues"] if bean["key"] == key)


# -- the schemas

def test_search_answers_fit_the_openapi_description(site):
    populate(site.jira)
    for fields in (["*all"], ["*navigable"], ["status", "parent", "summary"],
                   ["*all", "-subtasks"], None):
        for expand in ((), ("names",), ("names", "schema")):
            body: dict[str, Any] = {"jql": "project in (EP, ST, OPS)"}
            if fields is not None:
                body["fields"] = fields
            if expand:
                body["expand"] = site.expand(*expand)
            answer = site.search(**body)  # checked against the description
            assert len(answer["issues"]) == 4
            params: dict[str, Any] = {"jql": body["jql"]}
            if fields is not None:
                params["fields"] = ",".join(fields)
            if expand:
                params["expand"] = ",".join(expand)
            assert site.get_search(**params) == answer


def test_the_checker_catches_what_the_old_stand_in_answered():
    """The thin shapes this stand-in used to answer fail the check."""
    old = {"issues": [{"id": "10000", "key": "ST-1", "self": "/rest/api/issue/10000",
                       "fields": {"status": {"name": "Done", "statusCategory": {
                           "key": "done", "id": 3, "colour": "green"}}}}],
           "isLast": True, "total": 1}
    found = answer_problems(old, "/rest/api/3/search/jql", "post")
    assert "$: 'total' is not declared" in found
    assert "issues[0].fields.status.statusCategory: 'colour' is not declared" in found
    assert problems({"matches": [{"matchedIssues": [1, 1]}]},
                    SCHEMAS["IssueMatches"]) == ["$.matches[0].matchedIssues: items repeat",
                                                 "$.matches[0]: required 'errors' missing"]


def test_other_answers_fit_the_description(site):
    populate(site.jira)
    site.jira.filters[42] = "project = ST"
    v = site.version
    for path, schema_path in [(f"/rest/api/{v}/serverInfo", "/rest/api/3/serverInfo"),
                              (f"/rest/api/{v}/field", "/rest/api/3/field"),
                              (f"/rest/api/{v}/filter/42", "/rest/api/3/filter/{id}"),
                              (f"/rest/api/{v}/issue/ST-1?expand=names,schema",
                               "/rest/api/3/issue/{issueIdOrKey}")]:
        response = site.call("GET", path)
        assert response.status_code == 200, (path, response.text)
        assert answer_problems(response.json(), schema_path, "get") == [], path
    missing = site.call("GET", f"/rest/api/{v}/issue/NOPE-1")
    assert missing.status_code == 404
    assert missing.json()["errorMessages"] == [
        "Issue does not exist or you do not have permission to see it."]


# -- issues carry JIRA's full shapes

def test_issues_carry_ids_and_self(site):
    populate(site.jira)
    answer = site.search(jql="project = ST", fields=["summary"])
    for bean in answer["issues"]:
        assert bean["id"].isdigit() and isinstance(bean["id"], str)
        assert bean["self"] == f"{site.jira.url}/rest/api/{site.version}/issue/{bean['id']}"
        assert bean["key"].startswith("ST-")
        assert bean["expand"] == ("operations,versionedRepresentations,editmeta,changelog,"
                                  "renderedFields")
        assert set(bean["fields"]) == {"summary"}


@pytest.mark.parametrize(("category", "number", "color", "name", "status"), [
    ("new", 2, "blue-gray", "To Do", "To Do"),
    ("indeterminate", 4, "yellow", "In Progress", "In Progress"),
    ("done", 3, "green", "Done", "Done"),
])
def test_status_and_its_category_are_jiras(site, category, number, color, name, status):
    site.jira.add("ST-1", category)
    found = site.search(jql="project = ST", fields=["status"])["issues"][0]["fields"]["status"]
    api = f"{site.jira.url}/rest/api/{site.version}"
    assert found["name"] == status and found["id"].isdigit()
    assert found["self"] == f"{api}/status/{found['id']}"
    assert set(found) == {"self", "description", "iconUrl", "name", "id", "statusCategory"}
    assert found["statusCategory"] == {"self": f"{api}/statuscategory/{number}", "id": number,
                                       "key": category, "colorName": color, "name": name}


def test_a_named_status_keeps_its_category(site):
    site.jira.add("ST-1", "indeterminate", status_name="In Review")
    site.jira.add("ST-2", "indeterminate", status_name="In Review")
    statuses = [bean["fields"]["status"] for bean in
                site.search(jql="project = ST", fields=["status"])["issues"]]
    assert statuses[0] == statuses[1]
    assert statuses[0]["name"] == "In Review"
    assert statuses[0]["statusCategory"]["key"] == "indeterminate"
    with pytest.raises(ValueError, match="category"):
        site.jira.add("ST-3", "done", status_name="In Review")


def test_work_moved_in_place_is_answered_consistently(site):
    """Soak tests and benchmarks move work by setting statusCategory.key in place."""
    site.jira.add("ST-1", "new")
    site.jira.issues[0]["fields"]["status"]["statusCategory"]["key"] = "done"
    status = site.search(jql="project = ST", fields=["status"])["issues"][0]["fields"]["status"]
    assert status["name"] == "Done"
    assert status["statusCategory"]["id"] == CATEGORIES["done"]["id"] == 3
    assert site.search(jql="statusCategory = Done", fields=["status"])["issues"]


def test_issue_types(site):
    populate(site.jira)
    answer = site.search(jql="project in (EP, ST, OPS)", fields=["issuetype"])
    types = {bean["key"]: bean["fields"]["issuetype"] for bean in answer["issues"]}
    assert {k: (t["name"], t["subtask"]) for k, t in types.items()} == {
        "EP-1": ("Epic", False), "ST-1": ("Story", False), "ST-2": ("Sub-task", True),
        "OPS-1": ("Task", False)}
    for found in types.values():
        assert found["self"] == (f"{site.jira.url}/rest/api/{site.version}/issuetype/"
                                 f"{found['id']}")
        assert isinstance(found["avatarId"], int) and found["iconUrl"]
    if site.jira.cloud:
        assert {k: t["hierarchyLevel"] for k, t in types.items()} == {
            "EP-1": 1, "ST-1": 0, "ST-2": -1, "OPS-1": 0}
        assert all(len(t["entityId"]) == 36 for t in types.values())
    else:
        assert not any({"hierarchyLevel", "entityId"} & set(t) for t in types.values())


def test_project(site):
    site.jira.add("PAY-1", "new")
    project = site.search(jql="project = PAY", fields=["project"])["issues"][0]["fields"][
        "project"]
    expected = {"self", "id", "key", "name", "projectTypeKey", "avatarUrls"}
    assert set(project) == (expected | {"simplified"} if site.jira.cloud else expected)
    assert project["key"] == "PAY" and project["projectTypeKey"] == "software"
    assert project["self"] == f"{site.jira.url}/rest/api/{site.version}/project/{project['id']}"
    assert set(project["avatarUrls"]) == {"16x16", "24x24", "32x32", "48x48"}


def test_cloud_parent_is_a_full_link_and_absent_without_one(cloud):
    populate(cloud.jira)
    answer = cloud.search(jql="project in (ST, OPS)", fields=["parent", "status"])
    story, subtask, ops = (only(answer, k) for k in ("ST-1", "ST-2", "OPS-1"))
    epic = cloud.search(jql="key = EP-1", fields=["summary"])["issues"][0]
    assert story["fields"]["parent"]["id"] == epic["id"]
    assert story["fields"]["parent"]["key"] == "EP-1"
    assert story["fields"]["parent"]["self"] == epic["self"]
    assert story["fields"]["parent"]["fields"]["issuetype"]["hierarchyLevel"] == 1
    assert subtask["fields"]["parent"]["key"] == "ST-1"
    assert "parent" not in ops["fields"]  # not null: JIRA leaves it out
    everything = cloud.search(jql="key = OPS-1", fields=["*all"])["issues"][0]
    assert "parent" not in everything["fields"]


def test_a_parent_link_shows_the_parent_as_it_is_now(cloud):
    cloud.jira.add("EP-1", "new", issuetype="Epic")
    cloud.jira.add("ST-1", "new", parent="EP-1")
    cloud.jira.issues[0]["fields"]["status"]["statusCategory"]["key"] = "done"
    link = cloud.search(jql="key = ST-1", fields=["parent"])["issues"][0]["fields"]["parent"]
    assert link["fields"]["status"]["name"] == "Done"
    assert link["fields"]["status"]["statusCategory"]["key"] == "done"
    assert link["fields"]["status"]["statusCategory"]["id"] == 3


def test_server_epics_are_linked_by_epic_link_and_sub_tasks_by_parent(server):
    populate(server.jira)
    answer = server.search(jql="project = ST", fields=["parent", "customfield_10014"])
    story, subtask = only(answer, "ST-1"), only(answer, "ST-2")
    assert story["fields"] == {"customfield_10014": "EP-1"}  # no parent: an epic is not one
    assert subtask["fields"]["parent"]["key"] == "ST-1"
    assert subtask["fields"]["customfield_10014"] is None
    by_parent = server.search(jql="parent = ST-1", fields=["summary"])["issues"]
    by_epic = server.search(jql='"Epic Link" = EP-1', fields=["summary"])["issues"]
    assert [b["key"] for b in by_parent] == ["ST-2"]
    assert [b["key"] for b in by_epic] == ["ST-1"]
    assert server.search(jql="parent = EP-1", fields=["summary"])["issues"] == []


def test_subtasks_are_listed_on_their_parent(site):
    populate(site.jira)
    story = site.search(jql="key = ST-1", fields=["subtasks"])["issues"][0]
    assert [link["key"] for link in story["fields"]["subtasks"]] == ["ST-2"]
    assert story["fields"]["subtasks"][0]["fields"]["issuetype"]["subtask"] is True


def test_add_keeps_working_for_existing_callers(site):
    """`add(key, category, parent=, labels=, points=, **extra)` means what it did."""
    site.jira.add("EP-1", "indeterminate")
    site.jira.add("ST-1", "done", parent="EP-1", labels=("a", "b"), points=3,
                  customfield_10050=100)
    fields = site.jira.issues[1]["fields"]
    assert fields["labels"] == ["a", "b"]
    assert fields["customfield_10050"] == 100
    assert fields["status"]["statusCategory"]["key"] == "done"
    if site.jira.cloud:
        assert fields["customfield_10016"] == 3 and fields["parent"]["key"] == "EP-1"
    else:
        assert fields["customfield_10002"] == 3 and fields["customfield_10014"] == "EP-1"
        assert "parent" not in fields
    with pytest.raises(ValueError, match="one parent"):
        site.jira.add("ST-2", "new", parent="EP-1", subtask_of="ST-1")


# -- field selection

def test_navigable_answers_every_field_not_a_placeholder(site):
    populate(site.jira)
    for fields in (["*navigable"], ["*all"]):
        story = only(site.search(jql="project = ST", fields=fields), "ST-1")
        assert not any(f.startswith("*") for f in story["fields"])
        assert {"summary", "status", "issuetype", "project", "priority", "labels",
                "components", "fixVersions", "assignee", "resolution", "created", "updated",
                "subtasks", "customfield_10050"} <= set(story["fields"])
        assert story["fields"]["assignee"] is None  # fields without a value are null
        assert story["fields"]["customfield_10050"] == 120
        ops = only(site.search(jql="project = OPS", fields=fields), "OPS-1")
        assert "customfield_10050" in ops["fields"] and ops["fields"]["customfield_10050"] is None
        points = "customfield_10016" if site.jira.cloud else "customfield_10002"
        assert ops["fields"][points] is None and story["fields"][points] == 5


def test_listed_fields_only(site):
    populate(site.jira)
    points = "customfield_10016" if site.jira.cloud else "customfield_10002"
    other = "customfield_10002" if site.jira.cloud else "customfield_10016"
    asked = ["status", "id", "key", "assignee", points, other, "nonsense", "parent"]
    ops = only(site.search(jql="project = OPS", fields=asked), "OPS-1")
    # asked-for fields the site has come back null; parent and unknown fields do not
    assert list(ops["fields"]) == ["status", "assignee", points]
    assert ops["fields"]["assignee"] is None and ops["fields"][points] is None
    assert ops["id"] and ops["key"] == "OPS-1"


def test_exclusions(site):
    populate(site.jira)
    every = only(site.search(jql="project = OPS", fields=["*all"]), "OPS-1")["fields"]
    without = only(site.search(jql="project = OPS", fields=["*all", "-labels", "-status"]),
                   "OPS-1")["fields"]
    assert set(every) - set(without) == {"labels", "status"}
    navigable = only(site.search(jql="project = OPS", fields=["-labels"]), "OPS-1")["fields"]
    assert set(navigable) == set(every) - {"labels"}


def test_default_fields(site):
    populate(site.jira)
    found = only(site.search(jql="project = OPS"), "OPS-1")
    if site.jira.cloud:  # "By default, this resource returns IDs only."
        assert found == {"id": found["id"], "key": "OPS-1", "self": found["self"]}
    else:  # "The default is *navigable."
        assert {"summary", "status", "labels"} <= set(found["fields"])


def test_cloud_pages_are_bigger_for_ids_only(cloud):
    for n in range(150):
        cloud.jira.add(f"PAY-{n + 1}", "new")
    assert len(cloud.search(jql="project = PAY", maxResults=1000)["issues"]) == 150
    page = cloud.search(jql="project = PAY", maxResults=1000, fields=["status"])
    assert len(page["issues"]) == 100 and page["isLast"] is False and page["nextPageToken"]
    rest = cloud.search(jql="project = PAY", maxResults=1000, fields=["status"],
                        nextPageToken=page["nextPageToken"])
    assert len(rest["issues"]) == 50 and rest["isLast"] is True and "nextPageToken" not in rest


def test_server_pages(server):
    for n in range(7):
        server.jira.add(f"PAY-{n + 1}", "new")
    page = server.search(jql="project = PAY", startAt=5, maxResults=3, fields=["key"])
    assert {k: page[k] for k in ("expand", "startAt", "maxResults", "total")} == {
        "expand": "schema,names", "startAt": 5, "maxResults": 3, "total": 7}
    assert [bean["key"] for bean in page["issues"]] == ["PAY-6", "PAY-7"]
    assert all(bean["fields"] == {} for bean in page["issues"])
    assert "names" not in page


# -- expand

def test_names_and_schema_only_when_expanded(site):
    populate(site.jira)
    names = {f["id"]: f["name"] for f in site.call(
        "GET", f"/rest/api/{site.version}/field").json()}
    plain = site.search(jql="project = ST", fields=["*navigable"])
    assert "names" not in plain and "schema" not in plain
    assert all("names" not in bean for bean in plain["issues"])
    named = site.search(jql="project = ST", fields=["*navigable"], expand=site.expand("names"))
    returned = {f for bean in named["issues"] for f in bean["fields"]}
    assert named["names"] == {f: names[f] for f in returned}
    assert named["names"]["status"] == "Status" and named["names"]["issuetype"] == "Issue Type"
    assert "schema" not in named
    both = site.get_search(jql="project = ST", fields="status,customfield_10050",
                           expand="names,schema")
    assert both["names"] == {"status": "Status", "customfield_10050": "Revenue"}
    assert both["schema"]["status"] == {"type": "status", "system": "status"}
    assert both["schema"]["customfield_10050"]["customId"] == 10050


def test_expand_has_the_type_of_each_bean(site):
    """SearchAndReconcileRequestBean.expand is a string, SearchRequestBean.expand a list."""
    wrong = ["names"] if site.jira.cloud else "names"
    response = site.call("POST", site.search_path, json={"jql": "project = ST",
                                                         "expand": wrong})
    assert response.status_code == 400
    assert "expand" in response.json()["errorMessages"][0]
    unknown = site.call("POST", site.search_path, json={"jql": "project = ST", "expands": "x"})
    assert unknown.status_code == 400


def test_issue_by_key_answers_all_fields_and_names_when_expanded(site):
    populate(site.jira)
    v = site.version
    plain = site.call("GET", f"/rest/api/{v}/issue/ST-1").json()
    assert "names" not in plain and plain["fields"]["customfield_10050"] == 120
    by_id = site.call("GET", f"/rest/api/{v}/issue/{plain['id']}?expand=names").json()
    assert by_id["key"] == "ST-1" and by_id["names"]["summary"] == "Summary"


# -- /jql/match

def match(cloud: Site, body: Any) -> requests.Response:
    return cloud.call("POST", "/rest/api/3/jql/match", json=body)


def test_jql_match_answers_each_query_in_order(cloud):
    populate(cloud.jira)
    ids = {raw["key"]: int(raw["id"]) for raw in cloud.jira.issues}
    response = match(cloud, {"issueIds": [ids["OPS-1"], ids["ST-1"], ids["ST-2"], 99999],
                             "jqls": ["project = ST", "nonsense = 1", "labels = ops",
                                      "parent = EP-1"]})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer_problems(answer, "/rest/api/3/jql/match", "post") == []
    assert answer == {"matches": [
        {"matchedIssues": [ids["ST-1"], ids["ST-2"]], "errors": []},
        {"matchedIssues": [], "errors": [
            "Field 'nonsense' does not exist or you do not have permission to view it."]},
        {"matchedIssues": [ids["OPS-1"]], "errors": []},
        {"matchedIssues": [ids["ST-1"]], "errors": []},
    ]}


def test_jql_match_checks_its_body_and_caps(cloud):
    populate(cloud.jira)
    first = int(cloud.jira.issues[0]["id"])
    for body in ({"issueIds": [first]}, {"jqls": ["project = ST"]},
                 {"issueIds": [first], "jqls": ["project = ST"], "extra": 1},
                 {"issueIds": first, "jqls": ["project = ST"]},
                 {"issueIds": ["x"], "jqls": ["project = ST"]}):
        assert match(cloud, body).status_code == 400, body
    repeated = match(cloud, {"issueIds": [first, first], "jqls": ["project = EP"]}).json()
    assert repeated["matches"][0]["matchedIssues"] == [first]  # a set, as JIRA reads it
    most = cloud.jira.match_max_issue_ids
    ids = list(range(1, most + 1))
    assert match(cloud, {"issueIds": ids, "jqls": ["project = ST"]}).status_code == 200
    over = match(cloud, {"issueIds": [*ids, most + 1], "jqls": ["project = ST"]})
    assert over.status_code == 400 and "issue IDs" in over.json()["errorMessages"][0]
    cloud.jira.match_max_jqls = 3
    assert match(cloud, {"issueIds": [first], "jqls": ["project = ST"] * 3}).status_code == 200
    over = match(cloud, {"issueIds": [first], "jqls": ["project = ST"] * 4})
    assert over.status_code == 400 and "JQL queries" in over.json()["errorMessages"][0]


def test_jql_match_is_cloud_only(server):
    response = server.call("POST", "/rest/api/2/jql/match",
                           json={"issueIds": [1], "jqls": ["project = ST"]})
    assert response.status_code == 404
