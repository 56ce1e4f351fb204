"""The timeliness measures: each figure worked out by hand from crafted children, shown with its definition
and threshold (no child named), the children behind it for those who may see them, bad input refused."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from permanence.audit.models import AuditEvent
from permanence.cases.models import (Adoption, CarePeriod, CareProceedings, LegalStatus, PermanencePlan, Placement,
                                     Review)
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db

TODAY = date(2025, 3, 31)


def _plan(child, agreed_on, route="long_term_fostering"):
    return PermanencePlan(child_id=child.id, route=route, kind="primary", agreed_on=agreed_on, agreed_at="review")


def _add(app, tenant, rows):
    with app.app_context(), tenant_context(tenant.id):
        db.session.add_all(rows)
        commit()


@pytest.fixture
def council(app, tenant_a, tenant_b, make_user, make_child, travel):
    """Crafted children of Council A (and one of Council B's, which must never be counted), dated so
    every figure below is worked out by hand."""
    travel(TODAY)
    worker = make_user(tenant_a, ["social_worker"], name="Jo Fictional-Worker")
    other_worker = make_user(tenant_a, ["social_worker"], name="Sam Fictional-Worker")
    c = {}
    for name, dob, sw in [("Ava", date(2021, 11, 1), worker), ("Ben", date(2021, 1, 1), worker),
                          ("Cara", date(2020, 12, 1), other_worker), ("Old", date(2019, 1, 1), other_worker),
                          ("Dan", date(2014, 5, 1), other_worker), ("Eve", date(2013, 5, 1), other_worker),
                          ("Fay", date(2023, 1, 1), other_worker), ("Gus", date(2022, 1, 1), other_worker),
                          ("Hal", date(2016, 1, 1), other_worker), ("Ivy", date(2017, 1, 1), other_worker),
                          ("Jay", date(2015, 1, 1), other_worker), ("Kim", date(2012, 6, 1), other_worker),
                          ("Leo", date(2008, 1, 1), other_worker), ("Mia", date(2020, 1, 1), other_worker)]:
        c[name] = make_child(tenant_a, first_name=name, last_name="Fictional", date_of_birth=dob, social_worker=sw)
    ava, ben, cara, old = c["Ava"], c["Ben"], c["Cara"], c["Old"]
    _add(app, tenant_a, [
        # Adopted in the 3 years to 31 March 2025 (from 1 April 2022): 300, 450 and 600 days to moving in.
        CarePeriod(child_id=ava.id, start=date(2022, 1, 1), end=date(2023, 6, 1), reason_ceased="E11"),
        Placement(child_id=ava.id, place="U6", start=date(2022, 1, 1), end=date(2022, 10, 28),
                  reason_for_change="CARPL"),
        Placement(child_id=ava.id, place="A6", start=date(2022, 10, 28), end=date(2023, 6, 1)),
        LegalStatus(child_id=ava.id, code="C2", start=date(2022, 1, 1), end=date(2022, 9, 1)),
        LegalStatus(child_id=ava.id, code="E1", start=date(2022, 9, 1), end=date(2023, 6, 1)),
        Adoption(child_id=ava.id, decided_on=date(2022, 6, 1), matched_on=date(2022, 10, 1), by_foster_carer=False),

        CarePeriod(child_id=ben.id, start=date(2021, 6, 1), end=date(2023, 9, 1), reason_ceased="E12"),
        Placement(child_id=ben.id, place="A6", start=date(2022, 8, 25), end=date(2023, 9, 1)),
        LegalStatus(child_id=ben.id, code="E1", start=date(2022, 3, 1), end=date(2023, 9, 1)),
        # Matched before the placement order: counts as zero days in A2.
        Adoption(child_id=ben.id, decided_on=date(2021, 12, 1), matched_on=date(2022, 2, 15), by_foster_carer=False),

        # Adopted by her foster carers: moved in with them as foster carers on 1 March 2021 (50 days).
        CarePeriod(child_id=cara.id, start=date(2021, 1, 10), end=date(2023, 3, 1), reason_ceased="E11"),
        Placement(child_id=cara.id, place="U6", start=date(2021, 1, 10), end=date(2021, 3, 1),
                  reason_for_change="CARPL"),
        Placement(child_id=cara.id, place="U6", start=date(2021, 3, 1), end=date(2022, 9, 2),
                  reason_for_change="PLACE"),
        Placement(child_id=cara.id, place="A5", start=date(2022, 9, 2), end=date(2023, 3, 1)),
        LegalStatus(child_id=cara.id, code="E1", start=date(2022, 5, 20), end=date(2023, 3, 1)),
        Adoption(child_id=cara.id, decided_on=date(2022, 1, 5), matched_on=date(2022, 7, 1), by_foster_carer=True),

        # Adopted the day before the 3 years began: not counted.
        CarePeriod(child_id=old.id, start=date(2020, 1, 1), end=date(2022, 3, 31), reason_ceased="E11"),
        Placement(child_id=old.id, place="A6", start=date(2021, 1, 1), end=date(2022, 3, 31)),
    ])
    dan, eve, fay, gus, hal, ivy = (c[n] for n in ("Dan", "Eve", "Fay", "Gus", "Hal", "Ivy"))
    jay, kim, leo, mia = (c[n] for n in ("Jay", "Kim", "Leo", "Mia"))
    _add(app, tenant_a, [
        # Dan: proceedings open 242 days (34.6 weeks), past week 26; under section 20 for 6 to 12 months; no plan.
        CarePeriod(child_id=dan.id, start=date(2024, 8, 1)),
        Placement(child_id=dan.id, place="U6", start=date(2024, 8, 1)),
        LegalStatus(child_id=dan.id, code="V2", start=date(2024, 8, 1)),
        CareProceedings(child_id=dan.id, issued_on=date(2024, 8, 1)),
        # Eve: proceedings open but not yet 26 weeks; under section 20 for under 3 months; no plan, not yet due.
        CarePeriod(child_id=eve.id, start=date(2025, 1, 15)),
        Placement(child_id=eve.id, place="U6", start=date(2025, 1, 15)),
        LegalStatus(child_id=eve.id, code="V2", start=date(2025, 1, 15)),
        CareProceedings(child_id=eve.id, issued_on=date(2024, 12, 1)),
        # Concluded in the last 12 months: 22 weeks (within 26) and 39 weeks.
        CareProceedings(child_id=fay.id, issued_on=date(2024, 1, 1), concluded_on=date(2024, 6, 3)),
        CareProceedings(child_id=gus.id, issued_on=date(2023, 10, 2), concluded_on=date(2024, 7, 1)),
        # Concluded before the 12 months: not counted.
        CareProceedings(child_id=gus.id, issued_on=date(2023, 1, 2), concluded_on=date(2023, 12, 1)),
        # Hal: plan agreed at his second review; Ivy: plan agreed after hers.
        CarePeriod(child_id=hal.id, start=date(2024, 5, 1)),
        Placement(child_id=hal.id, place="U6", start=date(2024, 5, 1)),
        LegalStatus(child_id=hal.id, code="C2", start=date(2024, 5, 1)),
        Review(child_id=hal.id, held_on=date(2024, 5, 20)), Review(child_id=hal.id, held_on=date(2024, 8, 20)),
        _plan(hal, date(2024, 8, 20)),
        CarePeriod(child_id=ivy.id, start=date(2024, 6, 1)),
        Placement(child_id=ivy.id, place="U6", start=date(2024, 6, 1)),
        Review(child_id=ivy.id, held_on=date(2024, 6, 25)), Review(child_id=ivy.id, held_on=date(2024, 9, 25)),
        _plan(ivy, date(2024, 10, 10)),
        # Jay: looked after since 2022, in the same placement since 1 January 2023 (over 2 years).
        CarePeriod(child_id=jay.id, start=date(2022, 1, 1)),
        Placement(child_id=jay.id, place="U6", start=date(2022, 1, 1), end=date(2022, 6, 1)),
        Placement(child_id=jay.id, place="U6", start=date(2022, 6, 1), end=date(2023, 1, 1)),
        Placement(child_id=jay.id, place="U4", start=date(2023, 1, 1)),
        _plan(jay, date(2022, 3, 1)),
        # Kim: 4 placements in the last 12 months (one she started the year in).
        CarePeriod(child_id=kim.id, start=date(2021, 5, 1)),
        Placement(child_id=kim.id, place="U6", start=date(2021, 5, 1), end=date(2024, 5, 1)),
        Placement(child_id=kim.id, place="U6", start=date(2024, 5, 1), end=date(2024, 9, 1)),
        Placement(child_id=kim.id, place="K2", start=date(2024, 9, 1), end=date(2025, 1, 1)),
        Placement(child_id=kim.id, place="U6", start=date(2025, 1, 1)),
        _plan(kim, date(2021, 8, 1)),
        # Leo: 17, so not in the long-term stability measure; under section 20 for over 2 years.
        CarePeriod(child_id=leo.id, start=date(2022, 2, 1)),
        Placement(child_id=leo.id, place="U6", start=date(2022, 2, 1)),
        LegalStatus(child_id=leo.id, code="V2", start=date(2022, 2, 1)),
        _plan(leo, date(2022, 5, 1)),
        # Mia: placed for adoption with her foster carers; with the placement before it, over 2 years.
        CarePeriod(child_id=mia.id, start=date(2022, 3, 1)),
        Placement(child_id=mia.id, place="U5", start=date(2022, 3, 1), end=date(2024, 1, 1)),
        Placement(child_id=mia.id, place="A5", start=date(2024, 1, 1)),
        _plan(mia, date(2022, 6, 1), route="adoption"),
    ])
    # Council B's adopted child (1,000 days) and long proceedings: never counted in Council A.
    bea = make_child(tenant_b, first_name="Bea", last_name="Elsewhere")
    _add(app, tenant_b, [
        CarePeriod(child_id=bea.id, start=date(2020, 1, 1), end=date(2024, 1, 1), reason_ceased="E11"),
        Placement(child_id=bea.id, place="A6", start=date(2022, 9, 27), end=date(2024, 1, 1)),
        CareProceedings(child_id=bea.id, issued_on=date(2023, 1, 1)),
        LegalStatus(child_id=bea.id, code="V2", start=date(2024, 12, 1)),
    ])
    return {"children": c, "worker": worker, "other_worker": other_worker}


def _cell(text: str, element_id: str) -> str:
    found = re.search(rf'id="{re.escape(element_id)}">(.*?)</', text, re.S)
    assert found, f"no element {element_id}"
    return found.group(1).strip()


FIGURES = {  # id: (figure, children counted, threshold, met)
    "a1": ("450 days", "3", "426 days or fewer", "Not met"),  # (300 + 450 + 600) / 3
    "a10": ("267 days", "3", "426 days or fewer", "Met"),  # (300 + 450 + 50) / 3 = 266.7
    "a2": ("24 days", "3", "121 days or fewer", "Met"),  # (30 + 0 + 42) / 3
    "proceedings_open_over_26_weeks": ("1", "1", None, None),  # Dan's
    "proceedings_longest_open": ("34.6 weeks", "1", None, None),  # 242 days
    "proceedings_concluded_weeks": ("30.5 weeks", "2", None, None),  # (22 + 39) / 2
    "proceedings_within_26_weeks": ("50%", "1 of 2", None, None),
    "plan_by_second_review": ("50%", "1 of 2", None, None),  # Hal yes, Ivy no
    "without_plan": ("1", "1", None, None),  # Dan
    "stability_three_placements": ("12.5%", "1 of 8", None, None),  # Kim, of the 8 looked after
    "stability_long_term": ("66.7%", "2 of 3", None, None),  # Jay and Mia of Jay, Kim and Mia
    "s20_by_length": ("3", "3", None, None),
}


def test_each_figure_with_its_definition_threshold_and_no_child_named(client, login, council, tenant_a, make_user):
    login(make_user(tenant_a, ["senior_manager"]))
    page = client.get("/council-a/measures/")
    assert page.status_code == 200
    text = page.text
    for measure_id, (figure, count, threshold, met) in FIGURES.items():
        assert _cell(text, f"{measure_id}-value") == figure, measure_id
        assert _cell(text, f"{measure_id}-count") == count, measure_id
        if threshold:
            assert _cell(text, f"{measure_id}-threshold") == threshold
            assert _cell(text, f"{measure_id}-met") == met
    assert "How it is worked out:" in text and "the clock stops on the day the child moved in" in text
    assert "Source: DfE adoption scorecard" in text and "Children Act 1989 s32(1)(a)(ii)" in text
    assert "reg 33" in text and "placement stability measures" in text
    breakdown = re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>'
                           r'<td class="govuk-table__cell govuk-table__cell--numeric">(\d+)</td>', text)
    assert breakdown == [("Under 3 months", "1"), ("3 to 6 months", "0"), ("6 to 12 months", "1"),
                         ("1 to 2 years", "0"), ("2 years or more", "1")]
    for child in council["children"].values():
        assert child.first_name + " Fictional" not in text
    assert "Bea" not in text


def test_the_date_picker_moves_the_windows(client, login, council, tenant_a, make_user):
    """On 31 March 2023 the 3 years ran from 1 April 2020: Ava and Ben (adopted June and September 2023)
    are not counted yet, Cara (adopted March 2023, 600 days; 50 as A10) and Old (adopted 31 March 2022,
    366 days) are."""
    login(make_user(tenant_a, ["senior_manager"]))
    text = client.get("/council-a/measures/?date=2023-03-31").text
    assert _cell(text, "a1-value") == "483 days" and _cell(text, "a1-count") == "2"  # (600 + 366) / 2
    assert _cell(text, "a10-value") == "208 days"  # (50 + 366) / 2
    assert 'value="2023-03-31"' in text


@pytest.mark.parametrize("bad", ["31/03/2025", "2025-02-30", "yesterday", "2999-01-01", "1999-12-31"])
def test_a_bad_date_is_a_clear_400(client, login, council, tenant_a, make_user, bad):
    login(make_user(tenant_a, ["senior_manager"]))
    response = client.get(f"/council-a/measures/?date={bad}")
    assert response.status_code == 400
    assert "Measure date" in response.text
    assert client.get(f"/council-a/measures/a1/children?date={bad}").status_code == 400


def test_an_unknown_measure_is_a_404(client, login, council, tenant_a, make_user):
    login(make_user(tenant_a, ["senior_manager"]))
    assert client.get("/council-a/measures/a99/children").status_code == 404


def test_the_drill_down_shows_the_dates_each_figure_used(client, login, council, tenant_a, make_user):
    login(make_user(tenant_a, ["senior_manager"]))
    a10 = client.get("/council-a/measures/a10/children").text
    assert "Cara Fictional" in a10 and "Ava Fictional" in a10 and "Ben Fictional" in a10
    assert "Moved in with the adopters as foster carers: 1 March 2021" in a10
    assert "Entered care: 10 January 2021" in a10 and "Days: 50" in a10
    assert "Old Fictional" not in a10 and "You can see" not in a10
    a2 = client.get("/council-a/measures/a2/children").text
    assert "Placement order (legal status E1): 1 March 2022" in a2 and "Match decision: 15 February 2022" in a2
    assert "Days (zero where matched first): 0" in a2
    s20 = client.get("/council-a/measures/s20_by_length/children").text
    assert "Dan Fictional" in s20 and "6 to 12 months" in s20 and "Leo Fictional" in s20 and "Bea" not in s20
    plans = client.get("/council-a/measures/without_plan/children").text
    assert "Dan Fictional" in plans and "Plan expected by: 30 November 2024" in plans  # 30 Aug + 3 months
    assert "Eve Fictional" not in plans


def test_a_social_worker_sees_only_their_own_children_behind_a_figure(client, login, council):
    login(council["worker"])
    page = client.get("/council-a/measures/a1/children")
    assert page.status_code == 200
    assert "Ava Fictional" in page.text and "Ben Fictional" in page.text
    assert "Cara Fictional" not in page.text
    assert "You can see 2 of the 3 children counted" in page.text
    # No reports.view: the figures page is not theirs.
    assert client.get("/council-a/measures/").status_code == 403


def test_another_councils_children_are_never_counted(client, login, council, tenant_b, make_user):
    login(make_user(tenant_b, ["senior_manager"]))
    text = client.get("/council-b/measures/").text
    assert _cell(text, "a1-value") == "1,000 days" and _cell(text, "a1-count") == "1"
    assert _cell(text, "s20_by_length-value") == "1"
    assert _cell(text, "proceedings_open_over_26_weeks-value") == "1"
    drill = client.get("/council-b/measures/a1/children").text
    assert "Bea Elsewhere" in drill and "Fictional" not in drill


def test_the_figures_read_no_child_and_the_drill_down_is_an_audited_read(app, client, login, council, tenant_a,
                                                                         make_user):
    manager = make_user(tenant_a, ["senior_manager"])
    login(manager)
    client.get("/council-a/measures/")
    with app.app_context(), tenant_context(tenant_a.id):
        assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "read")).first() is None
    client.get("/council-a/measures/a1/children")
    with app.app_context(), tenant_context(tenant_a.id):
        read = db.session.execute(select(AuditEvent).where(AuditEvent.action == "read")).scalar_one()
        c = council["children"]
        assert read.actor_id == manager.id
        assert read.changes["ids"] == {"Child": sorted([c["Ava"].id, c["Ben"].id, c["Cara"].id])}
