"""A timescale anchored on the second looked-after review, stored by the tracker (issue 14): seed
003's "permanence plan by the 2nd review" (due: {event: review, nth: 2}). While the second review
is not held the milestone waits, with no due date, no drift and no escalation; once it is held
without a plan the milestone is overdue from the next day and drift opens; the plan agreed later
makes it achieved late and closes the drift. REVIEWS-1 of ``tracker_support`` entered care on Mon
4 Jan 2027 and was first reviewed on 28 Jan; it has no permanence plan.
"""

from __future__ import annotations

import re
from datetime import date

import time_machine
from sqlalchemy import select

from text_support import plain
from permanence.cases.models import Child, PermanencePlan, Review
from permanence.core import jobs
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.tracker.models import Drift, Milestone
from permanence.tracker.services import recompute_council
from tracker_support import crafted_children, load_seed

d = date
RULE = "permanence-plan-by-second-review"


def _run(app, tenant, day, change=None):
    with app.app_context(), tenant_context(tenant.id):
        result = change(db.session) if change else None
        db.session.flush()
        recompute_council(day)
        jobs.commit()
        return result


def _state(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        m = db.session.execute(select(Milestone).where(Milestone.rule_id == RULE)).scalar_one()
        drift = [(x.due, x.opened_on, x.closed_on, x.close_reason) for x in
                 db.session.execute(select(Drift).where(Drift.rule_id == RULE)).scalars()]
        return (m.due, m.status, m.achieved, m.anchor_event, m.anchor_date), drift


def _add_reviews_1(session):
    child = next(c for c in crafted_children() if c.case_number == "REVIEWS-1")
    session.add(child)
    session.flush()
    return child.id


def test_plan_by_the_second_review_waits_then_drifts_then_is_achieved_late(app, client, login, make_user):
    tenant = load_seed(app, "monthly-tracking-overview")
    child_id = _run(app, tenant, d(2027, 3, 1), _add_reviews_1)
    assert _state(app, tenant) == ((None, "waiting", None, None, None), [])
    # Months later, still no second review: still waiting, never overdue.
    _run(app, tenant, d(2027, 6, 1))
    assert _state(app, tenant) == ((None, "waiting", None, None, None), [])
    with time_machine.travel(d(2027, 6, 1), tick=False):
        login(make_user(tenant, ["chair"]))
        page = client.get(f"/monthly-tracking-overview/children/{child_id}").text
        words = " ".join(re.sub(r"<[^>]+>", " ", plain(page)).split())
        assert "Permanence plan in place by the second looked-after review Waiting for its event Terms of " \
            "reference: Purpose of Tracking by the second looked-after review" in words

    # The second review is held on Tue 8 Jun without a plan: overdue from the 9th, drift opens.
    _run(app, tenant, d(2027, 6, 9), lambda s: s.add(Review(child_id=child_id, held_on=d(2027, 6, 8))))
    assert _state(app, tenant) == ((d(2027, 6, 8), "overdue", None, "review", d(2027, 6, 8)),
                                   [(d(2027, 6, 8), d(2027, 6, 9), None, "")])

    # The plan agreed on 14 Jun: achieved late; the drift closes.
    def plan(session):
        session.add(PermanencePlan(child_id=child_id, kind="primary", route="adoption", agreed_on=d(2027, 6, 14),
                                   agreed_at="review"))

    _run(app, tenant, d(2027, 6, 15), plan)
    assert _state(app, tenant) == ((d(2027, 6, 8), "achieved_late", d(2027, 6, 14), "review", d(2027, 6, 8)),
                                   [(d(2027, 6, 8), d(2027, 6, 9), d(2027, 6, 15), "Achieved on 14 June 2027")])
    with app.app_context(), tenant_context(tenant.id):
        assert db.session.get(Child, child_id).case_number == "REVIEWS-1"
