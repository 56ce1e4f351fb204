"""Facts and events from a child's histories, the seed councils' cohorts they select, and the
child's page and API showing the histories."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from permanence.cases.facts import child_events, child_facts, whole_months
from permanence.cases.models import (CarePeriod, CareProceedings, Child, ChildFlag, LegalStatus, PermanencePlan,
                                     Placement, PreProceedings, Review)
from permanence.tor import STATUTORY_TIMESCALES, compute_milestones, evaluate, load_tor
from permanence.tor.vocabulary import EVENTS, FACTS

ON = date(2026, 11, 24)
TENANTS = Path(__file__).resolve().parents[1] / "tenants"


def child(case, born=None, *, expected=None, periods=(), statuses=(), placements=(), reviews=(), proceedings=(),
          pre=(), plans=(), flags=()):
    """An unsaved child with histories given as tuples (start, end, ...)."""
    return Child(
        case_number=case, first_name="Fictional", last_name=case, date_of_birth=born, expected_date_of_birth=expected,
        care_periods=[CarePeriod(start=s, end=e, reason_ceased=r) for s, e, r in periods],
        legal_statuses=[LegalStatus(code=c, start=s, end=e) for c, s, e in statuses],
        placements=[Placement(place=p, start=s, end=e, approved_as_permanent=a, approved_permanent_on=on)
                    for p, s, e, a, on in placements],
        reviews=[Review(held_on=d) for d in reviews],
        proceedings=[CareProceedings(issued_on=i, concluded_on=c, outcome=o) for i, c, o in proceedings],
        pre_proceedings=[PreProceedings(decision_on=d, letter_on=ltr, meeting_on=m, ended_on=e) for d, ltr, m, e in pre],
        plans=[PermanencePlan(route=r, kind=k, agreed_on=a, agreed_at="review", ended_on=e) for r, k, a, e in plans],
        flags=[ChildFlag(flag=f, start=s, end=None) for f, s in flags],
    )


def looked_after(case, born, status, place, *, since=date(2025, 1, 6), permanent=False, **kw):
    return child(case, born, periods=[(since, None, None)], statuses=[(status, since, None)],
                 placements=[(place, since, None, permanent, since if permanent else None)], **kw)


CHILDREN = {
    "placement-order": child(
        "placement-order", date(2023, 4, 1), periods=[(date(2024, 9, 2), None, None)],
        statuses=[("C1", date(2024, 9, 2), date(2025, 6, 2)), ("E1", date(2025, 6, 2), None)],
        placements=[("U6", date(2024, 9, 2), None, False, None)],
        reviews=[date(2024, 9, 25), date(2024, 12, 20), date(2025, 6, 10)],
        proceedings=[(date(2024, 9, 3), date(2025, 6, 2), "placement_order")],
        plans=[("adoption", "primary", date(2024, 12, 20), None),
               ("special_guardianship", "parallel", date(2024, 12, 20), date(2025, 6, 2))]),
    "ico-under-5": looked_after("ico-under-5", date(2024, 2, 1), "C1", "U3",
                                proceedings=[(date(2025, 1, 7), None, None)]),
    "adoption-parallel": looked_after("adoption-parallel", date(2018, 3, 1), "C2", "U6",
                                      plans=[("return_to_family", "primary", date(2025, 3, 1), None),
                                             ("adoption", "parallel", date(2025, 3, 1), None)]),
    "home-on-care-order": looked_after("home-on-care-order", date(2016, 5, 5), "C2", "P1"),
    "residential": looked_after("residential", date(2011, 7, 7), "C2", "K2"),
    "long-term-foster": looked_after("long-term-foster", date(2014, 1, 1), "C2", "U4", permanent=True),
    "care-leaver": child("care-leaver", date(2007, 1, 15), periods=[(date(2020, 1, 1), date(2025, 3, 1), "E8")],
                         statuses=[("C2", date(2020, 1, 1), date(2025, 3, 1))],
                         placements=[("U6", date(2020, 1, 1), date(2025, 3, 1), False, None)]),
    "pre-proceedings": child("pre-proceedings", date(2021, 9, 9),
                             pre=[(date(2026, 10, 1), date(2026, 10, 6), date(2026, 10, 13), None)]),
    "unborn": child("unborn", expected=date(2027, 2, 1)),
}


def members(tor, body_index, part_id):
    body = tor.bodies[body_index] if isinstance(body_index, int) else tor.body(body_index)
    part = next(p for p in body.agenda_parts if p.id == part_id)
    return {case for case, c in CHILDREN.items() if evaluate(part.cohort, child_facts(c, ON))}


@pytest.fixture(scope="module")
def tors():
    return {slug: load_tor(TENANTS / slug) for slug in ("knowsley", "redbridge", "permanence-panel-pptm")}


def test_facts_and_events_speak_exactly_the_tor_vocabulary():
    for c in CHILDREN.values():
        assert set(child_facts(c, ON)) == set(FACTS)
        assert set(child_events(c)) <= set(EVENTS)


def test_facts_of_a_child_under_a_placement_order():
    facts = child_facts(CHILDREN["placement-order"], ON)
    assert facts == {
        "legal_status": "E1", "age_years": 3, "looked_after": True, "placement.type": "U6",
        "placement.approved_permanent": False, "months_in_placement": 26, "months_in_care": 26,
        "weeks_in_proceedings": None, "reviews_held": 3, "plan.primary_route": "adoption",
        "plan.contingency_routes": [], "plan.routes": ["adoption"], "flags": [],
        "days_in_care": 813, "permanence_plan_recorded": True, "permanent_placement_required": True,
        "final_order_made": True, "s20_entry": None, "remanded": False, "months_on_child_protection_plan": None,
        "steps_recorded": [],
    }
    # a year earlier: an ICO, in proceedings, with a parallel plan
    earlier = child_facts(CHILDREN["placement-order"], date(2025, 1, 6))
    assert earlier["legal_status"] == "C1" and earlier["flags"] == ["in_proceedings"]
    assert earlier["weeks_in_proceedings"] == 17 and earlier["reviews_held"] == 2
    assert earlier["plan.routes"] == ["adoption", "special_guardianship"]


def test_events_of_a_child_under_a_placement_order():
    assert child_events(CHILDREN["placement-order"]) == {
        "birth": date(2023, 4, 1), "entered_care": date(2024, 9, 2), "first_review": date(2024, 9, 25),
        "second_review": date(2024, 12, 20), "latest_review": date(2025, 6, 10),
        # Every review of the period, for a timescale due at the nth (``due: {event: review, nth: 2}``).
        "review": (date(2024, 9, 25), date(2024, 12, 20), date(2025, 6, 10)),
        "proceedings_issued": date(2024, 9, 3), "final_order": date(2025, 6, 2), "placement_order": date(2025, 6, 2),
        "placement_start": date(2024, 9, 2), "permanence_plan_agreed": date(2024, 12, 20),
    }


def test_statutory_milestones_from_the_events():
    c = CHILDREN["placement-order"]
    milestones = {m.rule_id: m for m in compute_milestones(STATUTORY_TIMESCALES, child_facts(c, ON),
                                                           child_events(c), ON)}
    assert milestones["first-review"].status == "achieved"
    assert milestones["second-review"].status == "achieved"
    assert milestones["subsequent-reviews"].status == "overdue"  # last review June 2025
    assert milestones["proceedings-week-26"].status == "achieved_late"  # 39 weeks


def test_pre_birth_pre_proceedings_and_care_leaver_flags():
    assert child_facts(CHILDREN["unborn"], ON)["flags"] == ["pre_birth"]
    assert child_facts(CHILDREN["unborn"], ON)["age_years"] == 0
    pre = child_facts(CHILDREN["pre-proceedings"], ON)
    assert pre["flags"] == ["legal_planning", "pre_proceedings"] and pre["looked_after"] is False
    assert child_events(CHILDREN["pre-proceedings"])["pre_proceedings_start"] == date(2026, 10, 6)
    leaver = child_facts(CHILDREN["care-leaver"], ON)
    assert leaver["flags"] == ["care_leaver"] and leaver["legal_status"] is None
    recorded = looked_after("x", date(2010, 1, 1), "V2", "U6", flags=[("unaccompanied", date(2025, 1, 6))])
    assert child_facts(recorded, ON)["flags"] == ["unaccompanied"]
    assert child_facts(recorded, date(2025, 1, 5))["flags"] == []


def test_knowsley_agenda_parts_select_the_expected_children(tors):
    knowsley = tors["knowsley"]
    assert members(knowsley, 0, "adoption-tracking") == {"placement-order", "ico-under-5", "adoption-parallel"}
    assert members(knowsley, 0, "placed-with-parents") == {"home-on-care-order"}
    assert members(knowsley, 0, "scrutiny") == {"placement-order", "ico-under-5", "adoption-parallel",
                                                "home-on-care-order", "residential", "care-leaver"}


def test_redbridge_early_alerts_and_pptm_cohorts(tors):
    assert members(tors["redbridge"], 0, "early-alerts") == {"pre-proceedings", "unborn"}
    assert members(tors["permanence-panel-pptm"], 0, "full-care-orders") == {
        "adoption-parallel", "home-on-care-order", "residential"}


def test_whole_months():
    assert whole_months(date(2025, 1, 31), date(2025, 2, 28)) == 0
    assert whole_months(date(2025, 1, 6), date(2026, 11, 24)) == 22
    assert whole_months(date(2026, 1, 1), date(2025, 1, 1)) == 0


@pytest.fixture
def recorded_child(app, tenant_a, make_user, make_child, in_tenant):
    from permanence.extensions import db

    manager = make_user(tenant_a, ["panel_administrator"])
    c = make_child(tenant_a, date_of_birth=date(2023, 4, 1))
    with in_tenant(tenant_a):
        db.session.add_all([
            CarePeriod(child_id=c.id, start=date(2024, 9, 2), category_of_need="N1"),
            LegalStatus(child_id=c.id, code="C1", start=date(2024, 9, 2), end=date(2025, 6, 2)),
            LegalStatus(child_id=c.id, code="E1", start=date(2025, 6, 2)),
            Placement(child_id=c.id, place="U6", provider="PR1", start=date(2024, 9, 2)),
            Review(child_id=c.id, held_on=date(2024, 9, 25), participation="PN0"),
            CareProceedings(child_id=c.id, issued_on=date(2024, 9, 3), concluded_on=date(2025, 6, 2),
                            outcome="placement_order", court_reference="FICT123"),
            PreProceedings(child_id=c.id, decision_on=date(2024, 6, 1), letter_on=date(2024, 6, 5),
                           outcome="proceedings_issued", ended_on=date(2024, 9, 3)),
            PermanencePlan(child_id=c.id, route="adoption", kind="primary", agreed_on=date(2024, 12, 20),
                           agreed_at="review"),
            PermanencePlan(child_id=c.id, route="special_guardianship", kind="parallel",
                           agreed_on=date(2024, 12, 20), agreed_at="panel"),
        ])
    return c, manager


def test_the_childs_page_shows_the_histories_with_labels(client, login, recorded_child, tenant_a):
    c, manager = recorded_child
    login(manager)
    page = client.get(f"/{tenant_a.slug}/children/{c.id}").get_data(as_text=True)
    for text in ("E1: Placement order", "C1: Interim care order", "U6: Fostering", "PR1: Own local authority",
                 "PN0: Child under 4", "04 Mar 2025", "Care order and placement order", "FICT123",
                 "Letter before proceedings", "Adoption", "Special guardianship", "Parallel plan",
                 "Permanence panel", "N1: Abuse or neglect"):
        assert text in page, text


def test_the_api_gives_the_histories_and_audits_the_read(app, client, make_token, recorded_child, tenant_a,
                                                         in_tenant, make_user):
    from sqlalchemy import func, select

    from permanence.audit.models import AuditEvent
    from permanence.extensions import db

    c, manager = recorded_child
    _, secret = make_token(tenant_a, manager)
    response = client.get(f"/{tenant_a.slug}/api/v1/children/{c.id}/history",
                          headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200, response.json
    body = response.json
    assert [s["code"] for s in body["legal_statuses"]] == ["C1", "E1"]
    assert body["legal_statuses"][1]["label"] == "E1: Placement order"
    assert body["proceedings"][0]["week_26"] == "2025-03-04"
    assert [p["route"] for p in body["plans"]] == ["adoption", "special_guardianship"]
    with in_tenant(tenant_a):
        reads = db.session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "read", AuditEvent.entity_id == str(c.id))).scalar_one()
        assert reads == 1
    # a social worker of another team may not see this child
    stranger = make_user(tenant_a, ["social_worker"])
    _, other = make_token(tenant_a, stranger)
    assert client.get(f"/{tenant_a.slug}/api/v1/children/{c.id}/history",
                      headers={"Authorization": f"Bearer {other}"}).status_code == 403


def test_demo_children_fill_every_seed_cohort(app, tors):
    from sqlalchemy import select

    from permanence.core.context import tenant_context
    from permanence.core.jobs import commit
    from permanence.demo.services import TODAY, load_demo
    from permanence.extensions import db
    from permanence.tenancy.services import get_tenant

    with app.app_context():
        load_demo(children_per_tenant=20)
        commit()
        for slug, tor in tors.items():
            with tenant_context(get_tenant(slug).id):
                facts = [child_facts(c, TODAY) for c in db.session.execute(select(Child)).scalars()]
                for body in tor.bodies:
                    for part in body.agenda_parts:
                        if part.cohort is not None and "cohort_rule" in part.entry_routes:
                            assert any(evaluate(part.cohort, f) for f in facts), f"{slug} {part.id} is empty"
