"""The tracker as a member sees it: rows, filters, sorting and pages; a social worker's and an IRO's
own lists; who may open it; a fixed number of queries per page; the child's milestones and
timeline picture; the same rows through the API.

Today is Mon 1 March 2027 throughout (``fixed_today``); the children are ``tracker_support``'s
crafted ones in the Permanence Panel and PPTM council.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from text_support import plain
from permanence.core import jobs
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.tracker.services import recompute_council
from sql_support import statements_run
from tracker_support import TODAY, crafted_children, fixed_today, load_seed, recorded_events  # noqa: F401

SLUG = "permanence-panel-pptm"


@pytest.fixture
def pptm(app, fixed_today, make_team, make_user):
    tenant = load_seed(app, SLUG)
    team_a, team_b = make_team(tenant, "Children in Care 1"), make_team(tenant, "Children in Care 2")
    people = {
        "chair": make_user(tenant, ["chair"], name="Chris Chair"),
        "sw": make_user(tenant, ["social_worker"], team=team_a, name="Sam Worker"),
        "sw_b": make_user(tenant, ["social_worker"], team=team_b, name="Alex Other"),
        "iro": make_user(tenant, ["iro"], name="Iris Reviewer"),
        "panel": make_user(tenant, ["panel_member"], name="Pat Panel"),
    }
    with app.app_context(), tenant_context(tenant.id), recorded_events():
        children = crafted_children(team=team_a.id, social_worker=people["sw"].id)
        for child in children:
            if child.case_number in ("PROC-1", "HOME-1", "UNBORN-1"):
                child.team_id, child.social_worker_id = team_b.id, people["sw_b"].id
            if child.case_number in ("PO-1", "CO-1"):
                child.iro_id = people["iro"].id
        db.session.add_all(children)
        db.session.flush()
        recompute_council(TODAY)
        jobs.commit()
        ids = {c.case_number: c.id for c in children}
    return {"tenant": tenant, "people": people, "ids": ids, "teams": (team_a, team_b)}


def cases(html: str) -> list[str]:
    """The case numbers of the tracker's rows, top to bottom."""
    body = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<span class="govuk-body-s">([A-Z0-9-]+)</span></td>', body)


def rows(client, query=""):
    response = client.get(f"/{SLUG}/tracker/{query}")
    assert response.status_code == 200, response.status_code
    return cases(response.get_data(as_text=True))


BY_NEXT_DUE = ["PO-1", "CO-1", "LATE-1", "REVIEWS-1", "HOME-1", "PROC-1", "KIN-1", "KIN-2", "UNBORN-1"]


def test_the_tracker_shows_every_child_soonest_milestone_first(client, login, pptm):
    login(pptm["people"]["chair"])
    html = client.get(f"/{SLUG}/tracker/").get_data(as_text=True)
    assert "9 children, as at 1 March 2027" in html
    # Next milestone due: PO-1's panel within 6 weeks of care (14 Jul 2025) ... the unborn child has none.
    assert cases(html) == BY_NEXT_DUE
    row = html.split("PO-1</span>", 1)[1].split("</tr>", 1)[0]
    assert "Children in Care 1" in row and "Sam Worker" in row and "E1: Placement order" in row
    assert "Adoption" in row and "14 Jul 2025" in row and "Overdue" in row
    assert "Considered at Permanence Panel within 6 weeks of entering care" in row
    assert "2 overdue" in row
    assert f'href="/{SLUG}/children/{pptm["ids"]["PO-1"]}"' in html


@pytest.mark.parametrize("query, expected", [
    ("?sort=next_due&direction=desc", ["KIN-2", "KIN-1", "PROC-1", "HOME-1", "REVIEWS-1", "LATE-1", "CO-1", "PO-1",
                                        "UNBORN-1"]),
    ("?sort=child", ["CO-1", "HOME-1", "KIN-1", "KIN-2", "LATE-1", "PO-1", "PROC-1", "REVIEWS-1", "UNBORN-1"]),
    ("?sort=child&direction=desc", ["UNBORN-1", "REVIEWS-1", "PROC-1", "PO-1", "LATE-1", "KIN-2", "KIN-1", "HOME-1",
                                    "CO-1"]),
    # C1, C2, E1, V2, then children with no legal status (at home, unborn).
    ("?sort=legal_status", ["PROC-1", "REVIEWS-1", "CO-1", "PO-1", "KIN-1", "KIN-2", "LATE-1", "HOME-1", "UNBORN-1"]),
    ("?sort=drift&direction=desc", ["HOME-1", "LATE-1", "PO-1", "CO-1", "REVIEWS-1", "KIN-1", "KIN-2", "PROC-1",
                                    "UNBORN-1"]),
    ("?sort=worker", ["HOME-1", "PROC-1", "UNBORN-1", "CO-1", "KIN-1", "KIN-2", "LATE-1", "PO-1", "REVIEWS-1"]),
    ("?sort=plan_route", ["PO-1", "CO-1", "PROC-1", "HOME-1", "KIN-1", "KIN-2", "LATE-1", "REVIEWS-1", "UNBORN-1"]),
    ("?legal_status=C1", ["REVIEWS-1", "PROC-1"]),
    ("?legal_status=E1", ["PO-1"]),
    ("?plan_route=adoption", ["PO-1"]),
    ("?body=pptm", ["PO-1", "CO-1", "HOME-1", "PROC-1"]),
    ("?body=permanence-panel", ["PO-1", "CO-1", "LATE-1", "REVIEWS-1", "HOME-1", "PROC-1", "KIN-1", "KIN-2",
                                "UNBORN-1"]),
    ("?drift=y", ["PO-1", "CO-1", "LATE-1", "REVIEWS-1", "HOME-1"]),
    ("?drift=y&legal_status=C1", ["REVIEWS-1"]),
])
def test_filters_and_sorting(client, login, pptm, query, expected):
    login(pptm["people"]["chair"])
    assert rows(client, query) == expected


def test_filter_by_team_and_worker(client, login, pptm):
    login(pptm["people"]["chair"])
    team_b = pptm["teams"][1]
    assert rows(client, f"?team={team_b.id}") == ["HOME-1", "PROC-1", "UNBORN-1"]
    assert rows(client, f"?worker={pptm['people']['sw_b'].id}&sort=child") == ["HOME-1", "PROC-1", "UNBORN-1"]
    html = client.get(f"/{SLUG}/tracker/?team={team_b.id}&sort=child").get_data(as_text=True)
    # Sorting keeps the filters, and the column sorted on says so.
    assert f"team={team_b.id}" in html.split('aria-sort="ascending"', 1)[1].split("</th>", 1)[0]


def test_a_filter_value_that_is_not_offered_is_reported(client, login, pptm):
    login(pptm["people"]["chair"])
    response = client.get(f"/{SLUG}/tracker/?legal_status=ZZ&sort=sideways")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem with the filters" in html and "Legal status: Not a valid choice." in html
    assert "Sort: Sort by one of: child, team, worker, legal_status, plan_route, next_due, drift" in html
    assert cases(html) == BY_NEXT_DUE  # the bad filters are left out


def test_a_social_worker_sees_only_their_teams_children_and_their_own_list(client, login, pptm):
    login(pptm["people"]["sw_b"])
    assert rows(client, "?sort=child") == ["HOME-1", "PROC-1", "UNBORN-1"]
    html = client.get(f"/{SLUG}/tracker/mine?sort=child").get_data(as_text=True)
    assert "<h1 class=\"govuk-heading-l\">My children" in html
    assert cases(html) == ["HOME-1", "PROC-1", "UNBORN-1"]
    # Another team's child is a 403 on its page.
    assert client.get(f"/{SLUG}/children/{pptm['ids']['PO-1']}").status_code == 403
    nav = html.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    assert ">Tracker<" in nav and ">My children<" in nav and ">Drift<" not in nav


def test_an_iros_list_is_the_children_they_review(client, login, pptm):
    login(pptm["people"]["iro"])
    html = client.get(f"/{SLUG}/tracker/mine").get_data(as_text=True)
    assert "Children I review" in html
    assert cases(html) == ["PO-1", "CO-1"]


def test_a_panel_member_without_the_tracker_permission_gets_403(client, login, make_token, pptm):
    login(pptm["people"]["panel"])
    assert client.get(f"/{SLUG}/tracker/").status_code == 403
    assert client.get(f"/{SLUG}/tracker/mine").status_code == 403
    _, secret = make_token(pptm["tenant"], pptm["people"]["panel"])
    assert client.get(f"/{SLUG}/api/v1/tracker/", headers={"Authorization": f"Bearer {secret}"}).status_code == 403


def test_the_api_gives_the_same_rows_with_the_same_rules(client, make_token, pptm):
    _, secret = make_token(pptm["tenant"], pptm["people"]["sw_b"])
    headers = {"Authorization": f"Bearer {secret}"}
    data = client.get(f"/{SLUG}/api/v1/tracker/?sort=child", headers=headers).json
    assert [r["case_number"] for r in data] == ["HOME-1", "PROC-1", "UNBORN-1"]
    home = data[0]
    assert (home["team"], home["social_worker"], home["legal_status"], home["open_drift"]) == (
        "Children in Care 2", "Alex Other", None, 2)
    assert home["next_milestone"] == {"rule_id": "panel-within-6-weeks-of-proceedings", "due": "2027-02-23",
                                      "status": "overdue", "label": "Considered at Permanence Panel within 6 weeks "
                                                                    "of proceedings being issued (child at home)"}
    response = client.get(f"/{SLUG}/api/v1/tracker/?legal_status=ZZ&sort=up", headers=headers)
    assert response.status_code == 422
    assert set(response.json["errors"]["query"]) == {"legal_status", "sort"}
    _, chair = make_token(pptm["tenant"], pptm["people"]["chair"])
    data = client.get(f"/{SLUG}/api/v1/tracker/?body=pptm", headers={"Authorization": f"Bearer {chair}"}).json
    assert [r["case_number"] for r in data] == ["PO-1", "CO-1", "HOME-1", "PROC-1"]


def _count_queries(app, client, url):
    with statements_run(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_a_page_loads_in_a_fixed_number_of_queries_and_pages_through(app, client, login, pptm):
    login(pptm["people"]["chair"])
    few, _ = _count_queries(app, client, f"/{SLUG}/tracker/")
    team_a = pptm["teams"][0]
    with app.app_context(), tenant_context(pptm["tenant"].id):
        for n in range(60):
            child = next(c for c in crafted_children(team=team_a.id, social_worker=pptm["people"]["sw"].id)
                         if c.case_number == "PO-1")
            child.case_number = f"MANY-{n:02d}"
            db.session.add(child)
        db.session.flush()
        recompute_council(TODAY)
        jobs.commit()
    many, html = _count_queries(app, client, f"/{SLUG}/tracker/")
    assert many == few
    assert "69 children" in html and len(cases(html)) == 50 and "Page 1 of 2" in html
    assert len(cases(client.get(f"/{SLUG}/tracker/?page=2").get_data(as_text=True))) == 19


def test_the_childs_page_has_the_milestones_and_a_timeline_picture(client, login, pptm):
    login(pptm["people"]["chair"])
    html = client.get(f"/{SLUG}/children/{pptm['ids']['PROC-1']}").get_data(as_text=True)
    table = html.split('id="milestones"', 1)[1].split("</table>", 1)[0]
    rows_ = [re.sub(r"<[^>]+>", " ", plain("<tr" + r)) for r in table.split("<tr")[2:]]
    text = [" ".join(r.split()) for r in rows_]
    assert text[0].startswith("First looked-after review 30 Nov 2026 26 Nov 2026 Achieved Statutory: CPPCR 2010 "
                              "reg 33(1)")
    assert any(t.startswith("PPTM while care proceedings are in place 2 Mar 2027 Due soon Tracking meeting "
                            "cadence: 3.5 Frequency of Permanence Planning Tracking Meetings") for t in text)
    assert any(t.startswith("Care proceedings concluded (week 26) 3 May 2027 Upcoming Statutory: Children Act "
                            "1989 s32(1)(a)") for t in text)
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg and 'aria-labelledby="timeline-title timeline-desc"' in svg
    assert "<title id=\"timeline-title\">Timeline of Fictional Proc1 from November 2026 to September 2027</title>" in svg
    for mark in ("2 March 2027: PPTM while care proceedings are in place: due",
                 "26 November 2026: Looked-after review", "2 November 2026: Care proceedings issued",
                 "3 May 2027: Week 26 of proceedings", "10 December 2026: Considered at Permanence Panel within 6 "
                                                       "weeks of entering care: achieved"):
        assert f"<title>{mark}" in svg, mark
    assert svg.count("<circle") + svg.count("<rect") == len(re.findall(r"<g class=\"app-timeline__mark", svg))
    alternative = html.split("Timeline as a table", 1)[1].split("</table>", 1)[0]
    assert "20 Feb 2027" in alternative and "Looked-after review" in alternative


def test_the_timeline_takes_entries_from_any_source(client, login, pptm):
    from permanence.tracker.timeline import TimelineEntry, register_timeline_source, unregister_timeline_source

    def meetings(child, today):
        return [TimelineEntry(date(2027, 2, 16), "Meetings", "Permanence panel", "done")]

    register_timeline_source(meetings)
    try:
        login(pptm["people"]["chair"])
        html = client.get(f"/{SLUG}/children/{pptm['ids']['LATE-1']}").get_data(as_text=True)
    finally:
        unregister_timeline_source(meetings)
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert ">Meetings</text>" in svg and "<title>16 February 2027: Permanence panel</title>" in svg


def test_a_child_with_nothing_dated_says_so(client, login, pptm):
    login(pptm["people"]["chair"])
    html = client.get(f"/{SLUG}/children/{pptm['ids']['UNBORN-1']}").get_data(as_text=True)
    assert "No timescale of the terms of reference applies to this child yet." in html
    assert "Nothing dated is recorded for this child yet." in html


def test_children_are_read_through_the_object_rules_on_the_api(client, make_token, pptm):
    _, secret = make_token(pptm["tenant"], pptm["people"]["sw"])
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"/{SLUG}/api/v1/children/{pptm['ids']['PROC-1']}/milestones", headers=headers).status_code == 403
    data = client.get(f"/{SLUG}/api/v1/children/{pptm['ids']['KIN-2']}/milestones", headers=headers).json
    assert [(m["rule_id"], m["due"], m["status"]) for m in data] == [
        ("first-review", "2027-03-31", "upcoming"), ("panel-within-6-weeks-of-care", "2027-04-12", "upcoming")]
