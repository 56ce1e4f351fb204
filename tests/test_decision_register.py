"""The decision register (issue 16, item 1): every decision of every panel sitting and tracking meeting,
and every decision made between sittings, filtered by body, period, outcome, team, legal status and plan
route on the day, as a page, CSV, XLSX and the API.

The council is seed 001's (the Permanence Panel and the PPTM), given a "Funding requests" part. Today is
Monday 1 March 2027: this quarter is January to March 2027, last quarter October to December 2026, this
financial year 1 April 2026 to 31 March 2027, last financial year 1 April 2025 to 31 March 2026.

Crafted decisions (every name is fictional):

- P1  Permanence Panel, 18 November 2026: Ava (team North), plan ratified, recorded by the administrator,
      next review 17 February 2027. Ava's legal status then: C2 (C1 until 1 September 2026); her primary
      plan: adoption (long-term fostering until 1 October 2026).
- P2  same sitting: the Moss siblings Cara (V2) and Dan (C1), team South, plan changed, escalated, agreed
      by the Group Manager (the service manager's seat) as named decision maker.
- P3  same sitting: Ben, not heard (no decision).
- P4  same sitting: Request, funding, agreed; its decision starts with "=" (a formula if a spreadsheet ran it).
- P5  Permanence Panel, 18 March 2026 (last financial year): Ben (team South, E1, adoption), permanence
      agreed, sign-off by the service manager awaited.
- T1  PPTM for Ava, 10 June 2026: present at panel (C1, long-term fostering on the day).
- T2  PPTM for Ava, 12 January 2027: review again (C2, adoption).
- T3  PPTM for Eve, 2 February 2027: no further review (team North, C2, no plan). Eve is another
      social worker's child.
- U1  Between sittings, 10 February 2027, Permanence Panel, Ava: plan changed.
- Another council has a heard item and a decision between sittings of its own.

The panel administrator sees the eight decisions; Ava's social worker (no team) sees Ava's four.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from permanence.audit.models import AuditEvent
from permanence.cases.models import Child, LegalStatus, PermanencePlan, SiblingGroup
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.panels.models import AgendaItem, ItemStatus, Meeting, UrgentDecision
from permanence.reports import register
from permanence.tor.services import activate_version, active_version, store_version

REPO = Path(__file__).resolve().parents[1]
TODAY = date(2027, 3, 1)
SEED = (REPO / "tenants" / "permanence-panel-pptm" / "tor.yaml").read_text(encoding="utf-8")
FUNDING = """\
      - id: funding
        title: Funding requests
        items: requests
        minutes_per_item: 10
        request_form:
          - {id: what, label: What is asked for, type: long_text, required: true}
        who_may_request: [social-worker, team-manager]
        outcomes: [agreed, not-agreed]
"""
PART_ANCHOR = "    referral:\n      who_may_refer: [social-worker, team-manager]\n      submit_to: Business Support"
OUTCOME_ANCHOR = ("      - {id: permanence-agreed, label: Permanence agreed; monitoring ends, closes_tracking: true, "
                  "source: 2.3 Protocol and Function of Permanence Panel}\n")
OUTCOMES = "      - {id: agreed, label: Funding agreed}\n      - {id: not-agreed, label: Funding not agreed}\n"
FORMULA = '=HYPERLINK("http://example.org","Nursery place agreed for six months")'
HEADINGS = ["Date", "Panel or meeting", "Sitting", "Children", "Case numbers", "Request", "Team",
            "Legal status on the day", "Plan route on the day", "Outcome", "Decision", "Recorded or decided by",
            "Sign-off", "Next review", "Escalated", "Decision record"]


def _tor_text() -> str:
    assert SEED.count(PART_ANCHOR) == 1 and SEED.count(OUTCOME_ANCHOR) == 1
    return SEED.replace(PART_ANCHOR, FUNDING + PART_ANCHOR).replace(OUTCOME_ANCHOR, OUTCOME_ANCHOR + OUTCOMES)


def _council(app, tenant):
    with app.app_context():
        result = store_version(tenant.id, _tor_text(), filename="tor.yaml", loaded_by="cli")
        activate_version(result.version, run_jobs=False)
        commit()


@pytest.fixture
def council(app, make_tenant, make_team, make_user, make_child, travel):
    travel(TODAY)
    tenant = make_tenant("north-vale", "North Vale (fictional)")
    _council(app, tenant)
    north, south = make_team(tenant, "North"), make_team(tenant, "South")
    people = {
        "admin": make_user(tenant, ["panel_administrator"], name="Ada Administrator", email="admin@nv.example.org"),
        "worker": make_user(tenant, ["social_worker"], name="Wes Worker", email="worker@nv.example.org"),
        "other": make_user(tenant, ["social_worker"], name="Olly Other", email="other@nv.example.org"),
        "chair": make_user(tenant, ["chair"], name="Chris Chair", email="chair@nv.example.org"),
        "tenant_admin": make_user(tenant, ["tenant_admin"], name="Tia Admin", email="tia@nv.example.org"),
    }
    ava = make_child(tenant, case_number="NV-0001", first_name="Ava", last_name="Fictional", team=north,
                     social_worker=people["worker"])
    ben = make_child(tenant, case_number="NV-0002", first_name="Ben", last_name="Fictional", team=south)
    eve = make_child(tenant, case_number="NV-0005", first_name="Eve", last_name="Fictional", team=north,
                     social_worker=people["other"])
    ids = {}
    with app.app_context(), tenant_context(tenant.id):
        version = active_version(tenant.id)
        group = SiblingGroup(name="Moss siblings")
        db.session.add(group)
        db.session.flush()
        cara = Child(case_number="NV-0003", first_name="Cara", last_name="Moss", date_of_birth=date(2019, 5, 1),
                     team_id=south.id, sibling_group_id=group.id)
        dan = Child(case_number="NV-0004", first_name="Dan", last_name="Moss", date_of_birth=date(2021, 5, 1),
                    team_id=south.id, sibling_group_id=group.id)
        db.session.add_all([cara, dan])
        db.session.flush()
        db.session.add_all([
            LegalStatus(child_id=ava.id, code="C1", start=date(2026, 1, 1), end=date(2026, 9, 1)),
            LegalStatus(child_id=ava.id, code="C2", start=date(2026, 9, 1)),
            PermanencePlan(child_id=ava.id, route="long_term_fostering", kind="primary", agreed_on=date(2026, 1, 15),
                           ended_on=date(2026, 10, 1), agreed_at="review"),
            PermanencePlan(child_id=ava.id, route="adoption", kind="primary", agreed_on=date(2026, 10, 1),
                           agreed_at="review"),
            PermanencePlan(child_id=ava.id, route="special_guardianship", kind="parallel",
                           agreed_on=date(2026, 10, 1), agreed_at="review"),
            LegalStatus(child_id=ben.id, code="E1", start=date(2025, 6, 1)),
            PermanencePlan(child_id=ben.id, route="adoption", kind="primary", agreed_on=date(2025, 6, 1),
                           agreed_at="review"),
            LegalStatus(child_id=cara.id, code="V2", start=date(2026, 3, 1)),
            LegalStatus(child_id=dan.id, code="C1", start=date(2026, 3, 1)),
            LegalStatus(child_id=eve.id, code="C2", start=date(2026, 1, 1)),
        ])
        admin, chair = people["admin"].id, people["chair"].id

        def meeting(body, day):
            row = Meeting(body_id=body, tor_version_id=version.id, date=day,
                          sitting_date=day if body == "permanence-panel" else None)
            db.session.add(row)
            return row

        november, march = meeting("permanence-panel", date(2026, 11, 18)), meeting("permanence-panel", date(2026, 3, 18))
        t1, t2, t3 = (meeting("pptm", date(2026, 6, 10)), meeting("pptm", date(2027, 1, 12)),
                      meeting("pptm", date(2027, 2, 2)))
        items = {
            "P1": AgendaItem(meeting=november, part_id="plan-ratification", child_id=ava.id, status=ItemStatus.HEARD,
                             outcome_id="plan-ratified", decision="The plan for adoption is ratified.",
                             recorded_by_id=admin, next_review_on=date(2027, 2, 17)),
            "P2": AgendaItem(meeting=november, part_id="plan-ratification", sibling_group_id=group.id,
                             status=ItemStatus.HEARD, outcome_id="plan-changed",
                             decision="The siblings' plan changes to long-term fostering together.",
                             recorded_by_id=admin, escalate=True, escalation_reason="Delay in assessments",
                             sign_off_role="service-manager", sign_off_agreed=True, signed_off_by_id=chair),
            "P3": AgendaItem(meeting=november, part_id="plan-ratification", child_id=ben.id,
                             status=ItemStatus.NOT_HEARD),
            "P4": AgendaItem(meeting=november, part_id="funding", entry_route="request", status=ItemStatus.HEARD,
                             answers={"what": "A nursery place"}, outcome_id="agreed", decision=FORMULA,
                             recorded_by_id=admin),
            "P5": AgendaItem(meeting=march, part_id="plan-ratification", child_id=ben.id, status=ItemStatus.HEARD,
                             outcome_id="permanence-agreed", decision="Permanence through adoption is agreed.",
                             recorded_by_id=admin, sign_off_role="service-manager"),
            "T1": AgendaItem(meeting=t1, part_id="tracking-review", child_id=ava.id, status=ItemStatus.HEARD,
                             outcome_id="present-at-panel", decision="Present Ava's plan at the panel."),
            "T2": AgendaItem(meeting=t2, part_id="tracking-review", child_id=ava.id, status=ItemStatus.HEARD,
                             outcome_id="review-again", decision="Review again in six weeks.",
                             next_review_on=date(2027, 2, 23)),
            "T3": AgendaItem(meeting=t3, part_id="tracking-review", child_id=eve.id, status=ItemStatus.HEARD,
                             outcome_id="no-further-review", decision="No further review is needed."),
        }
        urgent = UrgentDecision(body_id="permanence-panel", tor_version_id=version.id, child_id=ava.id,
                                role_id="service-manager", outcome_id="plan-changed",
                                outcome_label="Permanence plan changed", decision="Move to the new carers now.",
                                why_urgent="The carers gave notice.", decided_on=date(2027, 2, 10), decided_by_id=chair)
        db.session.add_all([*items.values(), urgent])
        commit()
        ids = {key: item.id for key, item in items.items()}
        ids["U1"] = urgent.id
        ids["meetings"] = {"november": november.id, "t1": t1.id}
        ids.update(ava=ava.id, ben=ben.id, cara=cara.id, dan=dan.id, eve=eve.id, north=north.id, south=south.id)
    return {"tenant": tenant, "slug": tenant.slug, "people": people, "ids": ids}


@pytest.fixture
def other_council(app, make_tenant, make_user, make_child):
    """Another council with the same terms of reference, one heard item and one decision between sittings."""
    tenant = make_tenant("south-fold", "South Fold (fictional)")
    _council(app, tenant)
    admin = make_user(tenant, ["panel_administrator"], name="Sol Administrator", email="admin@sf.example.org")
    child = make_child(tenant, case_number="SF-0001", first_name="Zed", last_name="Elsewhere")
    with app.app_context(), tenant_context(tenant.id):
        version = active_version(tenant.id)
        sitting = Meeting(body_id="permanence-panel", tor_version_id=version.id, date=date(2026, 11, 18),
                          sitting_date=date(2026, 11, 18))
        item = AgendaItem(meeting=sitting, part_id="plan-ratification", child_id=child.id, status=ItemStatus.HEARD,
                          outcome_id="plan-ratified", decision="Another council's decision.")
        urgent = UrgentDecision(body_id="permanence-panel", tor_version_id=version.id, child_id=child.id,
                                role_id="service-manager", outcome_id="plan-changed", outcome_label="Plan changed",
                                decided_on=date(2027, 2, 10))
        db.session.add_all([sitting, item, urgent])
        commit()
        return {"tenant": tenant, "admin": admin, "item": item.id, "urgent": urgent.id}


# --- reading the page ------------------------------------------------------------------------------

class _Rows(HTMLParser):
    """The register table's body rows: each a list of cell texts, and each row's links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows, self.links = [], []
        self._in_body = self._cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
            self.links.append([])
        elif self._in_body and tag == "td":
            self._cell = True
            self.rows[-1].append("")
        elif self._in_body and tag == "a":
            self.links[-1].append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "td":
            self._cell = False

    def handle_data(self, data):
        if self._cell:
            self.rows[-1][-1] += data


def _table(response):
    parser = _Rows()
    parser.feed(response.get_data(as_text=True))
    rows = [[" ".join(cell.split()) for cell in row] for row in parser.rows]
    return rows, parser.links


ITEM_KEYS = ("P1", "P2", "P3", "P4", "P5", "T1", "T2", "T3")


def _record_key(council, href: str) -> str:
    """Which crafted decision a decision-record link opens (P1 ... U1; "?" for any other)."""
    ids = council["ids"]
    item = re.search(r"/agenda-items/(\d+)/decision-record$", href)
    if item:
        return {ids[k]: k for k in ITEM_KEYS}.get(int(item.group(1)), "?")
    between = re.search(r"/decisions-between-sittings/(\d+)$", href)
    assert between, href
    return "U1" if int(between.group(1)) == ids["U1"] else "?"


def _listed(client, council, query="") -> list[str]:
    """The decisions the page lists, in its order, by their crafted names."""
    response = client.get(f"/{council['slug']}/decisions/{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    _, links = _table(response)
    return [_record_key(council, row[-1]) for row in links if row]


def _count(response) -> str:
    return re.search(r'<span class="govuk-caption-m">([^<]*)</span>', response.get_data(as_text=True)).group(1)


NEWEST_FIRST = ["U1", "T3", "T2", "P4", "P2", "P1", "T1", "P5"]


def test_the_panel_administrator_sees_every_decision_newest_first_with_its_facts_on_the_day(client, login, council):
    login(council["people"]["admin"])
    response = client.get(f"/{council['slug']}/decisions/")
    assert response.status_code == 200
    assert _count(response) == "8 decisions"
    rows, links = _table(response)
    assert [_record_key(council, row[-1]) for row in links] == NEWEST_FIRST
    by_key = {_record_key(council, link[-1]): row for row, link in zip(rows, links)}
    # Date, body, subject, team, legal status, plan route, outcome, decision, by, sign-off, next review, escalated
    assert by_key["P1"][:12] == [
        "18 Nov 2026", "Permanence Panel", "Ava Fictional (NV-0001)", "North", "C2: Care order", "Adoption",
        "Permanence plan ratified", "The plan for adoption is ratified.", "Ada Administrator", "", "17 Feb 2027", "No"]
    assert by_key["T1"][2:7] == ["Ava Fictional (NV-0001)", "North", "C1: Interim care order", "Long-term fostering",
                                 "Present at Permanence Panel"]
    assert by_key["T1"][1] == "Permanence Planning Tracking Meeting"
    assert by_key["P2"][2:6] == ["Cara Moss (NV-0003), Dan Moss (NV-0004)", "South",
                                 "Cara: V2: Section 20 accommodation; Dan: C1: Interim care order", "No plan"]
    assert by_key["P2"][9:12] == ["Agreed by Service manager", "", "Yes"]
    assert by_key["P4"][2:7] == ["Request " + str(council["ids"]["P4"]), "", "", "", "Funding agreed"]
    assert by_key["P5"][9] == "Awaited from Service manager"
    assert by_key["U1"][1] == "Permanence Panel Between sittings"
    assert by_key["U1"][6:9] == ["Permanence plan changed", "Move to the new carers now.",
                                 "Chris Chair (Service manager)"]
    assert by_key["T3"][2:6] == ["Eve Fictional (NV-0005)", "North", "C2: Care order", "No plan"]
    # The sitting's link: a panel's sitting page, a tracking meeting's own page.
    sittings = {_record_key(council, link[-1]): link[0] for link in links}
    assert sittings["P1"] == f"/{council['slug']}/meetings/{council['ids']['meetings']['november']}"
    assert sittings["T1"] == f"/{council['slug']}/tracking-meetings/{council['ids']['meetings']['t1']}"


def test_every_link_on_the_page_opens(client, login, council):
    """The decision records, the between-sittings decision's page and the meetings all answer 200, for
    the administrator and for the social worker (who sees only their own child's)."""
    for who in ("admin", "worker"):
        login(council["people"][who])
        _, links = _table(client.get(f"/{council['slug']}/decisions/"))
        assert links
        for row in links:
            for href in row:
                assert client.get(href).status_code == 200, (who, href)


def test_a_social_worker_sees_only_their_own_childs_decisions(client, login, council):
    login(council["people"]["worker"])
    response = client.get(f"/{council['slug']}/decisions/")
    assert _count(response) == "4 decisions"
    assert _listed(client, council) == ["U1", "T2", "P1", "T1"]
    text = response.get_data(as_text=True)
    for hidden in ("NV-0002", "NV-0003", "NV-0005", "Moss", "Request "):
        assert hidden not in text


@pytest.mark.parametrize("query, expected", [
    ("?body=pptm", ["T3", "T2", "T1"]),
    ("?body=permanence-panel", ["U1", "P4", "P2", "P1", "P5"]),
    ("?outcome=plan-changed", ["U1", "P2"]),
    ("?body=permanence-panel&outcome=agreed", ["P4"]),
    ("?team={north}", ["U1", "T3", "T2", "P1", "T1"]),
    ("?team={south}", ["P2", "P5"]),
    ("?legal_status=C2", ["U1", "T3", "T2", "P1"]),
    ("?legal_status=C1", ["P2", "T1"]),  # Dan's on the sitting's day; Ava's before 1 September
    ("?legal_status=E1", ["P5"]),
    ("?plan_route=adoption", ["U1", "T2", "P1", "P5"]),
    ("?plan_route=long_term_fostering", ["T1"]),
    ("?plan_route=special_guardianship", []),  # Ava's parallel plan is not her primary plan
    ("?period=this-quarter", ["U1", "T3", "T2"]),
    ("?period=last-quarter", ["P4", "P2", "P1"]),
    ("?period=this-year", ["U1", "T3", "T2", "P4", "P2", "P1", "T1"]),
    ("?period=last-year", ["P5"]),
    ("?from=1/6/2026&to=31/12/2026", ["P4", "P2", "P1", "T1"]),
    ("?from=2026-11-18&to=2026-11-18", ["P4", "P2", "P1"]),
    ("?to=10/6/2026", ["T1", "P5"]),
    ("?body=permanence-panel&legal_status=C2&period=this-year", ["U1", "P1"]),
    ("?team={north}&plan_route=adoption&to=31/12/2026", ["P1"]),
    ("?body=pptm&team={north}&legal_status=C2&from=1/2/2027", ["T3"]),
    ("?team={south}&legal_status=V2", ["P2"]),  # one of the siblings matches
    ("?team={north}&legal_status=V2", []),  # no child of the item is both
])
def test_each_filter_and_combination_lists_exactly_the_right_decisions(client, login, council, query, expected):
    login(council["people"]["admin"])
    query = query.format(north=council["ids"]["north"], south=council["ids"]["south"])
    assert _listed(client, council, query) == expected
    response = client.get(f"/{council['slug']}/decisions/{query}")
    assert _count(response) == f"{len(expected)} decision{'' if len(expected) == 1 else 's'}"


def test_the_filters_offer_the_councils_bodies_the_chosen_bodys_outcomes_and_its_teams(client, login, council):
    login(council["people"]["admin"])
    page = client.get(f"/{council['slug']}/decisions/").get_data(as_text=True)
    assert '<option value="pptm">Permanence Planning Tracking Meeting</option>' in page
    assert '<option value="plan-ratified">Permanence plan ratified</option>' in page  # every body's outcomes
    assert '<option value="review-again">Review again at PPTM</option>' in page
    assert f'<option value="{council["ids"]["north"]}">North</option>' in page
    chosen = client.get(f"/{council['slug']}/decisions/?body=pptm").get_data(as_text=True)
    assert '<option value="pptm" selected>' in chosen
    assert '<option value="review-again">Review again at PPTM</option>' in chosen
    assert "plan-ratified" not in chosen  # only the chosen body's outcomes


@pytest.mark.parametrize("query, message", [
    ("?body=nowhere", "Panel or meeting: 'nowhere' is not one of the council's panels or tracking meetings"),
    ("?body=pptm&outcome=plan-ratified", "Outcome: 'plan-ratified' is not an outcome of Permanence Planning "
                                         "Tracking Meeting"),
    ("?outcome=maybe", "Outcome: 'maybe' is not an outcome of any panel or tracking meeting"),
    ("?team=north", "Team: choose a team from the list"),
    ("?team=999999", "Team: there is no such team in this council"),
    ("?legal_status=Z9", "Legal status: 'Z9' is not an SSDA903 legal status code"),
    ("?plan_route=moon", "Plan route: 'moon' is not a plan route"),
    ("?period=next-week", "Period: choose this quarter, last quarter, this financial year, last financial year"),
    ("?period=this-year&from=1/4/2026", "Period: choose a period or enter From and To dates, not both"),
    ("?from=31/02/2027", "From: the date must be a real date, for example 1/4/2026"),
    ("?to=yesterday", "To: the date must be a real date"),
    ("?from=1/3/2027&to=1/2/2027", "To: the date must be the same as or after the From date"),
    ("?page=0", "Page: the page must be a whole number from 1"),
    ("?page=two", "Page: the page must be a whole number from 1"),
])
def test_a_bad_filter_is_a_clear_message_naming_the_field_not_a_server_error(client, login, council, query,
                                                                              message):
    login(council["people"]["admin"])
    for path in ("",) if "page" in query else ("", "export.csv", "export.xlsx"):  # a download has no pages
        response = client.get(f"/{council['slug']}/decisions/{path}{query}")
        assert response.status_code == 400, (path, query)
        text = response.get_data(as_text=True).replace("&#39;", "'")
        assert "There is a problem with the filters" in text
        assert message in text, text[:3000]
        assert "NV-0001" not in text  # no decisions under filters that cannot be used


def test_a_page_past_the_last_says_so(client, login, council):
    login(council["people"]["admin"])
    response = client.get(f"/{council['slug']}/decisions/?page=2")
    assert response.status_code == 200 and "No decisions on this page." in response.get_data(as_text=True)
    assert _count(response) == "8 decisions"


def test_the_register_needs_panels_view_and_is_in_the_navigation(client, login, council):
    login(council["people"]["tenant_admin"])  # reads no child
    assert client.get(f"/{council['slug']}/decisions/").status_code == 403
    assert client.get(f"/{council['slug']}/decisions/export.csv").status_code == 403
    login(council["people"]["worker"])
    home = client.get(f"/{council['slug']}/").get_data(as_text=True)
    assert f'href="/{council["slug"]}/decisions/"' in home and "Decision register" in home


# --- the downloads ---------------------------------------------------------------------------------

def _csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _keys_of_links(council, links) -> list[str]:
    return [_record_key(council, re.sub(r"^https?://[^/]+", "", link)) for link in links]


def test_the_csv_has_the_headings_and_the_filtered_rows_with_formulas_guarded(app, client, login, council):
    login(council["people"]["admin"])
    response = client.get(f"/{council['slug']}/decisions/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="decisions-north-vale-2027-03-01.csv"'
    rows = _csv(response)
    assert rows[0] == HEADINGS
    assert _keys_of_links(council, [r[-1] for r in rows[1:]]) == NEWEST_FIRST
    by_key = dict(zip(NEWEST_FIRST, rows[1:]))
    assert by_key["P1"][:15] == ["18/11/2026", "Permanence Panel", "Sitting", "Ava Fictional", "NV-0001", "", "North",
                                 "C2: Care order", "Adoption", "Permanence plan ratified",
                                 "The plan for adoption is ratified.", "Ada Administrator", "", "17/02/2027", "No"]
    assert by_key["P1"][15] == f"{app.config['BASE_URL'].rstrip('/')}/north-vale/agenda-items/" \
                               f"{council['ids']['P1']}/decision-record"
    assert by_key["P2"][3:5] == ["Cara Moss, Dan Moss", "NV-0003, NV-0004"]
    assert by_key["P2"][12:15] == ["Agreed by Service manager", "", "Yes"]
    assert by_key["P4"][3:7] == ["", "", f"Request {council['ids']['P4']}", ""]
    assert by_key["P4"][10] == "'" + FORMULA  # a spreadsheet reads it as text, never runs it
    assert by_key["T1"][2] == "Tracking meeting" and by_key["U1"][2] == "Between sittings"
    assert by_key["U1"][15].endswith(f"/north-vale/decisions-between-sittings/{council['ids']['U1']}")
    filtered = _csv(client.get(f"/{council['slug']}/decisions/export.csv?legal_status=C2&period=this-year"))
    assert filtered[0] == HEADINGS
    assert _keys_of_links(council, [r[-1] for r in filtered[1:]]) == ["U1", "T3", "T2", "P1"]


def test_the_xlsx_has_the_headings_real_dates_and_the_filtered_rows(client, login, council):
    login(council["people"]["admin"])
    response = client.get(f"/{council['slug']}/decisions/export.xlsx?body=permanence-panel")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="decisions-north-vale-2027-03-01.xlsx"'
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == HEADINGS
    assert _keys_of_links(council, [r[-1] for r in values[1:]]) == ["U1", "P4", "P2", "P1", "P5"]
    by_key = dict(zip(["U1", "P4", "P2", "P1", "P5"], values[1:]))
    assert by_key["P1"][0].date() == date(2026, 11, 18) and by_key["P1"][13].date() == date(2027, 2, 17)
    assert by_key["P1"][3:10] == ["Ava Fictional", "NV-0001", None, "North", "C2: Care order", "Adoption",
                                  "Permanence plan ratified"]
    assert by_key["P5"][12] == "Awaited from Service manager"
    formula = sheet.cell(row=3, column=11)
    assert formula.value == FORMULA and formula.data_type == "s"  # text, not a formula
    assert sheet.freeze_panes == "A2"


def test_every_download_is_in_the_audit_log_with_the_childrens_read(app, client, login, council):
    login(council["people"]["worker"])
    assert client.get(f"/{council['slug']}/decisions/export.csv?period=this-quarter").status_code == 200
    assert client.get(f"/{council['slug']}/decisions/export.xlsx").status_code == 200
    with app.app_context(), tenant_context(council["tenant"].id):
        exports = db.session.execute(select(AuditEvent).where(AuditEvent.action == "export")
                                     .order_by(AuditEvent.id)).scalars().all()
        reads = db.session.execute(select(AuditEvent).where(AuditEvent.action == "read")
                                   .order_by(AuditEvent.id)).scalars().all()
    assert [(e.entity_type, e.summary, e.actor_id) for e in exports] == [
        ("Child", "Decision register exported as CSV (2 decisions; from 1 January 2027, to 31 March 2027)",
         council["people"]["worker"].id),
        ("Child", "Decision register exported as XLSX (4 decisions; all decisions)", council["people"]["worker"].id)]
    assert reads and all(e.entity_type == "Child" and e.entity_id == str(council["ids"]["ava"]) for e in reads[-2:])


def test_the_page_records_the_read_of_every_child_it_shows(app, client, login, council):
    login(council["people"]["admin"])
    client.get(f"/{council['slug']}/decisions/?team={council['ids']['south']}")
    with app.app_context(), tenant_context(council["tenant"].id):
        event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "read")
                                   .order_by(AuditEvent.id.desc())).scalars().first()
    ids = council["ids"]
    assert set(event.changes["ids"]["Child"]) == {ids["ben"], ids["cara"], ids["dan"]}


# --- the API ---------------------------------------------------------------------------------------

def _api(client, council, secret, query=""):
    return client.get(f"/{council['slug']}/api/v1/decisions{query}", headers={"Authorization": f"Bearer {secret}"})


def _api_keys(council, body) -> list[str]:
    return [_record_key(council, d["decision_record_url"]) for d in body["decisions"]]


def test_the_api_returns_the_same_rows_as_the_page(client, login, council, make_token):
    _, secret = make_token(council["tenant"], council["people"]["admin"])
    body = _api(client, council, secret).get_json()
    assert (body["count"], body["page"], body["pages"]) == (8, 1, 1)
    assert _api_keys(council, body) == NEWEST_FIRST
    p2 = body["decisions"][NEWEST_FIRST.index("P2")]
    assert (p2["kind"], p2["date"], p2["body_id"], p2["outcome_id"], p2["sign_off"], p2["escalated"]) == (
        "item", "2026-11-18", "permanence-panel", "plan-changed", "agreed", True)
    assert [(c["case_number"], c["legal_status"], c["team"]) for c in p2["children"]] == [
        ("NV-0003", "V2", "South"), ("NV-0004", "C1", "South")]
    u1 = body["decisions"][0]
    assert (u1["kind"], u1["meeting_id"], u1["outcome"]) == ("between_sittings", None, "Permanence plan changed")
    for query, expected in [("?body=pptm", ["T3", "T2", "T1"]),
                            ("?legal_status=C1", ["P2", "T1"]),
                            ("?period=last-quarter&team=" + str(council["ids"]["south"]), ["P2"]),
                            ("?from=2026-06-01&to=2026-12-31&plan_route=adoption", ["P1"])]:
        assert _api_keys(council, _api(client, council, secret, query).get_json()) == expected
    login(council["people"]["admin"])
    assert _listed(client, council, "?period=last-quarter&team=" + str(council["ids"]["south"])) == ["P2"]


def test_the_api_pages_and_refuses_bad_filters_naming_them(client, council, make_token):
    _, secret = make_token(council["tenant"], council["people"]["admin"])
    pages = [_api(client, council, secret, f"?per_page=3&page={n}").get_json() for n in (1, 2, 3, 4)]
    assert [p["count"] for p in pages] == [8] * 4 and pages[0]["pages"] == 3
    assert sum((_api_keys(council, p) for p in pages), []) == NEWEST_FIRST
    assert pages[3]["decisions"] == []
    for query, field in [("?body=nowhere", "body"), ("?body=pptm&outcome=agreed", "outcome"), ("?team=999", "team"),
                         ("?legal_status=Z9", "legal_status"), ("?period=soon", "period"), ("?from=31/02/2027", "from"),
                         ("?period=this-year&to=2027-01-01", "period"), ("?from=2027-02-01&to=2027-01-01", "to"),
                         ("?page=0", "page")]:
        response = _api(client, council, secret, query)
        assert response.status_code == 422, query
        assert field in response.get_json()["errors"]["query"], (query, response.get_json())


def test_a_social_workers_token_sees_only_their_own_childs_decisions(client, council, make_token):
    _, secret = make_token(council["tenant"], council["people"]["worker"])
    assert _api_keys(council, _api(client, council, secret).get_json()) == ["U1", "T2", "P1", "T1"]


# --- another council -------------------------------------------------------------------------------

def test_another_councils_decisions_never_appear(app, client, login, council, other_council, make_token):
    login(council["people"]["admin"])
    assert _listed(client, council) == NEWEST_FIRST
    for path in ("", "?body=permanence-panel&period=this-year", "export.csv"):
        text = client.get(f"/{council['slug']}/decisions/{path}").get_data(as_text=True)
        assert "SF-0001" not in text and "Another council" not in text and "Elsewhere" not in text
    _, secret = make_token(council["tenant"], council["people"]["admin"])
    body = _api(client, council, secret).get_json()
    assert body["count"] == 8 and "SF-0001" not in str(body)
    # Nor does the other council see ours; and its page is not ours to open.
    login(other_council["admin"])
    theirs = client.get("/south-fold/decisions/")
    assert _count(theirs) == "2 decisions" and "NV-000" not in theirs.get_data(as_text=True)
    assert client.get(f"/{council['slug']}/decisions/").status_code == 404
    with app.app_context(), tenant_context(other_council["tenant"].id):
        flt = register.DecisionFilter()
        assert register.count_decisions(flt) == 0  # outside a request no member: the object rules show nothing


# --- the periods -----------------------------------------------------------------------------------

@pytest.mark.parametrize("today, period, expected", [
    (date(2027, 3, 1), "this-quarter", (date(2027, 1, 1), date(2027, 3, 31))),
    (date(2027, 3, 1), "last-quarter", (date(2026, 10, 1), date(2026, 12, 31))),
    (date(2027, 3, 1), "this-year", (date(2026, 4, 1), date(2027, 3, 31))),
    (date(2027, 3, 1), "last-year", (date(2025, 4, 1), date(2026, 3, 31))),
    (date(2026, 4, 1), "this-quarter", (date(2026, 4, 1), date(2026, 6, 30))),
    (date(2026, 4, 1), "last-quarter", (date(2026, 1, 1), date(2026, 3, 31))),
    (date(2026, 4, 1), "this-year", (date(2026, 4, 1), date(2027, 3, 31))),
    (date(2026, 3, 31), "this-year", (date(2025, 4, 1), date(2026, 3, 31))),
    (date(2026, 1, 15), "last-quarter", (date(2025, 10, 1), date(2025, 12, 31))),
    (date(2026, 12, 31), "this-quarter", (date(2026, 10, 1), date(2026, 12, 31))),
])
def test_the_quick_periods_follow_the_financial_year(today, period, expected):
    assert register.period_dates(period, today) == expected


def test_a_stored_version_that_no_longer_parses_shows_its_ids_not_an_error(app, client, login, council):
    """One old version the format has left behind (a stand-in text here) does not take the register down:
    its decisions read the body's and outcome's ids."""
    from permanence.tor.versions import TorVersion

    with app.app_context(), tenant_context(council["tenant"].id):
        old = TorVersion(number=99, source_text="format_version: 1\n", checksum="1" * 64, loaded_by="cli")
        db.session.add(old)
        db.session.flush()
        db.session.add(UrgentDecision(body_id="old-panel", tor_version_id=old.id, child_id=council["ids"]["ava"],
                                      role_id="head-of-service", outcome_id="agreed", decided_on=date(2027, 2, 20)))
        commit()
    login(council["people"]["admin"])
    response = client.get(f"/{council['slug']}/decisions/")
    assert response.status_code == 200 and _count(response) == "9 decisions"
    rows, _ = _table(response)
    assert rows[0][:3] == ["20 Feb 2027", "old-panel Between sittings", "Ava Fictional (NV-0001)"]
    assert rows[0][6] == "agreed"
