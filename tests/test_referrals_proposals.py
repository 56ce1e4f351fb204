"""Proposals: the children an agenda part's cohort rule selects (and an enabled plugin adds) are put
to the panel administrator for each sitting, once; the previous meeting's "see again" goes to the
body's next sitting. The crafted children of tracker_support, on Monday 1 March 2027."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from permanence.cases.models import Child, SiblingGroup
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.panels.models import AgendaItem, ItemStatus, Meeting
from permanence.referrals import proposals
from permanence.tracker import services as tracker
from referrals_support import clock, council, item_state, items_of, load_council  # noqa: F401
from tracker_support import TODAY, crafted_children

EXPECTED = {
    # Part 1 (E1, or C1 under five, or an adoption plan); part 4 (not approved as permanent...).
    "knowsley": {("adoption-tracking", "REVIEWS-1"), ("adoption-tracking", "PROC-1"), ("adoption-tracking", "PO-1"),
                 ("scrutiny", "LATE-1"), ("scrutiny", "CO-1"), ("scrutiny", "KIN-1"), ("scrutiny", "KIN-2")},
    # Redbridge's monitoring list, part by part.
    "redbridge": {("early-alerts", "UNBORN-1"), ("new-to-care", "REVIEWS-1"), ("second-review", "PROC-1"),
                  ("awaiting-permanence", "PO-1"), ("awaiting-permanence", "CO-1")},
    # Seed 001's permanence panel.
    # Seed 001's permanence panel; the children accommodated under section 20 (V2), for 2.1's "the use of
    # s20 is monitored".
    "permanence-panel-pptm": {("new-to-care", "REVIEWS-1"), ("children-at-home-in-proceedings", "HOME-1"),
                              ("full-care-orders", "CO-1"), ("section-20", "LATE-1"), ("section-20", "KIN-1"),
                              ("section-20", "KIN-2")},
    # Seed 003's monthly tracking: looked after and not yet in an approved permanent placement.
    "monthly-tracking-overview": {("permanency-tracking", case) for case in
                                  ("REVIEWS-1", "LATE-1", "PROC-1", "PO-1", "CO-1", "KIN-1", "KIN-2")},
}


def _with_crafted_children(app, tenant, **allocation):
    with app.app_context(), tenant_context(tenant.id):
        for child in crafted_children(**allocation):
            db.session.add(child)
        db.session.flush()
        tracker.recompute_children(db.session.execute(select(Child.id)).scalars().all(), TODAY)
        commit()


def _first_meeting(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        return db.session.execute(select(Meeting.id).order_by(Meeting.date)).scalars().first()


def _propose(app, tenant, meeting_id):
    with app.app_context(), tenant_context(tenant.id):
        made = proposals.propose_for_meeting(db.session.get(Meeting, meeting_id), on=TODAY)
        result = {(i.part_id, child.case_number, i.reason) for i in made for child in i.children}
        commit()
        return result


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_cohort_rules_propose_the_children_they_select_once(app, tmp_path, slug):
    tenant = load_council(app, slug, tmp_path)
    _with_crafted_children(app, tenant)
    meeting_id = _first_meeting(app, tenant)
    made = _propose(app, tenant, meeting_id)
    assert {(part, case) for part, case, _ in made} == EXPECTED[slug]
    assert all(": " in reason and len(reason) > 20 for _, _, reason in made)  # the part and its rule in words
    assert _propose(app, tenant, meeting_id) == set()
    rows = items_of(app, tenant)
    assert len(rows) == len(EXPECTED[slug])
    assert all(r.status == ItemStatus.PROPOSED and r.entry_route == "cohort_rule" for r in rows)


def test_the_administrator_accepts_or_dismisses_proposals_and_dismissed_ones_stay_dismissed(
        app, client, login, council):
    c = council("redbridge")
    _with_crafted_children(app, c["tenant"], team=None)
    meeting_id = c["meetings"][0]
    login(c["worker"])
    assert client.get(f"/redbridge/meetings/{meeting_id}/referrals").status_code == 403
    login(c["admin"])
    client.post(f"/redbridge/meetings/{meeting_id}/referrals")  # the page only reads: ask for the proposals
    page = client.get(f"/redbridge/meetings/{meeting_id}/referrals")
    assert page.status_code == 200
    assert "Why proposed<span class=\"govuk-visually-hidden\">" in page.text
    assert "Proposed by: Cohort rule of part &#39;new-to-care&#39;: " in page.text
    assert "New children looked after (initial plan)" in page.text
    rows = {r.part_id: r.id for r in items_of(app, c["tenant"])}
    accepted, dismissed = rows["new-to-care"], rows["second-review"]
    assert client.post(f"/redbridge/referrals/{accepted}/book").status_code == 302
    empty = client.post(f"/redbridge/referrals/{dismissed}/dismiss", data={"reason": ""})
    assert empty.status_code == 400 and "Enter why the proposal is dismissed" in empty.text
    assert client.post(f"/redbridge/referrals/{dismissed}/dismiss",
                       data={"reason": "Reviewed last month"}).status_code == 302
    assert item_state(app, c["tenant"], accepted).status == ItemStatus.BOOKED
    assert item_state(app, c["tenant"], dismissed).status == ItemStatus.DISMISSED
    refreshed = client.post(f"/redbridge/meetings/{meeting_id}/referrals")
    assert refreshed.status_code == 302
    assert "0 new proposals" in client.get(refreshed.headers["Location"]).text
    assert len(items_of(app, c["tenant"])) == len(EXPECTED["redbridge"])
    assert "Reviewed last month" in client.get(f"/redbridge/referrals/{dismissed}").text


def test_opening_the_proposals_page_proposes_nobody(app, client, login, council):
    """A GET only reads: two views of the page (as a crawler's) leave the agenda as it was; the
    button's POST proposes."""
    c = council("redbridge")
    _with_crafted_children(app, c["tenant"], team=None)
    meeting_id = c["meetings"][0]
    login(c["admin"])

    def proposed():
        with app.app_context(), tenant_context(c["tenant"].id):
            return db.session.execute(select(db.func.count()).select_from(AgendaItem)
                                      .where(AgendaItem.status == ItemStatus.PROPOSED)).scalar_one()

    before = proposed()
    for _ in range(2):
        page = client.get(f"/redbridge/meetings/{meeting_id}/referrals")
        assert page.status_code == 200 and "Check for children to propose now" in page.text
    assert proposed() == before == 0
    assert client.post(f"/redbridge/meetings/{meeting_id}/referrals").status_code == 302
    assert proposed() == len(EXPECTED["redbridge"])


def test_a_referred_child_is_not_proposed_and_a_sibling_group_is_one_proposal(app, client, login, council):
    c = council("monthly-tracking-overview")
    _with_crafted_children(app, c["tenant"])
    meeting_id = c["meetings"][0]
    with app.app_context(), tenant_context(c["tenant"].id):
        ids = dict(db.session.execute(select(Child.case_number, Child.id)).all())
        group = SiblingGroup(name="Fictional kin")
        db.session.add(group)
        db.session.flush()
        for case in ("KIN-1", "KIN-2"):
            db.session.get(Child, ids[case]).sibling_group_id = group.id
        db.session.add(AgendaItem(meeting_id=meeting_id, part_id="permanency-tracking", child_id=ids["PO-1"],
                                  status=ItemStatus.SUBMITTED, reason="Referred by hand"))
        # Recomputed on the test's day here, so no job recomputes them on the real date after the commit.
        tracker.recompute_children([ids["KIN-1"], ids["KIN-2"]], TODAY)
        commit()
    made = _propose(app, c["tenant"], meeting_id)
    cases = {case for _, case, _ in made}
    assert "PO-1" not in cases
    assert {"KIN-1", "KIN-2"} <= cases  # both children, on one item
    with app.app_context(), tenant_context(c["tenant"].id):
        grouped = db.session.execute(select(AgendaItem).where(AgendaItem.sibling_group_id.is_not(None))).scalars().all()
        assert len(grouped) == 1 and grouped[0].child_id is None


def test_a_plugin_adds_children_to_its_part(app, tmp_path, make_child):
    tenant = load_council(app, "knowsley", tmp_path)
    listed = make_child(tenant, case_number="DEMO-0004", first_name="Listed", date_of_birth=date(2012, 5, 5))
    made = _propose(app, tenant, _first_meeting(app, tenant))
    assert {(part, case) for part, case, _ in made} == {("scrutiny", "DEMO-0004")}
    assert "residential placement" in next(iter(made))[2]  # the extract's reason column
    item = next(r for r in items_of(app, tenant) if r.child_id == listed.id)
    assert item.proposal_source == "Power BI extract power-bi-scrutiny-cohort.synthetic.csv, row 2"


def test_the_daily_job_proposes_for_the_sittings_of_the_next_eight_weeks(app, tmp_path, clock):
    tenant = load_council(app, "permanence-panel-pptm", tmp_path)
    _with_crafted_children(app, tenant)
    with app.app_context(), tenant_context(tenant.id):
        assert proposals.proposals_job() > 0
        commit()
        rows = db.session.execute(select(AgendaItem.meeting_id, Meeting.date).join(Meeting)).all()
    dates = {d for _, d in rows}
    assert min(dates) == date(2027, 3, 2) and max(dates) <= date(2027, 4, 26)
    assert len(dates) == 4  # fortnightly Tuesdays: 2, 16, 30 March and 13 April (27 April is past 8 weeks)


def test_propose_at_next_sitting_for_knowsleys_agreed_agenda(app, council):
    c = council("knowsley")
    ava = c["children"][0]
    with app.app_context(), tenant_context(c["tenant"].id):
        heard = AgendaItem(meeting_id=c["meetings"][0], part_id="matching-and-approval", child_id=ava.id,
                           status=ItemStatus.HEARD, reason="Match")
        db.session.add(heard)
        db.session.flush()
        first = proposals.propose_at_next_sitting(heard, on_or_after=date(2027, 4, 1), reason="Review the match")
        again = proposals.propose_at_next_sitting(heard, on_or_after=date(2027, 4, 1), reason="Review the match")
        assert again.id == first.id
        assert first.meeting.date == date(2027, 4, 21)  # the third Wednesday of April
        # The part it came from does not take this route: the body's first part that does.
        assert first.part_id == "adoption-tracking"
        assert (first.status, first.entry_route, first.reason) == (
            ItemStatus.PROPOSED, "agreed_at_previous_meeting", "Review the match")
        assert proposals.propose_at_next_sitting(heard, on_or_after=date(2031, 1, 1), reason="x") is None
        commit()
    assert len(items_of(app, c["tenant"])) == 2


def test_a_dismissed_see_again_proposal_is_not_brought_back_by_a_later_edit(app, council):
    c = council("knowsley")
    ava = c["children"][0]
    with app.app_context(), tenant_context(c["tenant"].id):
        heard = AgendaItem(meeting_id=c["meetings"][0], part_id="adoption-tracking", child_id=ava.id,
                           status=ItemStatus.HEARD, reason="Review")
        db.session.add(heard)
        db.session.flush()
        first = proposals.propose_at_next_sitting(heard, on_or_after=date(2027, 4, 1), reason="See again")
        first.status = ItemStatus.DISMISSED
        db.session.flush()
        assert proposals.propose_at_next_sitting(heard, on_or_after=date(2027, 4, 1), reason="See again") is None
        commit()
    assert sorted(i.status for i in items_of(app, c["tenant"])) == sorted([ItemStatus.HEARD, ItemStatus.DISMISSED])


# --- Part 4 from performance data (Knowsley's Power BI extract) ---------------------------------------

@pytest.fixture
def extracts(app, tmp_path, monkeypatch):
    """The tenants folder is ``tmp_path`` for the test, so its extracts lie inside it (the plugin
    reads no file outside the tenants folder)."""
    monkeypatch.setitem(app.config, "TENANTS_FOLDER", str(tmp_path))
    return tmp_path


def _extract(tmp_path, rows: str, name="scrutiny-march.csv"):
    path = tmp_path / name
    path.write_text("case_number,part,reason\n" + rows, encoding="utf-8")
    return path


def _knowsley_with(app, tmp_path, csv_path):
    return load_council(app, "knowsley", tmp_path,
                        changes={"csv: knowsley/power-bi-scrutiny-cohort.synthetic.csv": f"csv: {csv_path.name}"})


def test_each_child_lands_in_the_part_the_extract_names_and_says_which_row_proposed_it(app, tmp_path, extracts):
    csv_path = _extract(tmp_path, "PO-1,scrutiny,Not in a permanent placement\n"
                                  "CO-1,scrutiny,\n"
                                  "KIN-1,placed-with-parents,Placed with family\n"
                                  "UNBORN-1,,Listed without a part\n")
    tenant = _knowsley_with(app, tmp_path, csv_path)
    _with_crafted_children(app, tenant)
    _propose(app, tenant, _first_meeting(app, tenant))
    with app.app_context(), tenant_context(tenant.id):
        rows = {i.children[0].case_number: (i.part_id, i.proposal_source, i.reason)
                for i in db.session.execute(select(AgendaItem)).scalars()}
    extract = "Power BI extract scrutiny-march.csv"
    # Part 1's rule selects PO-1 (a placement order), but the extract names part 4.
    assert rows["PO-1"] == ("scrutiny", f"{extract}, row 2",
                            "Part 4: Scrutiny of plans and placements without a plan of permanency: "
                            "Not in a permanent placement")
    # Both the extract and part 4's own rule select CO-1: both are named.
    assert rows["CO-1"][0] == "scrutiny"
    assert rows["CO-1"][1].startswith(f"{extract}, row 3; Cohort rule of part 'scrutiny': ")
    assert rows["KIN-1"][:2] == ("placed-with-parents", f"{extract}, row 4")
    assert rows["UNBORN-1"][:2] == ("scrutiny", f"{extract}, row 5")  # no part: the plugin's parts
    # A child only a rule selects says which rule.
    assert rows["REVIEWS-1"][0] == "adoption-tracking"
    assert rows["REVIEWS-1"][1].startswith("Cohort rule of part 'adoption-tracking': legal status is E1")


def test_the_extracts_proposals_appear_on_the_proposals_page_the_agenda_item_and_the_api(
        app, tmp_path, client, login, make_user, make_token, make_child, extracts):
    csv_path = _extract(tmp_path, "DEMO-0004,scrutiny,Residential placement\n")
    tenant = _knowsley_with(app, tmp_path, csv_path)
    listed = make_child(tenant, case_number="DEMO-0004", first_name="Listed", last_name="Fictional")
    admin = make_user(tenant, ["panel_administrator"], name="Ada Admin")
    meeting_id = _first_meeting(app, tenant)
    login(admin)
    client.post(f"/knowsley/meetings/{meeting_id}/referrals")  # the page only reads: ask for the proposals
    page = client.get(f"/knowsley/meetings/{meeting_id}/referrals")
    assert page.status_code == 200
    assert "Listed Fictional" in page.text
    assert "Proposed by: Power BI extract scrutiny-march.csv, row 2" in page.text
    item = next(i for i in items_of(app, tenant) if i.child_id == listed.id)
    assert item.part_id == "scrutiny"
    proposal = client.get(f"/knowsley/referrals/{item.id}")
    assert "Proposed by" in proposal.text and "Power BI extract scrutiny-march.csv, row 2" in proposal.text
    _, secret = make_token(tenant, admin)
    headers = {"Authorization": f"Bearer {secret}"}
    listed_api = client.get(f"/knowsley/api/v1/meetings/{meeting_id}/proposals", headers=headers).json
    assert [p["proposal_source"] for p in listed_api] == ["Power BI extract scrutiny-march.csv, row 2"]
    assert client.post(f"/knowsley/referrals/{item.id}/book").status_code == 302  # Knowsley books at once
    agenda_item = client.get(f"/knowsley/agenda-items/{item.id}/papers")
    assert agenda_item.status_code == 200, agenda_item.status_code
    assert "Power BI extract scrutiny-march.csv, row 2" in agenda_item.text
    agenda = client.get(f"/knowsley/api/v1/meetings/{meeting_id}/agenda", headers=headers).json
    rows = [i for part in agenda["parts"] for i in part["items"]]
    assert [(r["entry_route"], r["proposal_source"]) for r in rows] == [
        ("cohort_rule", "Power BI extract scrutiny-march.csv, row 2")]


def test_an_extract_row_naming_an_unknown_part_is_an_error_naming_the_file_row_and_value(
        app, tmp_path, client, login, make_user, make_token, make_child, clock, extracts):
    bad = _extract(tmp_path, "DEMO-0004,scrutiny,\nDEMO-0009,part-5,\n", name="bad.csv")
    with pytest.raises(Exception) as caught:
        _knowsley_with(app, tmp_path, bad)
    assert "bad.csv, row 3: unknown agenda part 'part-5'; parts that take children from cohort rules: " \
           "adoption-tracking, placed-with-parents, scrutiny" in str(caught.value)
    # The extract is replaced after the terms of reference were loaded: the page says what is wrong.
    csv_path = _extract(tmp_path, "DEMO-0004,scrutiny,\n")
    tenant = _knowsley_with(app, tmp_path, csv_path)
    make_child(tenant, case_number="DEMO-0004")
    _with_crafted_children(app, tenant)
    _extract(tmp_path, "DEMO-0004,scrutiny,\nDEMO-0009,matching-and-approval,\n")
    admin = make_user(tenant, ["panel_administrator"])
    meeting_id = _first_meeting(app, tenant)
    login(admin)
    page = client.post(f"/knowsley/meetings/{meeting_id}/referrals")  # the page only reads: ask for the proposals
    assert page.status_code == 200
    assert "Some children could not be proposed" in page.text
    assert page.text.count("row 3: unknown agenda part") == 1  # one extract, several parts: said once
    with app.app_context(), tenant_context(tenant.id):  # the cohort rules still propose theirs
        cases = {c.case_number for i in db.session.execute(select(AgendaItem)).scalars() for c in i.children}
    assert {"REVIEWS-1", "CO-1"} <= cases and "DEMO-0004" not in cases
    assert ("scrutiny-march.csv, row 3: unknown agenda part &#39;matching-and-approval&#39;; parts that take "
            "children from cohort rules: adoption-tracking, placed-with-parents, scrutiny") in page.text
    _, secret = make_token(tenant, admin)
    refreshed = client.post(f"/knowsley/api/v1/meetings/{meeting_id}/proposals/refresh",
                            headers={"Authorization": f"Bearer {secret}"})
    assert refreshed.status_code == 422
    assert "scrutiny-march.csv, row 3: unknown agenda part 'matching-and-approval'" in refreshed.json["message"]
