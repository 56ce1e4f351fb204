"""Shared set-up of the panel report tests (tests/test_panel_reports.py and the browser's): seed 001's
council (tenants/permanence-panel-pptm) and a quarter of its Permanence Panel crafted with the models,
so the figures can be worked out by hand (each comment says what a row adds up to). The period is
Quarter 3 2026-27 (October to December 2026); today is Friday 15 January 2027. Everything is fictional.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timezone
from types import SimpleNamespace

from permanence.cases.models import Child, LegalStatus, PermanencePlan, SiblingGroup
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.documents.models import Document, DocumentVersion
from permanence.extensions import db
from permanence.panels.models import (Action, ActionStatus, AgendaItem, Attendance, AttendanceStatus, ItemStatus,
                                      Meeting, MeetingStatus, Minutes, MinutesStatus, UrgentDecision)
from permanence.tor.services import active_version
from permanence.tracker.models import CohortMember, Drift, Escalation
from tracker_support import load_seed

TODAY = date(2027, 1, 15)
BODY = "permanence-panel"
URL = f"/permanence-panel-pptm/reports/{BODY}"
Q3 = "2026-Q3"
SAVE_PAGES = os.environ.get("REPORT_PAGES_TO")  # a folder to keep the drawn pages in, to look at
SECRET_NAMES = ("Zebedee", "Quillon", "Marigold", "Thistlewood", "Pennyroyal", "Ottoline", "Farthingale")


def _utc(y, m, d, h=12):
    return datetime(y, m, d, h, tzinfo=timezone.utc)


def _child(first, last, case):
    return Child(case_number=case, first_name=first, last_name=last, date_of_birth=date(2020, 3, 1))


def _paper(item, uploaded):
    doc = Document(subject_type="agenda_item", subject_id=item.id, paperwork_id="permanence-paperwork",
                   slot="permanence-paperwork", title="Permanence paperwork", current_version=1)
    return [doc, DocumentVersion(document=doc, number=1, filename="paperwork.txt", media_type="text/plain", size=9,
                                 sha256="0" * 64, content=b"paperwork", uploaded_at=uploaded)]


def _drift(child, opened, closed=None):
    return Drift(child_id=child.id, rule_id=f"rule-{child.case_number}", label="Fictional milestone",
                 due=opened, opened_on=opened, closed_on=closed, ladder_id="ladder")


def _escalation(drift, level, role, label, on):
    return Escalation(drift=drift, level=level, role=role, role_label=label, escalated_on=on, by_label="system",
                      reason="Overdue")


def build(app, make_user):
    """The crafted quarter (see each comment for what it adds up to)."""
    tenant = load_seed(app, "permanence-panel-pptm")
    chair = make_user(tenant, ["chair"], name="Fictional Chair")
    iro = make_user(tenant, ["iro"], name="Fictional Reviewing Officer")
    admin = make_user(tenant, ["panel_administrator"], name="Fictional Administrator")
    with app.app_context(), tenant_context(tenant.id):
        version = active_version(tenant.id)
        group = SiblingGroup(name="Fictional Pennyroyal siblings")
        db.session.add(group)
        db.session.flush()
        a = _child("Zebedee", "Quillon", "PPR-SECRET-0001")
        b = _child("Marigold", "Thistlewood", "PPR-SECRET-0002")
        c = _child("Ottoline", "Farthingale", "PPR-SECRET-0003")
        e = _child("Fictional", "Cohort", "PPR-SECRET-0004")
        f = _child("Fictional", "Elsewhere", "PPR-SECRET-0005")
        s1 = _child("Fictional", "Pennyroyal-One", "PPR-SECRET-0006")
        s2 = _child("Fictional", "Pennyroyal-Two", "PPR-SECRET-0007")
        s1.sibling_group_id = s2.sibling_group_id = group.id
        db.session.add_all([a, b, c, e, f, s1, s2])
        db.session.flush()
        db.session.add_all([
            # A: interim care order until 1 November, then a care order; adoption the primary plan throughout.
            LegalStatus(child_id=a.id, code="C1", start=date(2026, 1, 1), end=date(2026, 11, 1)),
            LegalStatus(child_id=a.id, code="C2", start=date(2026, 11, 1)),
            PermanencePlan(child_id=a.id, route="adoption", kind="primary", agreed_on=date(2026, 6, 1),
                           agreed_at="review"),
            # The siblings: care orders; only the elder has a primary plan (special guardianship).
            LegalStatus(child_id=s1.id, code="C2", start=date(2025, 5, 1)),
            LegalStatus(child_id=s2.id, code="C2", start=date(2025, 5, 1)),
            PermanencePlan(child_id=s1.id, route="special_guardianship", kind="primary", agreed_on=date(2026, 2, 1),
                           agreed_at="review"),
            # B: section 20; the primary plan ended before the sitting; a contingency plan does not count.
            LegalStatus(child_id=b.id, code="V2", start=date(2026, 3, 1)),
            PermanencePlan(child_id=b.id, route="return_to_family", kind="primary", agreed_on=date(2026, 4, 1),
                           ended_on=date(2026, 10, 1), agreed_at="review"),
            PermanencePlan(child_id=b.id, route="adoption", kind="contingency", agreed_on=date(2026, 4, 1),
                           agreed_at="review"),
        ])
        meetings = {}
        for key, day, status, quorate in (("m0", date(2026, 9, 29), MeetingStatus.SCHEDULED, True),
                                          ("m1", date(2026, 10, 13), MeetingStatus.SCHEDULED, True),
                                          ("m2", date(2026, 11, 10), MeetingStatus.SCHEDULED, True),
                                          ("m3", date(2026, 11, 24), MeetingStatus.CANCELLED, None),
                                          ("m4", date(2026, 12, 8), MeetingStatus.SCHEDULED, False),
                                          ("m5", date(2027, 1, 12), MeetingStatus.SCHEDULED, True)):
            meetings[key] = Meeting(body_id=BODY, tor_version_id=version.id, date=day, added_by_hand=True,
                                    status=status, quorate=quorate)
        db.session.add_all(meetings.values())
        db.session.flush()
        m0, m1, m2, m3, m4, m5 = (meetings[k] for k in ("m0", "m1", "m2", "m3", "m4", "m5"))

        def item(meeting, part, status, *, child=None, group_id=None, outcome=None, submitted=None, late=False):
            row = AgendaItem(meeting_id=meeting.id, part_id=part, child_id=child.id if child else None,
                             sibling_group_id=group_id, status=status, outcome_id=outcome, submitted_at=submitted,
                             late=late, entry_route="referral")
            db.session.add(row)
            return row

        # Heard: A and the siblings at M1, B at M2, A again at M4. 4 items, 5 children.
        a1 = item(m1, "new-to-care", ItemStatus.HEARD, child=a, outcome="plan-ratified", submitted=_utc(2026, 10, 1))
        sib = item(m1, "full-care-orders", ItemStatus.HEARD, group_id=group.id, outcome="timescales-agreed")
        b2 = item(m2, "section-20", ItemStatus.HEARD, child=b, outcome="plan-changed", submitted=_utc(2026, 11, 2))
        item(m2, "plan-ratification", ItemStatus.DEFERRED, child=c, submitted=_utc(2026, 11, 6), late=True)
        a4 = item(m4, "plan-ratification", ItemStatus.HEARD, child=a, outcome="permanence-agreed")
        # Outside the quarter (M0, M5) or at the cancelled sitting (M3): not counted.
        out0 = item(m0, "new-to-care", ItemStatus.HEARD, child=c, outcome="plan-ratified", submitted=_utc(2026, 9, 1),
                    late=True)
        item(m3, "new-to-care", ItemStatus.BOOKED, child=b)
        item(m5, "new-to-care", ItemStatus.HEARD, child=b, outcome="plan-changed")
        db.session.flush()
        # Papers (3 days before: Friday 9 October, Friday 6 November, Friday 4 December): in on time for A at M1
        # and B at M2; late for the siblings and for A at M4; none for C.  Met 2, missed 3.
        db.session.add_all([*_paper(a1, _utc(2026, 10, 5)), *_paper(sib, _utc(2026, 10, 12)),
                            *_paper(b2, _utc(2026, 11, 1)), *_paper(a4, _utc(2026, 12, 7))])
        # Minutes (5 working days: 20 October, 17 November, 15 December): M1 on time, M2 late, M4 never.
        db.session.add_all([
            Minutes(meeting_id=m1.id, status=MinutesStatus.CIRCULATED, circulated_at=_utc(2026, 10, 19)),
            Minutes(meeting_id=m2.id, status=MinutesStatus.CIRCULATED, circulated_at=_utc(2026, 11, 20)),
            Minutes(meeting_id=m4.id, status=MinutesStatus.DRAFT),
        ])
        # Actions: on time, late, overdue today, not yet due; one at M0 not counted.
        db.session.add_all([
            Action(agenda_item_id=a1.id, child_id=a.id, description="Fictional 1", due_on=date(2026, 11, 1),
                   status=ActionStatus.DONE, completed_on=date(2026, 10, 30)),
            Action(agenda_item_id=sib.id, child_id=s1.id, description="Fictional 2", due_on=date(2026, 11, 1),
                   status=ActionStatus.DONE, completed_on=date(2026, 11, 5)),
            Action(agenda_item_id=b2.id, child_id=b.id, description="Fictional 3", due_on=date(2026, 12, 1)),
            Action(agenda_item_id=a4.id, child_id=a.id, description="Fictional 4", due_on=date(2027, 2, 1)),
            Action(agenda_item_id=out0.id, child_id=c.id, description="Fictional 5", due_on=date(2026, 10, 1)),
        ])
        # Between sittings: one in the quarter (plan changed), one before it.
        db.session.add_all([
            UrgentDecision(body_id=BODY, tor_version_id=version.id, child_id=b.id, role_id="service-manager",
                           outcome_id="plan-changed", decided_on=date(2026, 11, 20)),
            UrgentDecision(body_id=BODY, tor_version_id=version.id, child_id=b.id, role_id="service-manager",
                           outcome_id="plan-ratified", decided_on=date(2026, 9, 1)),
        ])
        # Attendance. Service manager (chair): present, present, apologies. IRO: present, represented, absent.
        # Panel administrator: apologies, present, present.
        for meeting, statuses in ((m1, ("present", "present", "apologies")), (m2, ("present", "represented", "present")),
                                  (m4, ("apologies", "absent", "present"))):
            for user, role, status in zip((chair, iro, admin),
                                          ("service-manager", "independent-reviewing-officer", "panel-administrator"),
                                          statuses):
                db.session.add(Attendance(meeting_id=meeting.id, user_id=user.id, role=role,
                                          status=AttendanceStatus(status),
                                          represented_by="Fictional Deputy" if status == "represented" else ""))
        db.session.add(Attendance(meeting_id=m0.id, user_id=chair.id, role="service-manager",
                                  status=AttendanceStatus.ABSENT))
        commit()
        ids = (a.id, b.id, e.id, f.id)
    # The tracker rows last, in a transaction of their own: the commits above have the tracker work out
    # each child's milestones and cohorts; the crafted drift stands for what it would have opened.
    with app.app_context(), tenant_context(tenant.id):
        db.session.execute(CohortMember.__table__.delete().where(CohortMember.tenant_id == tenant.id))
        db.session.execute(Drift.__table__.delete().where(Drift.tenant_id == tenant.id))
        a, b, e, f = (db.session.get(Child, i) for i in ids)
        # Drift: E is in the cohort; A and B were on the agenda; F is neither (not counted).
        db.session.add(CohortMember(child_id=e.id, body_id=BODY))
        drift_a = _drift(a, date(2026, 10, 20), date(2026, 12, 1))  # raised and resolved in the quarter
        drift_e = _drift(e, date(2026, 11, 15))  # raised, open at the end
        drift_b = _drift(b, date(2026, 8, 1), date(2026, 10, 10))  # resolved only
        drift_f = _drift(f, date(2026, 11, 1))
        db.session.add_all([drift_a, drift_e, drift_b, drift_f])
        db.session.add_all([
            _escalation(drift_a, 1, "team-manager", "Team manager", date(2026, 10, 27)),
            _escalation(drift_e, 1, "team-manager", "Team manager", date(2026, 11, 22)),
            _escalation(drift_e, 2, "service-manager", "Service manager", date(2026, 12, 6)),
            _escalation(drift_b, 1, "team-manager", "Team manager", date(2026, 8, 8)),
            _escalation(drift_f, 1, "team-manager", "Team manager", date(2026, 11, 8)),
        ])
        commit()
    # Another council: a held sitting of a body with the same id in the quarter, heard items, attendance.
    other = load_seed(app, "redbridge")
    with app.app_context(), tenant_context(other.id):
        version = active_version(other.id)
        x = _child("Fictional", "Other", "RB-OTHER-0001")
        db.session.add(x)
        db.session.flush()
        meeting = Meeting(body_id=BODY, tor_version_id=version.id, date=date(2026, 11, 3), added_by_hand=True,
                          quorate=False)
        db.session.add(meeting)
        db.session.flush()
        db.session.add_all([
            AgendaItem(meeting_id=meeting.id, part_id="new-to-care", child_id=x.id, status=ItemStatus.HEARD,
                       outcome_id="plan-ratified", late=True, submitted_at=_utc(2026, 11, 1)),
            Attendance(meeting_id=meeting.id, name="Fictional Guest", role="service-manager",
                       status=AttendanceStatus.ABSENT),
            UrgentDecision(body_id=BODY, tor_version_id=version.id, child_id=x.id, role_id="service-manager",
                           outcome_id="plan-changed", decided_on=date(2026, 11, 4)),
            CohortMember(child_id=x.id, body_id=BODY),
        ])
        drift_x = _drift(x, date(2026, 11, 2))
        db.session.add(drift_x)
        db.session.add(_escalation(drift_x, 1, "team-manager", "Team manager", date(2026, 11, 9)))
        commit()
    reader = make_user(tenant, ["senior_manager"], name="Fictional Senior Manager")
    worker = make_user(tenant, ["social_worker"], name="Fictional Social Worker")
    return SimpleNamespace(tenant=tenant, reader=reader, worker=worker, other=other)
