"""Issue 6's "done when": a council loaded from an SSDA903 extract of a few hundred synthetic children
shows the right milestones and drift under its own rules, and its drift climbs the ladder.

Redbridge imports 300 synthetic children plus three crafted ones; the nightly run on Wednesday
15 April 2026 (after the extract's year end) computes every child's milestones, opens drift and
takes the ladder's steps that are due, e-mailing the people who hold them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from permanence.cases.imports import import_903
from permanence.cases.models import Child
from permanence.cases.synthetic import write_synthetic_903
from permanence.core import jobs
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.notifications.models import EmailMessage
from permanence.tracker.jobs import nightly_tracker_job
from permanence.tracker.models import Drift, Escalation, Milestone
from tracker_support import load_seed

d = date
TODAY = d(2026, 4, 15)

CRAFTED_HEADER = ["CR-LATE,F,05/05/2020,WBRI,,,", "CR-OK,M,10/01/2019,WBRI,,,", "CR-KIN,F,01/07/2015,MWBC,,,"]
CRAFTED_EPISODES = [
    "CR-LATE,02/03/2026,S,C1,N1,U6,PR1,,,,,,",  # in care from Mon 2 Mar 2026, no review
    "CR-OK,02/02/2026,S,V2,N4,U6,PR1,,,,,,",  # in care from Mon 2 Feb 2026, reviewed 20 Feb
    "CR-KIN,10/04/2026,S,C1,N1,U3,PR1,,,,,,",  # placed with relatives on Fri 10 Apr 2026
]
CRAFTED_REVIEWS = ["CR-OK,10/01/2019,20/02/2026,PN1"]

EXPECTED = {
    # 20 working days after Mon 2 Mar 2026 is Mon 30 Mar; Redbridge's initial plan 4 weeks after, the same day.
    ("CR-LATE", "first-review"): (d(2026, 3, 30), "overdue", None),
    ("CR-LATE", "ptp-initial-plan"): (d(2026, 3, 30), "overdue", None),
    ("CR-OK", "first-review"): (d(2026, 3, 2), "achieved", d(2026, 2, 20)),
    ("CR-OK", "second-review"): (d(2026, 5, 20), "upcoming", None),
    ("CR-OK", "ptp-initial-plan"): (d(2026, 3, 2), "overdue", None),
    # Due at the second review, not held yet: waiting, with no due date (so for the others too).
    **{(case, "permanence-plan-by-second-review"): (None, "waiting", None) for case in ("CR-OK", "CR-LATE", "CR-KIN")},
    # Fri 10 Apr: the early May bank holiday (Mon 4 May) is skipped; viability due the next day, Sat 11 Apr.
    ("CR-KIN", "first-review"): (d(2026, 5, 11), "upcoming", None),
    ("CR-KIN", "ptp-initial-plan"): (d(2026, 5, 8), "upcoming", None),
    ("CR-KIN", "viability-assessment-sign-off"): (d(2026, 4, 11), "overdue", None),
}


def _append(path, lines):
    with open(path, "a", newline="") as handle:
        for line in lines:
            handle.write(line + "\r\n")


def test_an_imported_council_shows_the_right_milestones_drift_and_escalations(app, tmp_path, make_user):
    tenant = load_seed(app, "redbridge")
    manager = make_user(tenant, ["team_manager"], email="tm@redbridge.example.org")
    head = make_user(tenant, ["senior_manager"], email="head.of.service@redbridge.example.org")
    header, episodes, reviews, _ = write_synthetic_903(tmp_path, 300)
    _append(header, CRAFTED_HEADER)
    _append(episodes, CRAFTED_EPISODES)
    _append(reviews, CRAFTED_REVIEWS)
    with app.app_context(), tenant_context(tenant.id):
        result = import_903(header, episodes, reviews)
        assert (result.created, result.errors) == (303, [])
        db.session.flush()
        nightly = nightly_tracker_job(TODAY.isoformat())
        jobs.commit()
        assert nightly["children"] == 303

        cases = dict(db.session.execute(select(Child.id, Child.case_number)).all())
        milestones = db.session.execute(select(Milestone)).scalars().all()
        crafted = {(cases[m.child_id], m.rule_id): (m.due, m.status, m.achieved) for m in milestones
                   if cases[m.child_id].startswith("CR-")}
        assert crafted == EXPECTED

        # Every overdue milestone, and only those, has open drift; nothing is duplicated.
        overdue = {(m.child_id, m.rule_id) for m in milestones if m.status == "overdue"}
        open_drift = db.session.execute(select(Drift).where(Drift.closed_on.is_(None))).scalars().all()
        assert {(x.child_id, x.rule_id) for x in open_drift} == overdue and len(open_drift) == len(overdue)
        assert len(milestones) == len({(m.child_id, m.rule_id) for m in milestones})
        assert len(overdue) > 10  # the synthetic journeys drift too

        # Overdue since 30 Mar: 5 working days (8 Apr, after Easter) reached the team manager and 10
        # (15 Apr) the head of service, both on this first night.
        late = next(x for x in open_drift if cases[x.child_id] == "CR-LATE" and x.rule_id == "first-review")
        steps = db.session.execute(select(Escalation).where(Escalation.drift_id == late.id)
                                   .order_by(Escalation.level)).scalars().all()
        assert [(s.level, s.role, s.escalated_on, s.notified_list) for s in steps] == [
            (1, "team-manager", TODAY, [manager.email]), (2, "head-of-service", TODAY, [head.email])]
        kin = next(x for x in open_drift if cases[x.child_id] == "CR-KIN")
        assert (kin.rule_id, kin.level) == ("viability-assessment-sign-off", 0)  # 4 days: no step yet
        # The first night after an import tells each person once, in a summary, not a notice per child.
        to_head = db.session.execute(select(EmailMessage).where(EmailMessage.to_address == head.email)).scalars().all()
        assert len(to_head) == 1
        assert to_head[0].subject.startswith("Drift on ") and "children's plans reached you" in to_head[0].subject


def test_re_importing_the_extract_keeps_one_milestone_per_rule(app, tmp_path):
    tenant = load_seed(app, "redbridge")
    header, episodes, reviews, _ = write_synthetic_903(tmp_path, 50)
    counts = []
    for _ in range(2):
        with app.app_context(), tenant_context(tenant.id):
            import_903(header, episodes, reviews)
            db.session.flush()
            nightly_tracker_job(TODAY.isoformat())
            jobs.commit()
            counts.append((db.session.execute(select(func.count()).select_from(Milestone)).scalar_one(),
                           db.session.execute(select(func.count()).select_from(Drift)).scalar_one()))
    assert counts[0] == counts[1] and counts[0][0] > 50
