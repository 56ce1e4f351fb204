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


# --- the papers of an agenda item -----------------------------------------------------------------

def _downloads(app, tenant):
    from permanence.audit.models import AuditEvent

    with app.app_context(), tenant_context(tenant.id):
        return [(e.actor_id, e.changes["subject_type"]) for e in db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "download")).scalars()]


def test_a_seated_partner_member_reads_a_booked_items_papers_and_each_download_is_audited(app, client, login, panel):
    from agenda_support import attach_paper

    tenant = panel["tenant"]
    seat(app, tenant, panel["nurse"])
    item_id = book(app, tenant, panel["meeting_id"], panel["children"][0])
    token = attach_paper(app, tenant, item_id, panel["admin"])
    login(panel["nurse"])  # a partner agency's nurse: panel_member role, no child allocated
    page = client.get(f"/knowsley/agenda-items/{item_id}/papers")
    assert page.status_code == 200
    assert "Ava Fictional" in page.text and "Most recent care plan" in page.text
    assert "C and F assessment" in page.text  # the ToR's paperwork for the part, still to come
    assert client.get(f"/knowsley/papers/{token}").status_code == 200
    pack = client.get(f"/knowsley/meetings/{panel['meeting_id']}/papers")
    assert pack.status_code == 200 and f"/knowsley/papers/{token}" in pack.text
    assert _downloads(app, tenant) == [(panel["nurse"].id, "agenda_item")]


def test_a_member_ruled_to_leave_an_item_cannot_open_its_papers_whatever_their_role(app, client, login, panel):
    from agenda_support import attach_paper, declare
    from permanence.panels.models import Ruling

    tenant = panel["tenant"]
    seat(app, tenant, panel["nurse"])
    left = book(app, tenant, panel["meeting_id"], panel["children"][0])
    stays = book(app, tenant, panel["meeting_id"], panel["children"][1])
    token = attach_paper(app, tenant, left, panel["admin"])
    other = attach_paper(app, tenant, stays, panel["admin"])
    for who in ("nurse", "chair"):
        declare(app, tenant, panel["meeting_id"], left, panel[who], Ruling.LEAVE)
        login(panel[who])
        assert client.get(f"/knowsley/agenda-items/{left}/papers").status_code == 403
        assert client.get(f"/knowsley/papers/{token}").status_code == 403
        assert client.get(f"/knowsley/agenda-items/{stays}/papers").status_code == 200
        pack = client.get(f"/knowsley/meetings/{panel['meeting_id']}/papers").text
        assert token not in pack and other in pack and "Ava Fictional" not in pack
    assert _downloads(app, tenant) == []


def test_a_member_not_seated_on_the_panel_cannot_open_the_papers(app, client, login, panel):
    from agenda_support import attach_paper

    tenant = panel["tenant"]
    item_id = book(app, tenant, panel["meeting_id"], panel["children"][0])
    token = attach_paper(app, tenant, item_id, panel["admin"])
    login(panel["outsider"])
    assert client.get(f"/knowsley/agenda-items/{item_id}/papers").status_code == 403
    assert client.get(f"/knowsley/papers/{token}").status_code == 403
    assert token not in client.get(f"/knowsley/meetings/{panel['meeting_id']}/papers").text
    login(panel["worker"])  # the child's own social worker reads them through the child
    assert client.get(f"/knowsley/agenda-items/{item_id}/papers").status_code == 200
