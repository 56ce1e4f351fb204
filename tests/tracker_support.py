"""Shared helpers of the tracker tests: seed councils, crafted children, and recorded events.

Today is Monday 1 March 2027 in these tests (``TODAY``). The crafted children are the same in
every council; which timescales apply to each depends on the council's terms of reference.
Events the histories cannot show yet (a panel's discussion, a tracking meeting, a viability
assessment signed off) are supplied through the tracker's event-source mechanism, the way the
meetings feature supplies them.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from permanence.cases.models import (CarePeriod, CareProceedings, Child, LegalStatus, PermanencePlan, Placement,
                                      Review)
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.tenancy.models import Tenant, TenantStatus
from permanence.tor.services import load_folder
from permanence.tracker import services

REPO = Path(__file__).resolve().parents[1]
TODAY = date(2027, 3, 1)
SLUGS = ("waltham-forest", "permanence-panel-pptm", "redbridge", "monthly-tracking-overview", "knowsley")


def load_seed(app, slug: str) -> Tenant:
    """``tenants/<slug>`` as an open council with its terms of reference in force."""
    with app.app_context():
        tenant, _ = load_folder(REPO / "tenants" / slug)
        tenant.status = TenantStatus.ACTIVE
        commit()
        tenant = db.session.get(Tenant, tenant.id)
        db.session.expunge_all()
        return tenant


def _child(case, born, *, team=None, social_worker=None, team_manager=None, iro=None, expected=None):
    return Child(case_number=case, first_name="Fictional", last_name=case.title().replace("-", ""),
                 date_of_birth=born, expected_date_of_birth=expected, team_id=team, social_worker_id=social_worker,
                 team_manager_id=team_manager, iro_id=iro)


def crafted_children(**allocation) -> list[Child]:
    """The crafted children (not yet added), each allocated as ``allocation`` says (ids)."""
    d = date
    children = []

    # New to care on Mon 4 Jan 2027 under an ICO; first review held on time on 28 Jan.
    c = _child("REVIEWS-1", d(2024, 1, 1), **allocation)
    c.care_periods.append(CarePeriod(start=d(2027, 1, 4), category_of_need="N1"))
    c.legal_statuses.append(LegalStatus(code="C1", start=d(2027, 1, 4)))
    c.placements.append(Placement(place="U6", provider="PR1", start=d(2027, 1, 4)))
    c.reviews.append(Review(held_on=d(2027, 1, 28), participation="PN0"))
    children.append(c)

    # New to care on Mon 4 Jan 2027, no review yet: the first review is late.
    c = _child("LATE-1", d(2022, 6, 1), **allocation)
    c.care_periods.append(CarePeriod(start=d(2027, 1, 4), category_of_need="N1"))
    c.legal_statuses.append(LegalStatus(code="V2", start=d(2027, 1, 4)))
    c.placements.append(Placement(place="U6", provider="PR1", start=d(2027, 1, 4)))
    children.append(c)

    # In care proceedings issued Mon 2 Nov 2026 under an ICO; two reviews held; plan agreed.
    c = _child("PROC-1", d(2025, 6, 1), **allocation)
    c.care_periods.append(CarePeriod(start=d(2026, 11, 2), category_of_need="N1"))
    c.legal_statuses.append(LegalStatus(code="C1", start=d(2026, 11, 2)))
    c.placements.append(Placement(place="U6", provider="PR1", start=d(2026, 11, 2)))
    c.proceedings.append(CareProceedings(issued_on=d(2026, 11, 2), court_reference="FICT-1"))
    c.reviews.extend([Review(held_on=d(2026, 11, 26)), Review(held_on=d(2027, 2, 20))])
    c.plans.append(PermanencePlan(route="return_to_family", kind="primary", agreed_on=d(2027, 2, 20),
                                  agreed_at="review"))
    children.append(c)

    # At home with parents while the court decides: proceedings issued Tue 12 Jan 2027.
    c = _child("HOME-1", d(2021, 3, 3), **allocation)
    c.proceedings.append(CareProceedings(issued_on=d(2027, 1, 12), court_reference="FICT-2"))
    children.append(c)

    # Placement order made Mon 1 Dec 2025 after an ICO from Mon 2 Jun 2025; four reviews; adoption plan.
    c = _child("PO-1", d(2023, 5, 1), **allocation)
    c.care_periods.append(CarePeriod(start=d(2025, 6, 2), category_of_need="N1"))
    c.legal_statuses.extend([LegalStatus(code="C1", start=d(2025, 6, 2), end=d(2025, 12, 1)),
                             LegalStatus(code="E1", start=d(2025, 12, 1))])
    c.placements.append(Placement(place="U6", provider="PR1", start=d(2025, 6, 2)))
    c.proceedings.append(CareProceedings(issued_on=d(2025, 6, 3), concluded_on=d(2025, 12, 1),
                                         final_hearing_on=d(2025, 12, 1), outcome="placement_order",
                                         court_reference="FICT-3"))
    c.reviews.extend([Review(held_on=d(2025, 6, 25)), Review(held_on=d(2025, 9, 20)),
                      Review(held_on=d(2026, 3, 15)), Review(held_on=d(2026, 9, 10))])
    c.plans.append(PermanencePlan(route="adoption", kind="primary", agreed_on=d(2025, 9, 20), agreed_at="review"))
    children.append(c)

    # Care order from Mon 1 Jun 2026, in a long-term foster placement since 1 Sep 2026 (under 12 months).
    c = _child("CO-1", d(2018, 2, 2), **allocation)
    c.care_periods.append(CarePeriod(start=d(2026, 1, 5), category_of_need="N4"))
    c.legal_statuses.extend([LegalStatus(code="C1", start=d(2026, 1, 5), end=d(2026, 6, 1)),
                             LegalStatus(code="C2", start=d(2026, 6, 1))])
    c.placements.extend([Placement(place="U6", provider="PR1", start=d(2026, 1, 5), end=d(2026, 9, 1)),
                         Placement(place="U4", provider="PR1", start=d(2026, 9, 1))])
    c.proceedings.append(CareProceedings(issued_on=d(2026, 1, 6), concluded_on=d(2026, 6, 1),
                                         outcome="care_order", court_reference="FICT-4"))
    c.reviews.extend([Review(held_on=d(2026, 1, 29)), Review(held_on=d(2026, 4, 20)),
                      Review(held_on=d(2026, 10, 15))])
    c.plans.append(PermanencePlan(route="long_term_fostering", kind="primary", agreed_on=d(2026, 5, 10),
                                  agreed_at="panel"))
    children.append(c)

    # Placed with relatives on Fri 26 Feb 2027 (Redbridge's viability assessment, signed off 1 Mar).
    c = _child("KIN-1", d(2016, 7, 7), **allocation)
    c.care_periods.append(CarePeriod(start=d(2027, 2, 26), category_of_need="N4"))
    c.legal_statuses.append(LegalStatus(code="V2", start=d(2027, 2, 26)))
    c.placements.append(Placement(place="U3", provider="PR1", start=d(2027, 2, 26)))
    children.append(c)

    # Placed with relatives today, Mon 1 Mar 2027.
    c = _child("KIN-2", d(2017, 8, 8), **allocation)
    c.care_periods.append(CarePeriod(start=d(2027, 3, 1), category_of_need="N4"))
    c.legal_statuses.append(LegalStatus(code="V2", start=d(2027, 3, 1)))
    c.placements.append(Placement(place="U3", provider="PR1", start=d(2027, 3, 1)))
    children.append(c)

    # Unborn: no timescale applies yet.
    children.append(_child("UNBORN-1", None, expected=d(2027, 4, 20), **allocation))
    return children


# Events the meetings feature will record; here they come through a registered event source.
RECORDED_EVENTS = {
    "PROC-1": {"last_panel": date(2026, 12, 10), "last_tracking_meeting": date(2027, 1, 19)},
    "CO-1": {"last_tracking_meeting": date(2027, 1, 19)},
    "KIN-1": {"viability_assessment_signed_off": date(2027, 3, 1)},
}


@contextmanager
def recorded_events(events=None):
    """Register an event source giving ``events`` by case number for the block."""
    events = RECORDED_EVENTS if events is None else events

    def source(child_ids, today):
        cases = dict(db.session.execute(select(Child.id, Child.case_number).where(Child.id.in_(child_ids))).all())
        return {cid: {k: v for k, v in events.get(case, {}).items() if v <= today} for cid, case in cases.items()}

    services.register_event_source(source)
    try:
        yield source
    finally:
        services.unregister_event_source(source)


def ids_by_case() -> dict[str, int]:
    return dict(db.session.execute(select(Child.case_number, Child.id)).all())


@pytest.fixture
def fixed_today(travel):
    """The platform's "today" is TODAY for pages, the API and the jobs (import this fixture)."""
    travel(TODAY)
    return TODAY
