"""The actions and minutes API: same permissions and object rules as the pages, 422 naming the
field, 409 with the current text and revision on a stale edit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.panels.models import Action, ActionStatus, Minutes, MinutesStatus
from minutes_support import TODAY, add_action_row, fixed_today, panel  # noqa: F401  (fixtures)


def _auth(make_token, panel, user):
    _, secret = make_token(panel.tenant, user)
    return {"Authorization": f"Bearer {secret}"}


def _api(panel, tail):
    return f"/{panel.slug}/api/v1{tail}"


def test_actions_through_the_api(app, client, make_token, panel, fixed_today):
    chair, worker, outsider = (_auth(make_token, panel, u) for u in (panel.chair, panel.worker, panel.outsider))
    url = _api(panel, f"/agenda-items/{panel.ids.item}/actions")
    bad = client.post(url, json={"description": "Do it", "owner_id": panel.worker.id, "due_on": "2027-03-10"},
                      headers=chair)
    assert bad.status_code == 422 and "description" in bad.json["errors"]["json"]
    past = client.post(url, json={"description": "Book the medical with the CLA nurse", "owner_id": panel.worker.id,
                                  "due_on": "2027-02-01"}, headers=chair)
    assert past.status_code == 422 and "due_on" in past.json["errors"]["json"]
    assert client.post(url, json={"description": "Book the medical with the CLA nurse", "owner_id": panel.worker.id,
                                  "due_on": "2027-03-10"}, headers=worker).status_code == 403
    created = client.post(url, json={"description": "Book the medical with the CLA nurse",
                                     "owner_id": panel.worker.id, "due_on": "2027-03-10"}, headers=chair)
    assert created.status_code == 201
    assert created.json["status"] == "open" and created.json["owner_name"] == "Fictional Worker Dev"
    add_action_row(app, panel, panel.ids.item, owner=panel.worker, due_on=date(2027, 2, 24),
                   description="Send the later-life letter draft to the chair")
    mine = client.get(_api(panel, "/actions?mine=true"), headers=worker).json
    assert [a["description"] for a in mine] == ["Send the later-life letter draft to the chair",
                                                "Book the medical with the CLA nurse"]
    assert [a["overdue"] for a in mine] == [True, False]
    overdue = client.get(_api(panel, "/actions?overdue=true"), headers=chair).json
    assert [a["description"] for a in overdue] == ["Send the later-life letter draft to the chair"]
    assert client.get(_api(panel, "/actions"), headers=outsider).json == []
    action_id = created.json["id"]
    assert client.patch(_api(panel, f"/actions/{action_id}"), json={"status": "done"},
                        headers=outsider).status_code == 403
    assert client.patch(_api(panel, f"/actions/{action_id}"), json={"status": "finished"},
                        headers=worker).status_code == 422
    done = client.patch(_api(panel, f"/actions/{action_id}"), json={"status": "done", "progress": "Booked"},
                        headers=worker)
    assert done.status_code == 200 and done.json["completed_on"] == TODAY.isoformat()
    assert client.get(_api(panel, "/actions?status=done"), headers=worker).json[0]["id"] == action_id
    with app.app_context(), tenant_context(panel.tenant.id):
        assert db.session.get(Action, action_id).status == ActionStatus.DONE


def test_minutes_through_the_api_with_a_conflict_on_a_stale_revision(app, client, make_token, panel, fixed_today):
    admin, chair, vice, worker = (_auth(make_token, panel, u)
                                  for u in (panel.admin, panel.chair, panel.vice, panel.worker))
    url = _api(panel, f"/meetings/{panel.ids.meeting}/minutes")
    assert client.get(url, headers=admin).status_code == 404
    assembled = client.post(url + "/assemble", json={}, headers=admin)
    assert assembled.status_code == 200 and "RB-CASE-0042" in assembled.json["text"]
    assert assembled.json["due_on"] == "2027-02-24" and assembled.json["overdue"] is True
    revision = assembled.json["revision"]
    first = client.put(url, json={"text": "Chair's edit", "revision": revision}, headers=chair)
    assert first.status_code == 200 and first.json["revision"] == revision + 1
    stale = client.put(url, json={"text": "Vice-chair's edit", "revision": revision}, headers=vice)
    assert stale.status_code == 409
    assert stale.json["text"] == "Chair's edit" and stale.json["revision"] == revision + 1
    assert client.get(url, headers=admin).json["text"] == "Chair's edit"
    assert client.put(url, json={"text": "", "revision": revision + 1}, headers=vice).status_code == 422
    assert client.post(url + "/assemble", json={}, headers=admin).status_code == 409  # edited: asks first
    assert client.post(url + "/approve", json={"revision": revision + 1}, headers=admin).status_code == 403
    assert client.post(url + "/approve", json={"revision": revision}, headers=chair).status_code == 409
    approved = client.post(url + "/approve", json={"revision": revision + 1}, headers=chair)
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    assert client.put(url, json={"text": "Late change", "revision": approved.json["revision"]},
                      headers=chair).status_code == 409
    assert client.post(url + "/circulate", headers=worker).status_code == 403
    circulated = client.post(url + "/circulate", headers=admin)
    assert circulated.status_code == 200 and circulated.json["status"] == "circulated"
    assert circulated.json["overdue"] is False
    assert client.post(url + "/circulate", headers=admin).status_code == 409
    assert client.get(url, headers=worker).status_code == 403  # not on the panel
    with app.app_context(), tenant_context(panel.tenant.id):
        minutes = db.session.execute(select(Minutes)).scalar_one()
        assert (minutes.text, minutes.status) == ("Chair's edit", MinutesStatus.CIRCULATED)


def test_the_decision_record_through_the_api(app, client, make_token, panel, make_tenant, make_user, fixed_today):
    add_action_row(app, panel, panel.ids.item, owner=panel.worker, due_on=date(2027, 3, 31))
    worker = _auth(make_token, panel, panel.worker)
    record = client.get(_api(panel, f"/agenda-items/{panel.ids.item}/decision-record"), headers=worker)
    assert record.status_code == 200
    body = record.json
    assert body["children"][0]["case_number"] == "RB-CASE-0042"
    assert body["outcome"] == "Agreed decisions and recommended action"
    assert body["next_review_on"] == "2027-05-19" and body["actions"][0]["owner"] == "Fictional Worker Dev"
    assert body["meeting_date"] == "2027-02-17" and body["body"] == "Permanence Tracking Panel"
    group = client.get(_api(panel, f"/agenda-items/{panel.ids.group_item}/decision-record"),
                       headers=_auth(make_token, panel, panel.chair)).json
    assert group["sign_off"] == "Not yet agreed by Head of service"
    outsider = _auth(make_token, panel, panel.outsider)
    assert client.get(_api(panel, f"/agenda-items/{panel.ids.item}/decision-record"),
                      headers=outsider).status_code == 403
    other = make_tenant("council-elsewhere")
    _, secret = make_token(other, make_user(other, ["chair"]))
    assert client.get(f"/{other.slug}/api/v1/agenda-items/{panel.ids.item}/decision-record",
                      headers={"Authorization": f"Bearer {secret}"}).status_code == 404


def test_reading_the_minutes_through_the_api_is_a_read_of_the_children_they_name(app, client, make_token, panel,
                                                                               fixed_today):
    from permanence.audit.models import AuditEvent

    admin = _auth(make_token, panel, panel.admin)
    url = _api(panel, f"/meetings/{panel.ids.meeting}/minutes")
    assert client.post(url + "/assemble", json={}, headers=admin).status_code == 200
    with app.app_context(), tenant_context(panel.tenant.id):
        before = db.session.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc())).scalars().first()
    text = client.get(url, headers=admin).json["text"]
    assert panel.child.case_number in text
    with app.app_context(), tenant_context(panel.tenant.id):
        (read,) = db.session.execute(select(AuditEvent).where(AuditEvent.id > before,
                                                               AuditEvent.action == "read")).scalars().all()
    named = set((read.changes or {}).get("ids", {}).get("Child", []))
    assert read.actor_id == panel.admin.id and panel.child.id in named
