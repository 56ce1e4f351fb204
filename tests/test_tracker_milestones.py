"""Stored milestones for crafted children under every timescale rule of the five seed councils
(the statutory ones they inherit too), with a fixed today, Monday 1 March 2027; drift for the
overdue ones; recompute without duplicates; one recompute job per commit after a change; the
demo ends with milestones computed.

Due dates are worked out by hand in ``tracker_support`` and below: 20 working days skip weekends
and bank holidays (Good Friday 26 March and Easter Monday 29 March 2027), months follow the
calendar.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from permanence.audit.models import AuditEvent
from permanence.cases.models import Child, LegalStatus, Review
from permanence.core import jobs
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.tracker.models import CohortMember, Drift, Milestone
from permanence.tracker.services import london_today, recompute_council, recompute_milestones
from tracker_support import SLUGS, TODAY, crafted_children, ids_by_case, load_seed, recorded_events

d = date

# (case, rule) -> (due, status, achieved), the same in every council (statutory timescales).
STATUTORY = {
    # Entered care Mon 4 Jan 2027: 20 working days -> Mon 1 Feb; reviewed 28 Jan. Second review 3 months on.
    ("REVIEWS-1", "first-review"): (d(2027, 2, 1), "achieved", d(2027, 1, 28)),
    ("REVIEWS-1", "second-review"): (d(2027, 4, 28), "upcoming", None),
    ("LATE-1", "first-review"): (d(2027, 2, 1), "overdue", None),
    # Entered care Mon 2 Nov 2026: 20 working days -> Mon 30 Nov; reviews 26 Nov and 20 Feb.
    ("PROC-1", "first-review"): (d(2026, 11, 30), "achieved", d(2026, 11, 26)),
    ("PROC-1", "second-review"): (d(2027, 2, 26), "achieved", d(2027, 2, 20)),
    ("PROC-1", "subsequent-reviews"): (d(2027, 8, 20), "upcoming", None),
    # Issued Mon 2 Nov 2026 + 26 weeks = Mon 3 May 2027 (a bank holiday; statutory dates are not moved).
    ("PROC-1", "proceedings-week-26"): (d(2027, 5, 3), "upcoming", None),
    ("HOME-1", "proceedings-week-26"): (d(2027, 7, 13), "upcoming", None),
    ("PO-1", "first-review"): (d(2025, 6, 30), "achieved", d(2025, 6, 25)),
    ("PO-1", "second-review"): (d(2025, 9, 25), "achieved", d(2025, 9, 20)),
    # Latest review 10 Sep 2026 + 6 months = 10 Mar 2027; due soon from 24 Feb (10 working days before).
    ("PO-1", "subsequent-reviews"): (d(2027, 3, 10), "due_soon", None),
    ("PO-1", "proceedings-week-26"): (d(2025, 12, 2), "achieved", d(2025, 12, 1)),
    ("CO-1", "first-review"): (d(2026, 2, 2), "achieved", d(2026, 1, 29)),
    ("CO-1", "second-review"): (d(2026, 4, 29), "achieved", d(2026, 4, 20)),
    ("CO-1", "subsequent-reviews"): (d(2027, 4, 15), "upcoming", None),
    ("CO-1", "proceedings-week-26"): (d(2026, 7, 7), "achieved", d(2026, 6, 1)),
    # Entered care Fri 26 Feb / Mon 1 Mar 2027: 20 working days skip Good Friday and Easter Monday.
    ("KIN-1", "first-review"): (d(2027, 3, 30), "upcoming", None),
    ("KIN-2", "first-review"): (d(2027, 3, 31), "upcoming", None),
}

# Due at the second looked-after review itself (due: {event: review, nth: 2}): REVIEWS-1 has had one
# review, LATE-1, KIN-1 and KIN-2 none, so the milestone waits for the second, with no due date and no
# drift (HOME-1, not looked after, has none); the others' second
# reviews were 20 Feb 2027, 20 Sep 2025 and 20 Apr 2026, plans agreed 20 Feb 2027, 20 Sep 2025 (on
# the day: on time) and 10 May 2026 (late).
PLAN_BY_SECOND_REVIEW = {
    **{(case, "permanence-plan-by-second-review"): (None, "waiting", None)
       for case in ("REVIEWS-1", "LATE-1", "KIN-1", "KIN-2")},
    ("PROC-1", "permanence-plan-by-second-review"): (d(2027, 2, 20), "achieved", d(2027, 2, 20)),
    ("PO-1", "permanence-plan-by-second-review"): (d(2025, 9, 20), "achieved", d(2025, 9, 20)),
    ("CO-1", "permanence-plan-by-second-review"): (d(2026, 4, 20), "achieved_late", d(2026, 5, 10)),
}

OWN = {
    "waltham-forest": {},
    "knowsley": {},
    "monthly-tracking-overview": {
        **PLAN_BY_SECOND_REVIEW,
    },
    "redbridge": {
        # Within 4 weeks of coming into care, after the first review; met by the panel's discussion.
        ("REVIEWS-1", "ptp-initial-plan"): (d(2027, 2, 1), "overdue", None),
        ("LATE-1", "ptp-initial-plan"): (d(2027, 2, 1), "overdue", None),
        ("PROC-1", "ptp-initial-plan"): (d(2026, 11, 30), "achieved_late", d(2026, 12, 10)),
        ("PO-1", "ptp-initial-plan"): (d(2025, 6, 30), "overdue", None),
        ("CO-1", "ptp-initial-plan"): (d(2026, 2, 2), "overdue", None),
        ("KIN-1", "ptp-initial-plan"): (d(2027, 3, 26), "upcoming", None),
        ("KIN-2", "ptp-initial-plan"): (d(2027, 3, 29), "upcoming", None),
        **PLAN_BY_SECOND_REVIEW,
        # Placed with relatives Fri 26 Feb: due the next day, signed off Mon 1 Mar; placed today: due tomorrow.
        ("KIN-1", "viability-assessment-sign-off"): (d(2027, 2, 27), "achieved_late", d(2027, 3, 1)),
        ("KIN-2", "viability-assessment-sign-off"): (d(2027, 3, 2), "due_soon", None),
    },
    "permanence-panel-pptm": {
        # Panel within 6 weeks of entering care (met by the panel's discussion).
        ("REVIEWS-1", "panel-within-6-weeks-of-care"): (d(2027, 2, 15), "overdue", None),
        ("LATE-1", "panel-within-6-weeks-of-care"): (d(2027, 2, 15), "overdue", None),
        ("PROC-1", "panel-within-6-weeks-of-care"): (d(2026, 12, 14), "achieved", d(2026, 12, 10)),
        ("PO-1", "panel-within-6-weeks-of-care"): (d(2025, 7, 14), "overdue", None),
        ("CO-1", "panel-within-6-weeks-of-care"): (d(2026, 2, 16), "overdue", None),
        ("KIN-1", "panel-within-6-weeks-of-care"): (d(2027, 4, 9), "upcoming", None),
        ("KIN-2", "panel-within-6-weeks-of-care"): (d(2027, 4, 12), "upcoming", None),
        # At home: within 6 weeks of proceedings issued 12 Jan 2027.
        ("HOME-1", "panel-within-6-weeks-of-proceedings"): (d(2027, 2, 23), "overdue", None),
        # PPTM cadences: 6 weeks after the PPTM of 19 Jan (or proceedings issued 12 Jan, none held).
        ("PROC-1", "pptm-in-proceedings"): (d(2027, 3, 2), "due_soon", None),
        ("HOME-1", "pptm-in-proceedings"): (d(2027, 2, 23), "overdue", None),
        # Placement order 1 Dec 2025, no PPTM since: 6 weeks later, 12 Jan 2026.
        ("PO-1", "pptm-placement-order"): (d(2026, 1, 12), "overdue", None),
        # Care order, 5 months in placement: 12 weeks after the PPTM of 19 Jan = 13 Apr.
        ("CO-1", "pptm-care-order-new-placement"): (d(2027, 4, 13), "upcoming", None),
    },
}

LADDERS = {"waltham-forest": "corporate-parenting", "permanence-panel-pptm": "senior-management",
           "redbridge": "redbridge-escalation", "monthly-tracking-overview": "senior-manager-smt",
           "knowsley": None}


def _craft(app, tenant, today=TODAY):
    with app.app_context(), tenant_context(tenant.id), recorded_events():
        db.session.add_all(crafted_children())
        db.session.flush()
        recompute_council(today)
        jobs.commit()


def _milestones(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        cases = {v: k for k, v in ids_by_case().items()}
        rows = db.session.execute(select(Milestone)).scalars().all()
        return {(cases[m.child_id], m.rule_id): m for m in rows}


def _open_drift(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        cases = {v: k for k, v in ids_by_case().items()}
        return {(cases[x.child_id], x.rule_id): (x.due, x.opened_on, x.ladder_id, x.level) for x in
                db.session.execute(select(Drift).where(Drift.closed_on.is_(None))).scalars()}


@pytest.mark.parametrize("slug", SLUGS)
def test_every_rule_of_every_seed_gives_exact_due_dates_statuses_and_drift(app, slug):
    tenant = load_seed(app, slug)
    _craft(app, tenant)
    got = _milestones(app, tenant)
    expected = {**STATUTORY, **OWN[slug]}
    assert {key: (m.due, m.status, m.achieved) for key, m in got.items()} == expected
    # Each milestone says which rule produced it.
    assert (got[("LATE-1", "first-review")].rule_origin, got[("LATE-1", "first-review")].rule_source) == \
        ("statutory", "CPPCR 2010 reg 33(1)")
    assert got[("LATE-1", "first-review")].rule_text == "20 working days after the child became looked after"
    for (case, rule_id), m in got.items():
        if (case, rule_id) in OWN[slug]:
            assert m.rule_origin == ("cadence" if rule_id.startswith("pptm-") else "tenant")
            assert m.rule_source
    # Drift: every overdue milestone, opened today on the council's ladder, not yet escalated.
    assert _open_drift(app, tenant) == {
        key: (due, TODAY, LADDERS[slug], 0) for key, (due, status, _) in expected.items() if status == "overdue"}


def test_the_rule_each_milestone_came_from_is_named(app):
    tenant = load_seed(app, "permanence-panel-pptm")
    _craft(app, tenant)
    m = _milestones(app, tenant)
    cadence = m[("PO-1", "pptm-placement-order")]
    assert (cadence.label, cadence.rule_origin, cadence.rule_source) == (
        "PPTM under a placement order", "cadence", "3.5 Frequency of Permanence Planning Tracking Meetings")
    assert cadence.rule_text == ("6 weeks after the most recent tracking meeting, where legal status is E1 "
                                 "(placement order)")
    assert (cadence.anchor_event, cadence.anchor_date) == ("placement_order", d(2025, 12, 1))


def test_cohorts_per_body_follow_the_rules(app):
    tenant = load_seed(app, "permanence-panel-pptm")
    _craft(app, tenant)
    with app.app_context(), tenant_context(tenant.id):
        cases = {v: k for k, v in ids_by_case().items()}
        pptm = {cases[c.child_id] for c in db.session.execute(
            select(CohortMember).where(CohortMember.body_id == "pptm")).scalars()}
    # The PPTM considers children in proceedings, under a placement order, or under a care order in a
    # placement of under 12 months.
    assert pptm == {"PROC-1", "HOME-1", "PO-1", "CO-1"}


def test_recompute_updates_in_place_and_removes_what_no_longer_applies(app):
    tenant = load_seed(app, "redbridge")
    _craft(app, tenant)
    before = _milestones(app, tenant)
    with app.app_context(), tenant_context(tenant.id), recorded_events():
        result = recompute_council(TODAY)
        jobs.commit()
        assert (result.created, result.updated, result.removed) == (0, 0, 0)
        assert db.session.execute(select(func.count()).select_from(Milestone)).scalar_one() == len(before)
        # A week later LATE-1's first review is held (late) and KIN-2's placement changes to U6:
        # the viability timescale no longer applies to KIN-2.
        ids = ids_by_case()
        later = TODAY + timedelta(days=7)
        db.session.add(Review(child_id=ids["LATE-1"], held_on=d(2027, 3, 5)))
        kin2 = db.session.get(Child, ids["KIN-2"])
        kin2.placements[0].place = "U6"
        db.session.flush()
        result = recompute_council(later)
        jobs.commit()
    after = _milestones(app, tenant)
    assert ("KIN-2", "viability-assessment-sign-off") not in after
    late = after[("LATE-1", "first-review")]
    assert (late.status, late.achieved, late.id) == ("achieved_late", d(2027, 3, 5),
                                                    before[("LATE-1", "first-review")].id)
    assert result.removed == 1
    drift = _closed_drift(app, tenant)
    assert drift[("LATE-1", "first-review")] == (d(2027, 3, 8), "Achieved on 5 March 2027")


def _closed_drift(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        cases = {v: k for k, v in ids_by_case().items()}
        return {(cases[x.child_id], x.rule_id): (x.closed_on, x.close_reason) for x in
                db.session.execute(select(Drift).where(Drift.closed_on.is_not(None))).scalars()}


def test_a_tracking_meeting_closes_rolling_drift_and_the_next_is_due(app):
    tenant = load_seed(app, "permanence-panel-pptm")
    _craft(app, tenant)
    events = {"PO-1": {"last_tracking_meeting": d(2027, 3, 3)}}
    with app.app_context(), tenant_context(tenant.id), recorded_events(events):
        recompute_council(d(2027, 3, 4))
        jobs.commit()
    m = _milestones(app, tenant)[("PO-1", "pptm-placement-order")]
    assert (m.due, m.status) == (d(2027, 4, 14), "upcoming")  # 3 Mar + 6 weeks
    assert _closed_drift(app, tenant)[("PO-1", "pptm-placement-order")] == (
        d(2027, 3, 4), "Met; next due 14 April 2027")


def test_milestone_changes_are_audited_but_not_the_nightly_timestamp(app):
    tenant = load_seed(app, "knowsley")
    _craft(app, tenant)
    with app.app_context(), tenant_context(tenant.id):
        count = db.session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_type == "Milestone")).scalar_one()
        assert count == len(STATUTORY)  # one create each
        recompute_council(TODAY)
        jobs.commit()
        assert db.session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_type == "Milestone")).scalar_one() == count
        recompute_council(d(2027, 4, 20))  # REVIEWS-1's second review is now due soon
        jobs.commit()
        event = db.session.execute(select(AuditEvent).where(AuditEvent.entity_type == "Milestone",
                                                            AuditEvent.action == "update")
                                   .order_by(AuditEvent.id)).scalars().first()
        assert event.changes["status"]["after"] in ("due_soon", "overdue")


# --- Recompute when a fact changes ------------------------------------------------------------------

@pytest.fixture
def dispatched(monkeypatch):
    """The jobs dispatched after each commit, in order (they still run as usual)."""
    seen = []
    original = jobs._dispatch

    def record(spec):
        seen.append(spec)
        original(spec)

    monkeypatch.setattr(jobs, "_dispatch", record)
    return seen


def test_one_recompute_job_per_commit_for_every_child_touched(app, dispatched, work_jobs):
    tenant = load_seed(app, "permanence-panel-pptm")
    today = london_today()
    with app.app_context(), tenant_context(tenant.id):
        for n in range(3):
            child = Child(case_number=f"NEW-{n}", first_name="Fictional", last_name=f"New{n}",
                          date_of_birth=d(2020, 1, 1))
            child.legal_statuses.append(LegalStatus(code="E1", start=today - timedelta(days=10)))
            db.session.add(child)
        db.session.flush()
        db.session.add(LegalStatus(child_id=child.id, code="C2", start=today - timedelta(days=200),
                                   end=today - timedelta(days=10)))
        jobs.commit()
    recompute = [s for s in dispatched if s.func.endswith("recompute_children_job")]
    assert len(recompute) == 1 and len(recompute[0].args[0]) == 3 and recompute[0].tenant_id == tenant.id
    work_jobs()
    with app.app_context(), tenant_context(tenant.id):
        dues = db.session.execute(select(Milestone.due).where(Milestone.rule_id == "pptm-placement-order")).scalars()
        # Placement order 10 days ago: the first PPTM 6 weeks after it.
        assert list(dues) == [today - timedelta(days=10) + timedelta(weeks=6)] * 3


def test_a_legal_status_change_through_the_api_recomputes_the_childs_milestones(app, client, make_user, make_token,
                                                                                  work_jobs):
    tenant = load_seed(app, "permanence-panel-pptm")
    worker = make_user(tenant, ["social_worker"])
    today = london_today()
    with app.app_context(), tenant_context(tenant.id):
        child = Child(case_number="API-1", first_name="Fictional", last_name="Api", date_of_birth=d(2021, 1, 1),
                      social_worker_id=worker.id)
        child.legal_statuses.append(LegalStatus(code="C1", start=today - timedelta(days=100)))
        db.session.add(child)
        jobs.commit()
        child_id = child.id
    work_jobs()
    _, secret = make_token(tenant, worker)
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"/{tenant.slug}/api/v1/children/{child_id}/legal-statuses"
    start = today - timedelta(days=5)
    assert client.get(f"/{tenant.slug}/api/v1/children/{child_id}/milestones", headers=headers).json == []

    response = client.post(url, json={"code": "E1"}, headers=headers)
    assert response.status_code == 422
    assert response.json["errors"] == {"json": {"start": ["Enter the date the legal status started"]}}
    response = client.post(url, json={"code": "ZZ", "start": start.isoformat()}, headers=headers)
    assert response.json["errors"] == {"json": {"code": ["Legal status ZZ is not a known SSDA903 code"]}}

    response = client.post(url, json={"code": "E1", "start": start.isoformat()}, headers=headers)
    assert response.status_code == 201, response.json
    work_jobs()
    milestones = client.get(f"/{tenant.slug}/api/v1/children/{child_id}/milestones", headers=headers).json
    assert [(m["rule_id"], m["due"], m["status"], m["rule_origin"]) for m in milestones] == [
        ("pptm-placement-order", (start + timedelta(weeks=6)).isoformat(), "upcoming", "cadence")]
    history = client.get(f"/{tenant.slug}/api/v1/children/{child_id}/history", headers=headers).json
    assert [(s["code"], s["end"]) for s in history["legal_statuses"]] == [("C1", start.isoformat()), ("E1", None)]


def test_a_recompute_in_the_same_transaction_needs_no_job(app, dispatched):
    tenant = load_seed(app, "knowsley")
    _craft(app, tenant)
    assert not [s for s in dispatched if s.func.endswith("recompute_children_job")]


def test_the_nightly_job_is_registered_and_recomputes_each_council(app):
    from permanence.core.schedule import periodic_jobs
    from permanence.tracker.jobs import nightly_tracker_job

    assert [(p.name, p.func) for p in periodic_jobs() if p.name == "tracker-nightly"] == [
        ("tracker-nightly", "permanence.tracker.jobs:nightly_tracker_job")]
    tenant = load_seed(app, "monthly-tracking-overview")
    with app.app_context(), tenant_context(tenant.id):
        db.session.add_all(crafted_children())
        db.session.flush()
        from permanence.tracker.changes import already_recomputed

        already_recomputed(db.session(), tenant.id, ids_by_case().values())  # leave it to the nightly run
        jobs.commit()
        assert db.session.execute(select(func.count()).select_from(Milestone)).scalar_one() == 0
        result = nightly_tracker_job(TODAY.isoformat())
        jobs.commit()
        assert (result["children"], result["created"], result["drift_opened"]) == (9, 25, 1)


def test_a_child_with_no_terms_of_reference_is_left_alone(app, tenant_a, make_child):
    child = make_child(tenant_a)
    with app.app_context(), tenant_context(tenant_a.id):
        assert recompute_milestones(db.session.get(Child, child.id), TODAY).children == 0


def test_the_demo_ends_with_milestones_computed(app):
    from permanence.demo.services import load_demo

    with app.app_context():
        load_demo(children_per_tenant=10)
        jobs.commit()
        from permanence.tenancy.models import Tenant

        tenants = db.session.execute(select(Tenant)).scalars().all()
        for tenant in tenants:
            with tenant_context(tenant.id):
                children = db.session.execute(select(func.count()).select_from(Child)).scalar_one()
                with_milestones = db.session.execute(select(func.count(func.distinct(Milestone.child_id)))).scalar_one()
                assert children == 10 and with_milestones >= 8, tenant.slug  # the unborn have none
