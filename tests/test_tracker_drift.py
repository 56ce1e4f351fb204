"""Drift that means something: it closes, saying why, when the child leaves care or the milestone
stops applying; and no page calls drift long overdue "not yet escalated" when its ladder's time
has come. Crafted children of ``tracker_support`` on days passed to the nightly job; pages on a
frozen clock (time-machine). LATE-1 entered care on Mon 4 Jan 2027 and has had no review, so its
first review (due Mon 1 Feb 2027) and Redbridge's initial plan to the PTP are overdue from 2 Feb.
"""

from __future__ import annotations

from datetime import date

import time_machine
from sqlalchemy import select

from permanence.cases.models import CarePeriod, CareProceedings, Child
from permanence.core import jobs
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.notifications.models import EmailMessage
from permanence.tor.timescales import ACHIEVED, NOT_APPLICABLE, TimescaleRule, compute_milestones
from permanence.core.workdays import Offset
from permanence.tracker.drift import escalation_outlook
from permanence.tracker.jobs import nightly_tracker_job
from permanence.tracker.models import Drift, Escalation
from permanence.tracker.services import recompute_council
from tracker_support import crafted_children, load_seed

d = date


# --- The engine: a milestone of a period of care stops applying when the period ends -------------

PLAN = TimescaleRule(id="plan", label="Plan to panel", event="entered_care", offset=Offset(4, "weeks"),
                     completed_by="last_panel")


def test_a_milestone_measured_from_care_stops_applying_when_the_child_leaves_care_but_one_met_stays():
    events = {"entered_care": d(2023, 1, 2), "left_care": d(2026, 1, 24)}
    [m] = compute_milestones([PLAN], {"looked_after": False}, events, d(2026, 12, 2))
    assert (m.status, m.reason) == (NOT_APPLICABLE, "stopped applying when the child left care on 24 January 2026")
    # Met before the child left: it stays in the record as achieved.
    [m] = compute_milestones([PLAN], {"looked_after": False}, {**events, "last_panel": d(2023, 1, 20)},
                             d(2026, 12, 2))
    assert m.status == ACHIEVED
    # Back in care (a new period): the clock runs again from the new period.
    [m] = compute_milestones([PLAN], {"looked_after": True}, {"entered_care": d(2026, 6, 1)}, d(2026, 12, 2))
    assert m.status == "overdue"


def test_a_milestone_measured_from_proceedings_stops_applying_at_the_final_order():
    rule = TimescaleRule(id="panel-6", label="Panel within 6 weeks of proceedings", event="proceedings_issued",
                         offset=Offset(6, "weeks"), completed_by="last_panel")
    [m] = compute_milestones([rule], {}, {"proceedings_issued": d(2021, 7, 10), "final_order": d(2021, 12, 1)},
                             d(2026, 12, 2))
    assert (m.status, m.reason) == (
        NOT_APPLICABLE, "stopped applying when the final order was made in care proceedings on 1 December 2021")


# --- Drift closes, with its reason, and the ladder stops -------------------------------------------

def _night(app, tenant, day, change=None, *, climb=True):
    """The nightly run on ``day`` (or, with ``climb=False``, only the recompute a changed record
    queues), after ``change(session)`` in the same transaction, so that recompute does not run on
    the real clock. Returns what ``change`` returned."""
    with app.app_context(), tenant_context(tenant.id):
        result = None
        if change is not None:
            result = change(db.session)
            db.session.flush()
        if climb:
            nightly_tracker_job(day.isoformat())
        else:
            recompute_council(day)
        jobs.commit()
        return result


def _crafted(case_number):
    def add(session):
        child = next(c for c in crafted_children() if c.case_number == case_number)
        session.add(child)
        session.flush()
        return child.id

    return add


def _drift(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        return {x.rule_id: (x.closed_on, x.close_reason, x.level) for x in
                db.session.execute(select(Drift).order_by(Drift.id)).scalars()}


def _escalation_count(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        return len(db.session.execute(select(Escalation)).scalars().all()), \
            len(db.session.execute(select(EmailMessage)).scalars().all())


def test_drift_and_its_escalations_close_when_the_child_leaves_care(app, make_user):
    tenant = load_seed(app, "redbridge")
    make_user(tenant, ["senior_manager"], email="head@redbridge.example.org")
    child_id = _night(app, tenant, d(2027, 2, 15), _crafted("LATE-1"))  # 10 working days: head of service told
    assert _drift(app, tenant) == {"first-review": (None, "", 2), "ptp-initial-plan": (None, "", 2)}
    told = _escalation_count(app, tenant)

    def leaves(session):
        period = session.execute(select(CarePeriod).where(CarePeriod.child_id == child_id)).scalar_one()
        period.end, period.reason_ceased = d(2027, 2, 20), "E4A"  # returned home as planned

    _night(app, tenant, d(2027, 3, 1), leaves)
    reason = "Stopped applying when the child left care on 20 February 2027"
    assert _drift(app, tenant) == {"first-review": (d(2027, 3, 1), reason, 2),
                                   "ptp-initial-plan": (d(2027, 3, 1), reason, 2)}
    _night(app, tenant, d(2027, 6, 1))  # the ladder's last step is never taken, nobody is told again
    assert _escalation_count(app, tenant) == told
    with app.app_context(), tenant_context(tenant.id):
        assert db.session.execute(select(Drift).where(Drift.closed_on.is_(None))).first() is None


def test_closed_drift_says_the_milestone_stopped_applying(app):
    tenant = load_seed(app, "permanence-panel-pptm")
    # At home, proceedings issued 12 Jan: the panel within 6 weeks was due 23 Feb.
    home_id = _night(app, tenant, d(2027, 3, 1), _crafted("HOME-1"))
    assert _drift(app, tenant)["panel-within-6-weeks-of-proceedings"] == (None, "", 0)

    def final_order(session):
        proceedings = session.execute(select(CareProceedings).where(CareProceedings.child_id == home_id)).scalar_one()
        proceedings.concluded_on, proceedings.outcome = d(2027, 3, 10), "supervision_order"

    _night(app, tenant, d(2027, 3, 12), final_order)
    assert _drift(app, tenant)["panel-within-6-weeks-of-proceedings"] == (
        d(2027, 3, 12), "Stopped applying when the final order was made in care proceedings on 10 March 2027", 0)


def test_closed_drift_page_says_why(app, client, login, make_user):
    tenant = load_seed(app, "redbridge")
    chair = make_user(tenant, ["chair"])
    child_id = _night(app, tenant, d(2027, 2, 15), _crafted("LATE-1"))

    def leaves(session):
        period = session.execute(select(CarePeriod).where(CarePeriod.child_id == child_id)).scalar_one()
        period.end, period.reason_ceased = d(2027, 2, 20), "E4A"

    _night(app, tenant, d(2027, 3, 1), leaves)
    with time_machine.travel(d(2027, 3, 1), tick=False):
        login(chair)
        page = client.get("/redbridge/tracker/drift?show=closed").text
        assert page.count("Stopped applying when the child left care on 20 February 2027") == 2
        assert "No open drift" in client.get("/redbridge/tracker/drift").text
        child_page = client.get(f"/redbridge/children/{child_id}").text
        assert "Drift:" not in child_page


# --- Escalation pending is shown as such ---------------------------------------------------------

def test_the_pages_say_when_drift_is_due_to_escalate_never_not_yet_escalated(app, client, login, make_user):
    tenant = load_seed(app, "redbridge")
    chair = make_user(tenant, ["chair"])
    # Drift opened by the recompute a changed record queues on 2 Feb; the ladder not climbed.
    child_id = _night(app, tenant, d(2027, 2, 2), _crafted("LATE-1"), climb=False)
    [drift_id] = [i for i in _ids(app, tenant, "first-review")]
    # Before the ladder's first step: when and to whom.
    with time_machine.travel(d(2027, 2, 3), tick=False):
        login(chair)
        listing = client.get("/redbridge/tracker/drift").text
        assert "Due to escalate to Team manager on 8 February 2027" in listing
        assert "Not yet escalated" not in listing and "waiting for the nightly run" not in listing
    # Weeks later, the nightly run has not climbed the ladder: the pages say the step is due, not "not escalated".
    with time_machine.travel(d(2027, 3, 1), tick=False):
        login(chair)
        listing = client.get("/redbridge/tracker/drift").text
        assert "Not yet escalated" not in listing
        assert ("Due to escalate to Team manager on 8 February 2027: waiting for the nightly run, which records it "
                "and tells them") in listing
        assert "Escalation due" in listing
        page = client.get(f"/redbridge/tracker/drift/{drift_id}").text
        assert "No step taken yet." in page and "Due to escalate to Team manager on 8 February 2027" in page
        tracker = client.get("/redbridge/tracker/").text
        assert "Escalation due since 8 Feb 2027, waiting for the nightly run" in tracker
        child = client.get(f"/redbridge/children/{child_id}").text
        assert "due to escalate to Team manager on 8 February 2027" in child
    # The nightly run takes both steps the time has reached; the next is the chair's decision.
    _night(app, tenant, d(2027, 3, 1))
    with time_machine.travel(d(2027, 3, 1), tick=False):
        login(chair)
        listing = client.get("/redbridge/tracker/drift").text
        assert "Step 2: Head of service" in listing and "waiting for the nightly run" not in listing
        assert "Escalates to Managing Director, L.B. Redbridge when the chair decides" in listing


def _ids(app, tenant, rule_id):
    with app.app_context(), tenant_context(tenant.id):
        return list(db.session.execute(select(Drift.id).where(Drift.rule_id == rule_id)).scalars())


def test_drift_with_no_ladder_says_so(app):
    tenant = load_seed(app, "knowsley")  # no escalation ladder
    _night(app, tenant, d(2027, 3, 1), _crafted("LATE-1"))
    from permanence.tor.services import current_tor

    with app.app_context(), tenant_context(tenant.id):
        drift = db.session.execute(select(Drift).where(Drift.rule_id == "first-review")).scalar_one()
        outlook = escalation_outlook(current_tor(tenant.id), drift, d(2027, 3, 1))
        assert (outlook.text, outlook.pending) == ("The terms of reference set no escalation ladder", False)


# --- The demo is left as the nightly run would leave it ---------------------------------------------

def test_the_demo_has_no_drift_of_children_who_left_care_and_no_escalation_left_waiting(app):
    from permanence.demo.services import load_demo
    from permanence.tenancy.models import Tenant
    from permanence.tor.services import current_tor

    today = d(2026, 12, 2)
    with time_machine.travel(today, tick=False), app.app_context():
        load_demo(children_per_tenant=10)
        jobs.commit()
        escalated = 0
        for tenant in db.session.execute(select(Tenant)).scalars().all():
            with tenant_context(tenant.id):
                tor = current_tor(tenant.id)
                for drift in db.session.execute(select(Drift).where(Drift.closed_on.is_(None))).scalars():
                    child = db.session.get(Child, drift.child_id)
                    periods = sorted(child.care_periods, key=lambda p: p.start)
                    assert not (periods and periods[-1].end and periods[-1].end <= today), \
                        (tenant.slug, child.case_number, drift.rule_id)  # left care: no open drift
                    assert not escalation_outlook(tor, drift, today).pending, (tenant.slug, child.case_number)
                    escalated += drift.level > 0
        assert escalated > 0


def test_drift_closed_because_its_rule_no_longer_matches_the_child_says_so(app):
    tenant = load_seed(app, "redbridge")
    # Placed with relatives on 26 Feb; the Managing Director's sign-off was due the next day.
    child_id = _night(app, tenant, d(2027, 3, 1), _crafted("KIN-1"))
    assert _drift(app, tenant)["viability-assessment-sign-off"] == (None, "", 0)

    def moved(session):
        from permanence.cases.models import Placement

        placement = session.execute(select(Placement).where(Placement.child_id == child_id)).scalar_one()
        placement.end = d(2027, 3, 2)
        session.add(Placement(child_id=child_id, place="U6", provider="PR1", start=d(2027, 3, 2)))

    _night(app, tenant, d(2027, 3, 3), moved)
    closed_on, reason, _ = _drift(app, tenant)["viability-assessment-sign-off"]
    assert closed_on == d(2027, 3, 3)
    assert reason.startswith("No longer applies: applies only where placement type is U1 (long-term fostering")
