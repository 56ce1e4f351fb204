"""Shared set-up of the membership-by-part tests (seed 004, Knowsley): a sitting with items in parts
1, 2 and 3 and seats that the terms of reference take out of some parts."""

from __future__ import annotations

import pytest

from agenda_support import book, panel, seat  # noqa: F401

PART_1, PART_2, PART_3 = "adoption-tracking", "matching-and-approval", "placed-with-parents"


@pytest.fixture
def sitting(app, make_user, panel):
    """Knowsley's sitting on Wednesday 16 December 2026, 09:30 to 12:30: the chair, the nurse, an IRO,
    the Virtual School Head and the adoption team manager seated (partner members see children only
    through their seat); Ava in part 1 (09:30 to 09:40), Ben in part 2 (09:40 to 10:00), Cal in part 3
    (10:00 to 10:10)."""
    tenant = panel["tenant"]
    people = dict(panel)
    people["vsh"] = make_user(tenant, ["panel_member"], email="vsh@school.example.org", name="Vera Head")
    people["adoption"] = make_user(tenant, ["panel_member"], email="adoption@knowsley.example.org",
                                   name="Adam Adopt")
    people["iro"] = make_user(tenant, ["panel_member"], email="iro@knowsley.example.org", name="Ira Reviewer")
    seat(app, tenant, panel["chair"], role="senior-manager", title="Senior Manager Chair")
    seat(app, tenant, panel["nurse"])
    seat(app, tenant, people["iro"], role="independent-reviewing-officer", title="Independent Reviewing Officer")
    seat(app, tenant, people["vsh"], role="virtual-school-head", title="Virtual School Head")
    seat(app, tenant, people["adoption"], role="team-manager", title="Team Manager, Adoption Service")
    ava, ben, cal = panel["children"]
    meeting_id = panel["meeting_id"]
    people["items"] = {
        "ava": book(app, tenant, meeting_id, ava, part=PART_1, position=1),
        "ben": book(app, tenant, meeting_id, ben, part=PART_2, position=1),
        "cal": book(app, tenant, meeting_id, cal, part=PART_3, position=1),
    }
    return people
