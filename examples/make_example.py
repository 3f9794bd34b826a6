"""Rebuild the bundled example: the blog's OKR dashboard and a JIRA export for it.

    python examples/make_example.py

The workbook follows the dashboard shown at WOOWACON 2024: a Korean two-row
header (`목표` over `시작값 | 목표값`, `분기별 데이터` over `1Q … 4Q`), departments
and objectives merged down, values typed as people type them, plus the JIRA
columns okrsync adds. The export is JSON as JIRA's REST search returns it.
"""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

HERE = Path(__file__).parent

HEADER_TOP = ["부서", "목표", "Key Result", "Key Result 설명", "Key Result 히스토리", "담당자",
              "목표", None, "분기별 데이터", None, None, None, "목표값 대비 달성률",
              "JIRA 연동", "JIRA 기준", "상태", "마지막 동기화", "비고"]
HEADER_SUB = [None, None, None, None, None, None, "시작값", "목표값", "1Q", "2Q", "3Q", "4Q",
              None, None, None, None, None, None]

# (department, objective, KR, description, history, owner, start, target, q1..q4, jira, metric)
ROWS: list[tuple[object, ...]] = [
    ("CX실", "최고의 사용자 경험을 제공하는 배달 앱 만들기",
     "앱 사용자 만족도 점수 4.5점 이상 달성", "앱 리뷰·설문 평균 점수", "2Q 설문 문항 개편",
     "김민지", "4.0점", "4.5점", "4.1점", "4.2점", None, None, None, None),
    (None, None, "주문 완료까지 평균 소요 시간 3분 이하로 단축", "주문 시작→결제 완료 중앙값",
     None, "이도윤", "5분", "3분", "4.6분", "4.1분", None, None, None, None),
    (None, None, "월간 활성 사용자 수 20% 증가", "전년 말 MAU 대비 증가율", None, "박서준",
     "0%", "20%", "5%", "9%", None, None, None, None),
    (None, "고객 문의를 빠르게 해결한다", "상담 자동화 에픽 완료", "챗봇 1차 응대 자동화",
     None, "최유나", 0.0, 1.0, 0.2, 0.45, None, None, "CX-100", "완료율"),
    None,
    ("결제실", "결제 안정성을 높인다", "결제 실패율 1% 이하로 낮추기", "PG 오류 포함 실패율",
     "1Q PG사 추가", "정하은", "2.5%", "1%", "2.1%", "1.8%", None, None, None, None),
    (None, None, "간편결제 리뉴얼 스토리 포인트 완료", "리뉴얼 에픽의 포인트 기준", None,
     "한지호", "0%", "100%", "15%", "40%", None, None, "PAY-120", "points_ratio"),
    (None, None, "결제 장애 자동 대응(Andon) 12건 구축", "andon 라벨 작업 완료 수", None,
     "정하은", 0, 12, 2, 5, None, None, "project = PAY AND labels = andon", "done_count"),
    None,
    ("플랫폼실", "개발 생산성을 높인다", "배포 리드타임 1일 이하", "PR 머지→운영 배포",
     None, "오세린", "3일", "1일", "2.5일", "2일", None, None, None, None),
    (None, None, "레거시 플랫폼 이관 완료", "이관 에픽 두 개의 하위 작업", None, "윤태오",
     "0%", "100%", "10%", "30%", None, None, "PLAT-7, PLAT-8", None),
]

PERCENT_ROWS = {"상담 자동화 에픽 완료"}


def build_workbook(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "2024 OKR"
    sheet["A1"] = "2024 OKR 대시보드"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells("A1:F1")
    grey = PatternFill("solid", fgColor="FFD9D9D9")
    thin = Side(style="thin", color="FF999999")
    for col, (top, sub) in enumerate(zip(HEADER_TOP, HEADER_SUB, strict=True), start=1):
        for row, text in ((3, top), (4, sub)):
            cell = sheet.cell(row, col, text)
            cell.font = Font(bold=True)
            cell.fill = grey
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for col in (1, 2, 3, 4, 5, 6, 13, 14, 15, 16, 17, 18):
        sheet.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    sheet.merge_cells("G3:H3")
    sheet.merge_cells("I3:L3")
    row = 5
    groups: dict[int, list[int]] = {1: [], 2: []}
    for item in ROWS:
        if item is None:
            row += 1
            continue
        (department, objective, kr, description, history, owner, start, target,
         q1, q2, q3, q4, jira, metric) = item
        values = [department, objective, kr, description, history, owner, start, target,
                  q1, q2, q3, q4, None, jira, metric, None, None, None]
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row, col, value)
            cell.alignment = Alignment(vertical="center", wrap_text=col in (2, 3, 4))
            if kr in PERCENT_ROWS and 7 <= col <= 12:
                cell.number_format = "0%"
        for col in (1, 2):
            if values[col - 1]:
                groups[col].append(row)
        row += 1
    last = row - 1
    # Department and objective cells merged down over their KRs, as in the blog.
    for col, starts in groups.items():
        for index, first in enumerate(starts):
            end = (starts[index + 1] - 1) if index + 1 < len(starts) else last
            while end > first and sheet.cell(end, 3).value is None:
                end -= 1
            if end > first:
                sheet.merge_cells(start_row=first, start_column=col, end_row=end, end_column=col)
    sheet.cell(last + 2, 1, "※ 달성률 = (현재값 − 시작값) ÷ (목표값 − 시작값). "
               "분기 셀 색은 그 분기의 달성률을 나타냅니다.")
    sheet.merge_cells(start_row=last + 2, start_column=1, end_row=last + 2, end_column=8)
    sheet.cell(5, 18, "=COUNTA(C5:C20)&\"개 KR\"")
    widths = [10, 26, 34, 24, 20, 8, 8, 8, 7, 7, 7, 7, 12, 30, 12, 28, 16, 12]
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = "D5"
    notes = book.create_sheet("운영 가이드")
    notes["A1"] = "매주 월요일 OKR 리뷰 전에 okrsync pull을 실행합니다."
    notes["A2"] = "JIRA 연동 열: 에픽 키(PAY-120), 여러 키, JQL 또는 filter=번호"
    book.save(path)


SITE = "https://example.atlassian.net"
CATEGORIES = {"new": (2, "blue-gray", "해야 할 일"), "indeterminate": (4, "yellow", "진행 중"),
              "done": (3, "green", "완료")}
TYPES = {"Epic": ("10000", 1), "Story": ("10001", 0)}
ids: dict[str, str] = {}


def issue_id(key: str) -> str:
    return ids.setdefault(key, str(10001 + len(ids)))


def status(category: str, name: str | None = None) -> dict[str, object]:
    number, color, label = CATEGORIES[category]
    return {"self": f"{SITE}/rest/api/3/status/{number}", "description": "",
            "iconUrl": f"{SITE}/", "name": name or label, "id": str(number),
            "statusCategory": {"self": f"{SITE}/rest/api/3/statuscategory/{number}",
                               "id": number, "key": category, "colorName": color,
                               "name": label}}


def issuetype(name: str) -> dict[str, object]:
    type_id, level = TYPES[name]
    return {"self": f"{SITE}/rest/api/3/issuetype/{type_id}", "id": type_id,
            "description": "", "iconUrl": f"{SITE}/", "name": name, "subtask": False,
            "avatarId": 10307, "hierarchyLevel": level}


def issue(key: str, category: str, *, parent: str | None = None, labels: tuple[str, ...] = (),
          points: float | None = None, kind: str = "Story", summary: str | None = None,
          ) -> dict[str, object]:
    """One issue as JIRA Cloud's /rest/api/3/search/jql returns it with fields=*all."""
    project = key.split("-")[0]
    fields: dict[str, object] = {
        "summary": summary or f"{key} 작업",
        "status": status(category),
        "project": {"self": f"{SITE}/rest/api/3/project/{project}", "id": issue_id(project),
                    "key": project, "name": project, "projectTypeKey": "software",
                    "simplified": False},
        "issuetype": issuetype(kind),
        "labels": list(labels),
        "customfield_10016": points,
        "customfield_10014": None,
    }
    if parent:
        fields["parent"] = {"id": issue_id(parent), "key": parent,
                            "self": f"{SITE}/rest/api/3/issue/{issue_id(parent)}",
                            "fields": {"summary": f"{parent} 에픽",
                                       "status": status("indeterminate"),
                                       "issuetype": issuetype("Epic")}}
    return {"expand": "renderedFields,names,schema,operations,editmeta,changelog",
            "id": issue_id(key), "self": f"{SITE}/rest/api/3/issue/{issue_id(key)}",
            "key": key, "fields": fields}


def build_export(path: Path, *, week: int = 0) -> None:
    """The answer of GET /rest/api/3/search/jql?jql=project in (CX, PAY, PLAT)
    &fields=*all&expand=names, as one page; `week` 1 is a week later, when three more
    stories of CX-100 are done (the README's walkthrough)."""
    issues = [issue(epic, "indeterminate", kind="Epic", summary=f"{epic} 에픽")
              for epic in ("CX-100", "PAY-120", "PLAT-7", "PLAT-8")]
    # CX-100: 20 children, 11 done → 55% (a week later 14 → 70%).
    done = 11 + 3 * week
    for n in range(1, 21):
        issues.append(issue(f"CX-{100 + n}", "done" if n <= done else "indeterminate",
                            parent="CX-100"))
    # PAY-120: story points 3,5,8,... half done by points.
    points = [3, 5, 8, 5, 3, 8, 5, 3]
    for n, value in enumerate(points, start=1):
        issues.append(issue(f"PAY-{120 + n}", "done" if n <= 5 else "new", parent="PAY-120",
                            points=value))
    # Andon automation: 7 done out of 10 labelled issues.
    for n in range(1, 11):
        issues.append(issue(f"PAY-{200 + n}", "done" if n <= 7 else "indeterminate",
                            labels=("andon", "payments")))
    # Platform migration over two epics: 9 of 20 done.
    for n in range(1, 11):
        issues.append(issue(f"PLAT-{10 + n}", "done" if n <= 6 else "new", parent="PLAT-7"))
        issues.append(issue(f"PLAT-{30 + n}", "done" if n <= 3 else "new", parent="PLAT-8"))
    document = {
        "issues": issues,
        "names": {"summary": "요약", "status": "상태", "project": "프로젝트",
                  "issuetype": "이슈 유형", "labels": "레이블", "parent": "상위 항목",
                  "customfield_10016": "Story point estimate", "customfield_10014": "Epic Link"},
        "isLast": True,
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    build_workbook(HERE / "okr-dashboard.xlsx")
    build_export(HERE / "jira-export.json")
    build_export(HERE / "jira-export-next-week.json", week=1)
    print("wrote", HERE / "okr-dashboard.xlsx", HERE / "jira-export.json", "and",
          HERE / "jira-export-next-week.json")
