"""The agenda of a sitting on the web: panel seats, the papers of an agenda item, ordering,
slots and presenters, moving an item, publishing with invitations, and the papers pack."""

from __future__ import annotations

from sqlalchemy import select

from agenda_support import BODY, book, emails, item_row, meeting_row, panel, seat  # noqa: F401
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.panels.models import PanelMember


def _seats(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        return [(s.user_id, s.role, s.title, s.active) for s in db.session.execute(select(PanelMember)).scalars()]


def test_the_administrator_seats_a_member_and_the_tor_seat_shows_filled(app, client, login, panel):
    tenant = panel["tenant"]
    login(panel["admin"])
    page = client.get(f"/knowsley/panels/{BODY}/members")
    assert page.status_code == 200
    assert "Members of Multi" in page.text
    assert page.text.count("Vacant") == 12  # every seat of Knowsley's ToR is vacant
    response = client.post(f"/knowsley/panels/{BODY}/members",
                           data={"user_id": panel["nurse"].id, "seat": "4", "active": "y"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Nora Nurse now sits on" in response.text
    assert response.text.count("Vacant") == 11
    assert _seats(app, tenant) == [(panel["nurse"].id, "cla-nurse", "Specialist Nurse CLA", True)]


def test_bad_seat_input_names_the_field_and_writes_nothing(app, client, login, panel):
    tenant = panel["tenant"]
    login(panel["admin"])
    response = client.post(f"/knowsley/panels/{BODY}/members", data={"user_id": "", "seat": "99"})
    assert response.status_code == 400
    assert "There is a problem" in response.text and "Select a member of the council" in response.text
    seat(app, tenant, panel["nurse"])
    response = client.post(f"/knowsley/panels/{BODY}/members", data={"user_id": panel["nurse"].id, "seat": "0"})
    assert response.status_code == 400 and "already has a seat on this panel" in response.text
    assert len(_seats(app, tenant)) == 1


def test_removing_a_seat_and_who_may_change_seats(app, client, login, panel):
    tenant = panel["tenant"]
    seat_id = seat(app, tenant, panel["nurse"])
    login(panel["nurse"])
    assert client.get(f"/knowsley/panels/{BODY}/members").status_code == 200
    assert client.post(f"/knowsley/panels/{BODY}/members/{seat_id}/remove").status_code == 403
    assert client.get("/knowsley/panels/no-such-panel/members").status_code == 404
    login(panel["admin"])
    response = client.post(f"/knowsley/panels/{BODY}/members/{seat_id}/remove", follow_redirects=True)
    assert "Nora Nurse no longer sits on" in response.text
    assert _seats(app, tenant) == []


def test_schedule_changes_go_to_the_seated_members_when_the_panel_has_seats(app, client, login, panel):
    tenant = panel["tenant"]
    seat(app, tenant, panel["nurse"])
    seat(app, tenant, panel["chair"], role="senior-manager", title="Senior Manager Chair")
    login(panel["admin"])
    client.post(f"/knowsley/meetings/{panel['meeting_id']}/cancel", data={"reason": "Not quorate"})
    assert {e["to"] for e in emails(app, tenant)} == {"nurse@health.example.org", "chair@knowsley.example.org"}
