"""Synthetic histories for demo children, so every seed council's cohorts have members.

Children cycle through ten situations a permanence panel sees (placement order,
ICO under 5, home on a care order, residential, long-term fostering,
pre-proceedings, new to care, in proceedings, care leaver, unborn). One child in twenty with a
placement order has been adopted (every other one by their foster carers), so the adoption
scorecard's measures have children to count. Dates are
drawn from the caller's seeded ``random.Random``, so the demo is the same every time.
"""

from __future__ import annotations

from datetime import date, timedelta

from ..cases.models import (Adoption, CarePeriod, CareProceedings, ChildFlag, LegalStatus, PermanencePlan, Placement,
                            PreProceedings, Review)

SITUATIONS = ("placement_order", "ico_under_5", "home_on_care_order", "residential", "long_term_fostering",
              "pre_proceedings", "new_to_care", "in_proceedings", "care_leaver", "unborn")


def _years_ago(today: date, years: float) -> date:
    return today - timedelta(days=int(years * 365.25))


def _reviews(child, rng, entered: date, until: date, limit: int | None = None) -> None:
    """Reviews on the statutory cycle: 20 working days (about 4 weeks), 3 months, then 6-monthly."""
    day, gap, held = entered + timedelta(days=rng.randint(12, 26)), 91, 0
    while day < until and (limit is None or held < limit):
        child.reviews.append(Review(held_on=day, participation="PN0" if child.age_on(day) < 4 else
                                    rng.choice(["PN1", "PN3", "PN5", "PN6"])))
        day, gap, held = day + timedelta(days=gap), 182, held + 1


def _plan(child, route: str, agreed: date, parallel: str | None = None, at: str = "review") -> None:
    child.plans.append(PermanencePlan(route=route, kind="primary", agreed_on=agreed, agreed_at=at))
    if parallel:
        child.plans.append(PermanencePlan(route=parallel, kind="parallel", agreed_on=agreed, agreed_at=at))


def add_history(child, rng, n: int, today: date) -> None:
    """Give ``child`` (not yet flushed) the histories of situation ``n`` of :data:`SITUATIONS`."""
    situation = SITUATIONS[n % len(SITUATIONS)]
    if situation == "unborn":
        child.date_of_birth, child.expected_date_of_birth = None, today + timedelta(days=rng.randint(20, 120))
        child.pre_proceedings.append(PreProceedings(decision_on=today - timedelta(days=rng.randint(10, 40))))
        return
    if situation == "pre_proceedings":
        decided = today - timedelta(days=rng.randint(20, 90))
        child.pre_proceedings.append(PreProceedings(decision_on=decided, letter_on=decided + timedelta(days=5),
                                                    meeting_on=decided + timedelta(days=12)))
        return
    if situation == "in_proceedings" and n % 20 == 17:
        # at home with parents while the court decides (a supervision or care order application)
        issued = today - timedelta(days=rng.randint(30, 150))
        child.proceedings.append(CareProceedings(issued_on=issued, court_reference=f"FICT{rng.randint(1000, 9999)}"))
        return
    if situation == "ico_under_5":
        child.date_of_birth = today - timedelta(days=rng.randint(60, 4 * 365))
    elif situation == "care_leaver":
        child.date_of_birth = _years_ago(today, rng.uniform(18.5, 20.5))
    elif situation == "residential":
        child.date_of_birth = _years_ago(today, rng.uniform(12, 16.5))
    elif situation == "placement_order":
        child.date_of_birth = _years_ago(today, rng.uniform(1.5, 7))
    born = child.date_of_birth
    earliest = max(born + timedelta(days=1), today - timedelta(days=4 * 365))
    entered = earliest + timedelta(days=rng.randint(0, max(1, (today - earliest).days - 200)))
    adopted_child = situation == "placement_order" and n % 20 == 10
    if adopted_child:  # in care long enough ago to have been matched, placed and adopted since
        entered = today - timedelta(days=rng.randint(900, 1200))
        child.date_of_birth = born = min(born, entered - timedelta(days=rng.randint(30, 400)))
    if situation == "new_to_care":
        entered = today - timedelta(days=rng.randint(30, 80))
    elif situation in ("in_proceedings", "ico_under_5"):
        entered = max(born + timedelta(days=1), today - timedelta(days=rng.randint(60, 200)))
    child.care_periods.append(CarePeriod(start=entered, category_of_need=rng.choice(["N1", "N1", "N4", "N5"])))
    foster = rng.choice(["U3", "U6", "U6"])

    if situation == "new_to_care":
        # Section 20: every other new child came in an emergency (seed 001 monitors the use of s20).
        entry = "emergency" if (n // len(SITUATIONS)) % 2 == 0 else "planned"
        child.legal_statuses.append(LegalStatus(code="V2", start=entered, s20_entry=entry))
        child.placements.append(Placement(place=foster, provider="PR1", start=entered))
        _reviews(child, rng, entered, today, limit=1)
        return
    if situation in ("in_proceedings", "ico_under_5"):
        issued = entered + timedelta(days=1)
        child.legal_statuses.append(LegalStatus(code="C1", start=entered))
        child.placements.append(Placement(place=foster, provider="PR1", start=entered))
        child.proceedings.append(CareProceedings(issued_on=issued, court_reference=f"FICT{rng.randint(1000, 9999)}",
                                                 final_hearing_on=issued + timedelta(weeks=26)))
        _reviews(child, rng, entered, today, limit=2)
        if len(child.reviews) == 2:
            route, parallel = ("adoption", "special_guardianship") if situation == "ico_under_5" else \
                ("return_to_family", rng.choice(["special_guardianship", "adoption"]))
            _plan(child, route, child.reviews[1].held_on, parallel)
        if situation == "in_proceedings" and n % 20 == 7:
            child.flags.append(ChildFlag(flag="reunification_not_recommended", start=entered + timedelta(days=30)))
        return

    # Concluded proceedings: an order about six months after entering care.
    order_day = entered + timedelta(days=rng.randint(150, 200))
    child.proceedings.append(CareProceedings(
        issued_on=entered + timedelta(days=1), concluded_on=order_day, final_hearing_on=order_day,
        outcome="placement_order" if situation == "placement_order" else "care_order",
        court_reference=f"FICT{rng.randint(1000, 9999)}"))
    child.legal_statuses.append(LegalStatus(code="C1", start=entered, end=order_day))
    final_status = "E1" if situation == "placement_order" else "C2"
    leaves = situation == "care_leaver"
    left = born + timedelta(days=int(18 * 365.25)) if leaves else None
    if adopted_child:
        matched = order_day + timedelta(days=rng.randint(60, 150))
        placed = matched + timedelta(days=rng.randint(14, 40))
        left = placed + timedelta(days=rng.randint(180, 300))  # the adoption order
        child.care_periods[0].end, child.care_periods[0].reason_ceased = left, "E11"
    if leaves:
        entered_child = child.care_periods[0]
        entered_child.start = left - timedelta(days=rng.randint(700, 1800))
        entered = entered_child.start
        child.legal_statuses[0].start = entered
        child.proceedings[0].issued_on = entered + timedelta(days=1)
        order_day = entered + timedelta(days=180)
        child.proceedings[0].concluded_on = child.proceedings[0].final_hearing_on = order_day
        child.legal_statuses[0].end = order_day
        entered_child.end, entered_child.reason_ceased = left, rng.choice(["E17", "E5", "E6"])
    child.legal_statuses.append(LegalStatus(code=final_status, start=order_day, end=left))

    place = {"home_on_care_order": "P1", "residential": rng.choice(["K2", "R1"]),
             "long_term_fostering": rng.choice(["U1", "U4"])}.get(situation, foster)
    if place == foster and adopted_child:
        by_carers = n % 40 == 30  # adopted by the foster carers they lived with (A5), else by others (A6)
        child.placements.append(Placement(place=foster, provider="PR1", start=entered, end=placed,
                                          reason_for_change="PLACE" if by_carers else "CARPL"))
        child.placements.append(Placement(place="A5" if by_carers else "A6", provider="PR1", start=placed,
                                          end=left))
        child.adoptions.append(Adoption(decided_on=order_day - timedelta(days=rng.randint(20, 60)),
                                        matched_on=matched, by_foster_carer=by_carers, number_of_adopters=2))
    elif place == foster:
        child.placements.append(Placement(place=foster, provider="PR1", start=entered, end=left))
    else:
        moved = order_day + timedelta(days=rng.randint(10, 60))
        child.placements.append(Placement(place=foster, provider="PR1", start=entered, end=moved,
                                          reason_for_change="CARPL"))
        permanent = place in ("U1", "U4")
        child.placements.append(Placement(
            place=place, provider={"P1": "PR0", "K2": "PR4", "R1": "PR4"}.get(place, "PR1"), start=moved,
            approved_as_permanent=permanent, approved_permanent_on=moved if permanent else None))
    _reviews(child, rng, entered, left or today)
    agreed = child.reviews[1].held_on if len(child.reviews) > 1 else entered
    route = {"placement_order": ("adoption", None), "home_on_care_order": ("return_to_family", None),
             "residential": ("residential", "long_term_fostering"),
             "long_term_fostering": ("long_term_fostering", None),
             "care_leaver": (rng.choice(["staying_put", "staying_close"]), None)}[situation]
    _plan(child, route[0], agreed, route[1], at="review" if n % 3 else "panel")
    if situation == "long_term_fostering" and n % 20 == 14:
        child.flags.append(ChildFlag(flag="disrupted_permanent_placement", start=today - timedelta(days=20),
                                     note="Synthetic: carers have given notice"))
    if situation == "placement_order" and n % 20 == 0:
        child.placements[-1].end = today - timedelta(days=rng.randint(10, 60))
        child.placements.append(Placement(place="A6", provider="PR1", start=child.placements[-1].end))
