import json
import math

import pytest

from okrsync.errors import KRError, SourceError
from okrsync.jira.export import ExportSource
from okrsync.jira.jql import compile_jql
from okrsync.jira.links import IssueKeys, Jql, SavedFilter, parse_link
from okrsync.jira.metrics import Kind, Metric, compute, parse_metric
from okrsync.jira.model import Issue, as_number
from tests.helpers import issue


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("PAY-120", IssueKeys(("PAY-120",))),
        ("PAY-120, pay-121\nCX-1", IssueKeys(("PAY-120", "PAY-121", "CX-1"))),
        ("https://acme.atlassian.net/browse/PAY-7", IssueKeys(("PAY-7",))),
        ("filter=12345", SavedFilter(12345)),
        ("filter = 7", SavedFilter(7)),
        ("https://acme.atlassian.net/issues/?filter=42", SavedFilter(42)),
        ("project = PAY AND labels = andon", Jql("project = PAY AND labels = andon")),
        ("key = PAY-1", Jql("key = PAY-1")),
    ],
)
def test_link_forms(text, link):
    assert parse_link(text) == link


def test_bad_filter_says_how_to_write_it():
    with pytest.raises(KRError, match="filter=12345"):
        parse_link("filter=mine")


@pytest.mark.parametrize(
    ("text", "metric"),
    [
        ("", Metric(Kind.DONE_RATIO)),
        ("done_ratio", Metric(Kind.DONE_RATIO)),
        ("완료율", Metric(Kind.DONE_RATIO)),
        ("Done_Count", Metric(Kind.DONE_COUNT)),
        ("count", Metric(Kind.COUNT)),
        ("points_done", Metric(Kind.POINTS_DONE)),
        ("points_ratio", Metric(Kind.POINTS_RATIO)),
        ("sum:Revenue Impact", Metric(Kind.SUM, "Revenue Impact")),
        ("합계: 매출", Metric(Kind.SUM, "매출")),
    ],
)
def test_metric_names(text, metric):
    assert parse_metric(text) == metric


def test_unknown_metric_lists_the_valid_ones():
    with pytest.raises(KRError, match="done_ratio, done_count, count"):
        parse_metric("velocity")


ISSUES = [
    Issue("A-1", "done", points={"Story Points": 3}, numbers={"revenue": 10.0}),
    Issue("A-2", "done", points={"Story Points": 5}),
    Issue("A-3", "indeterminate", status="Done-ish", points={"Story Points": 2},
          numbers={"revenue": 5.0}),
    Issue("A-4", "new"),
]


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        (Metric(Kind.DONE_RATIO), 50.0),
        (Metric(Kind.DONE_COUNT), 2.0),
        (Metric(Kind.COUNT), 4.0),
        (Metric(Kind.POINTS_DONE), 8.0),
        (Metric(Kind.SUM, "Revenue"), 15.0),
    ],
)
def test_metrics(metric, expected):
    assert compute(metric, ISSUES).value == pytest.approx(expected)


def test_an_unestimated_issue_counts_0_points_as_in_jira_and_the_reader_is_told():
    ratio = Metric(Kind.POINTS_RATIO)
    complete = compute(ratio, ISSUES[:3])
    assert complete.value == pytest.approx(80.0) and complete.caveats == ()
    assert complete.arithmetic == "8 of 10 Story Points done → 80%"
    # A-4 is open and has no estimate: JIRA's reports count it 0 points, and say so
    found = compute(ratio, ISSUES)
    assert found.value == pytest.approx(80.0)
    assert found.caveats == ("1 unestimated issue(s) (A-4) counted as 0 points",)
    assert compute(Metric(Kind.WEIGHTED_POINTS), ISSUES).caveats == found.caveats
    done = compute(Metric(Kind.POINTS_DONE), ISSUES)  # what is done, whatever is open
    assert (done.value, done.field) == (8.0, "Story Points")


def test_the_arithmetic_says_how_the_number_follows_from_the_issues():
    assert compute(Metric(Kind.DONE_RATIO), ISSUES).arithmetic == (
        "2 of 4 issue(s) done → 50%")
    summed = compute(Metric(Kind.SUM, "Revenue"), ISSUES)
    assert summed.arithmetic == "Revenue added up over 4 issue(s) = 15"
    assert summed.caveats == ("2 issue(s) (A-2, A-4) have no Revenue, counted as 0",)
    twice = [ISSUES[0], Issue("A-1", "done", points={"Story Points": 3})]
    assert compute(Metric(Kind.COUNT), twice).value == 1  # one issue, whatever it is read as


def test_a_sum_past_the_largest_number_is_said_as_such_before_a_later_bad_value():
    """The values are added in order: a total that overflows is named as the total, even
    when an issue further on holds a value that is not finite."""
    issues = [Issue("C-1", "done", numbers={"cost": 1e308}),
              Issue("C-2", "done", numbers={"cost": 1e308}),
              Issue("C-3", "done", numbers={"cost": math.inf})]
    with pytest.raises(KRError, match="the sum of Cost is not a finite number"):
        compute(Metric(Kind.SUM, "Cost"), issues)
    with pytest.raises(KRError, match=r"Cost of C-3 is not a finite number \(inf\)"):
        compute(Metric(Kind.SUM, "Cost"), issues[1:])


def test_values_that_are_not_numbers_fail_the_kr_never_count_as_nothing():
    bad_points = Issue("A-6", "done", unreadable=frozenset({"points:Story Points"}))
    for kind in (Kind.POINTS_DONE, Kind.POINTS_RATIO):
        with pytest.raises(KRError, match="Story Points holds something that is not a "
                                          "number on A-6"):
            compute(Metric(kind), [*ISSUES[:3], bad_points])
    bad_revenue = Issue("A-7", "done", unreadable=frozenset({"revenue"}))
    with pytest.raises(KRError, match="Revenue holds something that is not a number on A-7"):
        compute(Metric(Kind.SUM, "Revenue"), [*ISSUES, bad_revenue])
    with pytest.raises(KRError, match="none of the 2 linked issues has a number in Cost"):
        compute(Metric(Kind.SUM, "Cost"), ISSUES[:2])
    with pytest.raises(KRError, match="Story Points is negative on A-8"):
        compute(Metric(Kind.POINTS_DONE), [Issue("A-8", "done", points={"Story Points": -5})])


@pytest.mark.parametrize(("text", "number"), [
    ("1,234.5", 1234.5), ("12,345,678", 12345678.0), ("3", 3.0), ("-2.5", -2.5),
    ("1,5", None), ("12,34", None), ("3 pts", None), ("₩1,000", None), ("1.2만", None),
    ("50%", None), ("", None),
])
def test_a_comma_is_only_ever_a_thousands_separator(text, number):
    assert as_number(text) == number


def test_done_is_the_status_category_never_the_status_name():
    in_progress = Issue("A-1", "indeterminate", status="Done")
    assert compute(Metric(Kind.DONE_COUNT), [in_progress]).value == 0


def test_ratio_of_nothing_is_an_error_not_zero():
    with pytest.raises(KRError):
        compute(Metric(Kind.DONE_RATIO), [])
    assert compute(Metric(Kind.COUNT), []).value == 0


JQL_ISSUES = [
    Issue("PAY-1", "done", status="Closed", project="PAY", labels=("andon",), issuetype="Bug",
          components=("API",), fix_versions=("1.0",), parent="PAY-100"),
    Issue("PAY-2", "new", status="Open", project="PAY", labels=(), issuetype="Story"),
    Issue("CX-1", "indeterminate", status="In Review", project="CX", labels=("andon", "web"),
          issuetype="Story", epic="CX-9"),
]


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("project = PAY", ["PAY-1", "PAY-2"]),
        ("project = pay and labels = ANDON", ["PAY-1"]),
        ("labels in (andon, web) ORDER BY created DESC", ["PAY-1", "CX-1"]),
        ("labels != andon", []),  # as in JIRA: != never matches an empty field
        ("labels not in (web)", ["PAY-1"]),
        ("labels is EMPTY", ["PAY-2"]),
        ("labels is not empty AND NOT project = CX", ["PAY-1"]),
        ("statusCategory = Done", ["PAY-1"]),
        ("statusCategory in ('In Progress', \"To Do\")", ["PAY-2", "CX-1"]),
        ("status = 'in review' OR (issuetype = Bug AND component = API)", ["PAY-1", "CX-1"]),
        ("parent = PAY-100 OR parent = CX-9", ["PAY-1"]),  # parent is not the Epic Link
        ('parent = PAY-100 OR "Epic Link" = CX-9', ["PAY-1", "CX-1"]),
        ("fixVersion = 1.0", ["PAY-1"]),
        ("key in (PAY-2, CX-1)", ["PAY-2", "CX-1"]),
    ],
)
def test_jql_subset(query, keys):
    predicate = compile_jql(query)
    assert [i.key for i in JQL_ISSUES if predicate(i)] == keys


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("assignee = currentUser()", "a JIRA server is needed"),
        ("summary ~ 'pay'", "a JIRA server is needed"),
        ("created > -7d", "a JIRA server is needed"),
        ("project in membersOf('x')", "needs a JIRA server"),
        ("project = ", "ends too early"),
        ("project = PAY AND", "ends too early"),
        ("(project = PAY", "ends too early"),
        ("project = PAY PAY", "unexpected"),
    ],
)
def test_jql_beyond_the_subset_is_a_clear_error(query, message):
    with pytest.raises(KRError, match=message):
        compile_jql(query)


def _export(tmp_path, document, name="export.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_json_export_children_points_and_named_fields(tmp_path):
    path = _export(tmp_path, {
        "names": {"customfield_10016": "Story point estimate", "customfield_2": "Revenue"},
        "issues": [
            issue("P-1", "done", "P-100", customfield_10016=3, customfield_2=100),
            issue("P-2", "indeterminate", "P-100", customfield_10016=5, customfield_2=50),
            issue("P-3", "done", "P-200", customfield_10016=8),
        ],
    })
    source = ExportSource.load(path)
    measured = source.measure([
        (IssueKeys(("P-100",)), Metric(Kind.POINTS_RATIO)),
        (IssueKeys(("P-100", "P-200")), Metric(Kind.DONE_RATIO)),
        (IssueKeys(("P-100",)), Metric(Kind.SUM, "revenue")),
        (IssueKeys(("P-100",)), Metric(Kind.SUM, "customfield_2")),
        (IssueKeys(("P-100",)), Metric(Kind.SUM, "No Such Field")),
        (IssueKeys(("P-999",)), Metric(Kind.COUNT)),
        (Jql("project = P AND statusCategory = Done"), Metric(Kind.COUNT)),
        (Jql("assignee = currentUser()"), Metric(Kind.COUNT)),
        (SavedFilter(1), Metric(Kind.COUNT)),
    ])
    values = [v if isinstance(v, KRError) else v.value for v in measured.values()]
    assert values[:4] == [pytest.approx(37.5), pytest.approx(200 / 3), 150.0, 150.0]
    assert "not in the JIRA export" in str(values[4])
    assert "no child issues of P-999" in str(values[5])
    assert values[6] == 2.0
    assert "JIRA server" in str(values[7])
    assert "saved filters" in str(values[8])


def test_configured_story_points_field_by_name_or_id(tmp_path):
    path = _export(tmp_path, {
        "names": {"customfield_9": "Effort"},
        "issues": [issue("P-1", "done", "P-9", customfield_9=2),
                   issue("P-2", "new", "P-9", customfield_9=6)],
    })
    keys = IssueKeys(("P-9",))
    for configured in ("Effort", "customfield_9"):
        source = ExportSource.load(path, configured)
        assert source.measure([(keys, Metric(Kind.POINTS_RATIO))])[
            (keys, Metric(Kind.POINTS_RATIO))].value == 25.0
    missing = ExportSource.load(path).measure([(keys, Metric(Kind.POINTS_DONE))])
    assert "story_points_field" in str(missing[(keys, Metric(Kind.POINTS_DONE))])


def test_json_export_as_list_of_pages(tmp_path):
    path = _export(tmp_path, [
        {"issues": [issue("P-1", "done", "E-1")], "nextPageToken": "x"},
        {"issues": [issue("P-2", "new", "E-1")]},
    ])
    source = ExportSource.load(path)
    keys = IssueKeys(("E-1",))
    assert source.measure([(keys, Metric(Kind.DONE_RATIO))])[
        (keys, Metric(Kind.DONE_RATIO))].value == 50


CSV = (
    "Summary,Issue key,Issue id,Issue Type,Status,Status Category,Project key,Parent,"
    "Labels,Labels,Custom field (Story Points),Custom field (Epic Link)\n"
    "Epic,PAY-120,10120,Epic,In Progress,In Progress,PAY,,,,,\n"
    "A,PAY-121,10121,Story,Closed,Done,PAY,10120,andon,web,3,\n"
    "B,PAY-122,10122,Story,Open,To Do,PAY,10120,andon,,5,\n"
    "C,PAY-123,10123,Story,완료,완료,PAY,,,,2,PAY-120\n"
)


def test_csv_export(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("\ufeff" + CSV, encoding="utf-8")
    source = ExportSource.load(path)
    keys = IssueKeys(("PAY-120",))
    wanted = [(keys, Metric(Kind.DONE_RATIO)), (keys, Metric(Kind.POINTS_DONE)),
              (Jql("labels = web"), Metric(Kind.COUNT))]
    assert [m.value for m in source.measure(wanted).values()] == [
        pytest.approx(200 / 3), 5.0, 1.0]


def test_csv_without_status_category_counts_but_never_says_done(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Issue key,Issue Type,Status,Project key\nA-1,Story,Done,A\n"
                    "A-2,Story,Open,A\n", encoding="utf-8")
    source = ExportSource.load(path)
    link = Jql("project = A")
    measured = source.measure([(link, Metric(Kind.COUNT)), (link, Metric(Kind.DONE_RATIO))])
    assert measured[(link, Metric(Kind.COUNT))].value == 2.0
    assert "no status category" in str(measured[(link, Metric(Kind.DONE_RATIO))])


@pytest.mark.parametrize("content", ["{not json", '"a string"', '{"issues": [{"nokey": 1}]}'])
def test_broken_json_export(tmp_path, content):
    path = tmp_path / "export.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SourceError):
        ExportSource.load(path)
