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
    "permanence-panel-pptm": {("new-to-care", "REVIEWS-1"), ("children-at-home-in-proceedings", "HOME-1"),
                              ("full-care-orders", "CO-1")},
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
    page = client.get(f"/redbridge/meetings/{meeting_id}/referrals")
    assert page.status_code == 200
    assert "Cohort rule<span class=\"govuk-visually-hidden\">" in page.text
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
    assert "performance_cohort plugin" in next(iter(made))[2]
    assert listed.id in {r.child_id for r in items_of(app, tenant)}


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
