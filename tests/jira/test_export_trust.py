"""An export okrsync cannot stand behind never becomes a number (real JIRA shapes,
from tests/fixtures/jira/, whose README says where each shape was seen)."""

import copy
import json
from pathlib import Path

import pytest

from okrsync.errors import KRError, SourceError
from okrsync.jira.export import ExportSource
from okrsync.jira.links import IssueKeys, Jql
from okrsync.jira.metrics import Kind, Metric

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "jira"


def load(name: str, points: str | None = None) -> ExportSource:
    return ExportSource.load(FIXTURES / name, points, shown=name)


def measure(source: ExportSource, link, kind: Kind, field: str | None = None):
    """The value of the metric over the link's issues, or the KR's problem."""
    metric = Metric(kind, field)
    found = source.measure([(link, metric)])[(link, metric)]
    return found if isinstance(found, KRError) else found.value


def saved(tmp_path: Path, document) -> Path:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_classic_epic_without_names_counts_its_epic_link_children():
    # JIRA Server 7, no expand=names: two stories hang on Epic Link (customfield_10301
    # on that site), one sub-task on parent. All three count; never just the sub-task.
    source = load("server7-epic-no-names.json")
    epic = IssueKeys(("JUZT-21",))
    assert measure(source, epic, Kind.COUNT) == 3
    assert measure(source, epic, Kind.DONE_RATIO) == pytest.approx(100 / 3)
    assert measure(source, Jql('"Epic Link" = JUZT-21'), Kind.COUNT) == 2


def test_an_epic_whose_link_field_cannot_be_told_is_a_problem_never_zero(tmp_path):
    document = json.loads((FIXTURES / "server7-epic-no-names.json").read_text())
    for item in document["issues"]:  # a second field that holds issue keys
        if item["fields"].get("customfield_10301"):
            item["fields"]["customfield_10999"] = "JUZT-24"
    source = ExportSource.load(saved(tmp_path, document))
    for link in (IssueKeys(("JUZT-21",)), Jql('"Epic Link" = JUZT-21')):
        answer = measure(source, link, Kind.DONE_RATIO)
        assert isinstance(answer, KRError)
        assert "customfield_10301, customfield_10999" in str(answer)
        assert "expand=names" in str(answer)


def test_without_status_categories_done_is_never_guessed():
    source = load("server-no-status-category.json")
    link = Jql(f"project = {source.all[0].project}")
    for kind in (Kind.DONE_RATIO, Kind.DONE_COUNT):
        answer = measure(source, link, kind)
        assert isinstance(answer, KRError) and "status category" in str(answer)
    assert measure(source, link, Kind.COUNT) == len(source.all)
    assert isinstance(measure(source, Jql("statusCategory = Done"), Kind.COUNT), KRError)



@pytest.mark.parametrize("odd", [["done"], {"key": "done"}, None])
def test_a_status_category_no_jira_sends_is_no_category_never_a_crash(tmp_path, odd):
    """A category key that is a list, an object or null (a broken proxy, a
    hand-edited file): that issue has no status category, so done is not counted for
    its link; the file is still read."""
    document = json.loads((FIXTURES / "server7-epic-no-names.json").read_text())
    document["issues"][0]["fields"]["status"]["statusCategory"] = {"key": odd}
    source = ExportSource.load(saved(tmp_path, document))
    link = Jql(f"project = {source.all[0].project}")
    answer = measure(source, link, Kind.DONE_RATIO)
    assert isinstance(answer, KRError) and "status category" in str(answer)
    assert measure(source, link, Kind.COUNT) == len(source.all)

def test_story_points_come_from_the_field_that_holds_them():
    source = load("cloud-two-story-point-fields.json")
    epic = IssueKeys(("TMSP-70",))
    assert measure(source, epic, Kind.POINTS_RATIO) == pytest.approx(30.0)
    both = measure(load("cloud-two-story-point-fields-both.json"), epic, Kind.POINTS_RATIO)
    assert isinstance(both, KRError)
    assert "Story Points (customfield_10035)" in str(both)
    assert "Story point estimate (customfield_10016)" in str(both)
    assert "[jira] story_points_field" in str(both)
    chosen = load("cloud-two-story-point-fields-both.json", "Story point estimate")
    assert measure(chosen, epic, Kind.POINTS_RATIO) == pytest.approx(30.0)


def test_a_csv_with_both_story_point_columns_uses_the_one_with_values():
    source = load("all-fields-export.csv")
    assert set(source.contents.points.values()) == {"Story Points", "Story point estimate"}
    epic = next(key for key in source.contents.epics if source.children.get(key))
    answer = measure(source, IssueKeys((epic,)), Kind.POINTS_DONE)
    assert not isinstance(answer, KRError)


@pytest.mark.parametrize("query", ["id = 46025", "key = 46025", "issuekey = 46025",
                                   "key = DI-127"])
def test_jql_by_issue_id_on_an_export(query):
    assert measure(load("all-fields-export.csv"), Jql(query), Kind.COUNT) == 1


def test_jql_by_parent_id_on_an_export():
    source = load("all-fields-export.csv")
    child = next(issue for issue in source.all if issue.parent_id)
    expected = sum(1 for issue in source.all if issue.parent == child.parent)
    assert measure(source, Jql(f"parent = {child.parent_id}"), Kind.COUNT) == expected


@pytest.mark.parametrize("query", ["key = DI-99999", "id = 1", "parent = NOPE-1",
                                   "project = NOPE"])
def test_jql_naming_what_the_export_does_not_hold_is_a_problem(query):
    answer = measure(load("all-fields-export.csv"), Jql(query), Kind.COUNT)
    assert isinstance(answer, KRError) and "not in the JIRA export" in str(answer) or (
        "has no issue in the JIRA export" in str(answer))


@pytest.mark.parametrize(("name", "message"), [
    ("error-response.json", "The value 'DPX' does not exist for the field 'project'"),
    ("not-a-search.json", "not a JIRA search result"),
])
def test_a_file_that_is_not_a_search_result_stops_the_pull(name, message):
    with pytest.raises(SourceError, match=message):
        load(name)


def test_a_search_saved_without_all_its_pages_stops_the_pull(tmp_path):
    document = json.loads((FIXTURES / "server7-epic-no-names.json").read_text())
    document["total"] = 120
    with pytest.raises(SourceError, match="5 of the 120 issues"):
        ExportSource.load(saved(tmp_path, document))
    pages = json.loads((FIXTURES / "cloud-two-pages.json").read_text())
    with pytest.raises(SourceError, match="nextPageToken"):
        ExportSource.load(saved(tmp_path, pages[:1]))
    assert ExportSource.load(saved(tmp_path, pages)).all


def test_duplicate_keys_count_once_and_contradicting_copies_are_reported(tmp_path):
    pages = json.loads((FIXTURES / "cloud-two-pages.json").read_text())
    repeated = copy.deepcopy(pages[1]["issues"][0])
    pages[0]["issues"].append(repeated)  # overlapping pages: the same issue twice
    source = ExportSource.load(saved(tmp_path, pages))
    key = repeated["key"]
    assert measure(source, Jql(f"key = {key}"), Kind.COUNT) == 1
    changed = copy.deepcopy(repeated)
    changed["fields"]["status"]["statusCategory"]["key"] = (
        "new" if repeated["fields"]["status"]["statusCategory"]["key"] == "done" else "done")
    pages[0]["issues"].append(changed)
    answer = measure(ExportSource.load(saved(tmp_path, pages)), Jql(f"key = {key}"),
                     Kind.COUNT)
    assert isinstance(answer, KRError) and "status category" in str(answer)


@pytest.mark.parametrize("value", [1e308, float("nan"), "Infinity"])
def test_numbers_that_are_not_numbers_are_a_problem(tmp_path, value):
    document = json.loads((FIXTURES / "cloud-two-story-point-fields.json").read_text())
    for item in document["issues"]:  # every child of the epic: 1e308 twice overflows
        if (item["fields"].get("parent") or {}).get("key") == "TMSP-70":
            item["fields"]["customfield_10016"] = value
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document, allow_nan=True), encoding="utf-8")
    answer = measure(ExportSource.load(path), IssueKeys(("TMSP-70",)), Kind.POINTS_RATIO)
    assert isinstance(answer, KRError) and "finite" in str(answer)


@pytest.mark.parametrize("total", ["10", 10.0, -1, True, 10**30])
def test_a_total_jira_would_never_write_stops_the_pull(tmp_path, total):
    # A total that is not a whole count switched the missing-pages check off; a huge one
    # must not be turned into a set of that many numbers.
    document = json.loads((FIXTURES / "server7-epic-no-names.json").read_text())
    document["total"] = total
    message = "5 of the" if total == 10**30 else "total = "
    with pytest.raises(SourceError, match=message):
        ExportSource.load(saved(tmp_path, document))


def test_a_start_jira_would_never_write_stops_the_pull(tmp_path):
    pages = json.loads((FIXTURES / "server7-epic-no-names.json").read_text())
    pages["startAt"] = "0"
    with pytest.raises(SourceError, match="startAt = '0'"):
        ExportSource.load(saved(tmp_path, pages))


def test_a_number_too_long_to_be_one_is_a_file_that_cannot_be_read(tmp_path):
    path = tmp_path / "export.json"
    path.write_text('{"issues": [], "total": ' + "9" * 5000 + "}", encoding="utf-8")
    with pytest.raises(SourceError, match="cannot be read"):
        ExportSource.load(path)


def test_an_issue_without_its_fields_object_is_not_a_search_result(tmp_path):
    document = json.loads((FIXTURES / "server7-epic-no-names.json").read_text())
    del document["issues"][1]["fields"]
    with pytest.raises(SourceError, match="has no fields object"):
        ExportSource.load(saved(tmp_path, document))


CSV_HEADER = ("Summary,Issue key,Issue id,Issue Type,Status,Custom field (Story point "
              "estimate),Parent,Parent key,Status Category\n")


def test_a_csv_row_cut_short_stops_the_pull_naming_its_line(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(CSV_HEADER + "a,EP-2,2,Story,Done,3,1,EP-1,Done\nb,EP-3,3,Story,To Do\n",
                    encoding="utf-8")
    with pytest.raises(SourceError, match="line 3 .* has 5 cells where the header has 9"):
        ExportSource.load(path)


@pytest.mark.parametrize("encoding", ["utf-16", "cp949"])
def test_a_csv_saved_again_by_excel_in_korea_is_read(tmp_path, encoding):
    path = tmp_path / "export.csv"
    path.write_bytes((CSV_HEADER + "결제 개선,EP-2,2,Story,완료,3,1,EP-1,Done\n"
                      "리뉴얼,EP-3,3,Story,해야 할 일,5,1,EP-1,To Do\n").encode(encoding))
    source = ExportSource.load(path)
    assert [issue.summary for issue in source.all] == ["결제 개선", "리뉴얼"]
    assert measure(source, Jql("key in (EP-2, EP-3)"), Kind.POINTS_DONE) == 3


def test_an_export_path_that_is_a_folder_says_so(tmp_path):
    with pytest.raises(SourceError, match=r"\[jira\] export: sub is a folder"):
        ExportSource.load(tmp_path, shown="sub")


@pytest.mark.parametrize("value", [True, {"value": 3}, "3 pts", [3]])
def test_story_points_that_are_not_numbers_fail_the_kr(tmp_path, value):
    document = json.loads((FIXTURES / "cloud-two-story-point-fields.json").read_text())
    children = [item for item in document["issues"]
                if (item["fields"].get("parent") or {}).get("key") == "TMSP-70"]
    children[0]["fields"]["customfield_10016"] = value
    source = ExportSource.load(saved(tmp_path, document))
    for kind in (Kind.POINTS_DONE, Kind.POINTS_RATIO):
        answer = measure(source, IssueKeys(("TMSP-70",)), kind)
        assert isinstance(answer, KRError), answer
        assert f"not a number on {children[0]['key']}" in str(answer)


@pytest.mark.parametrize(("points", "revenue", "bad"), [
    ("1,5", "7", "points"),  # a decimal comma, never 15
    ("3", "₩1,000", "revenue"), ("3", "1.2만", "revenue"),
])
def test_a_csv_value_that_is_not_a_plain_number_fails_the_kr(tmp_path, points, revenue, bad):
    path = tmp_path / "export.csv"
    path.write_text("Summary,Issue key,Issue id,Issue Type,Status,Custom field (Story point "
                    "estimate),Custom field (Revenue),Status Category\n"
                    f'a,A-1,1,Story,Done,"{points}","{revenue}",Done\n'
                    'b,A-2,2,Story,Done,2,7,Done\n', encoding="utf-8")
    source = ExportSource.load(path)
    link = Jql("key in (A-1, A-2)")
    answers = {"points": measure(source, link, Kind.POINTS_DONE),
               "revenue": measure(source, link, Kind.SUM, "Revenue")}
    failed = answers.pop(bad)
    assert isinstance(failed, KRError) and "not a number on A-1" in str(failed)
    (other,) = answers.values()
    assert other == pytest.approx(14.0 if bad == "points" else 5.0)
