"""The agenda through the JSON API: seats, meetings with deadlines, the agenda, an item's slot,
publishing; the same permissions as the pages, bad input a 422 naming the field."""

from __future__ import annotations

from agenda_support import BODY, book, emails, item_row, meeting_row, panel, seat  # noqa: F401


def _auth(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_seats_listed_added_and_removed(app, client, make_token, panel):
    _, admin = make_token(panel["tenant"], panel["admin"])
    _, nurse = make_token(panel["tenant"], panel["nurse"])
    url = f"/knowsley/api/v1/bodies/{BODY}/seats"
    listing = client.get(url, headers=_auth(admin)).get_json()
    assert listing["name"] == "Multi-Agency Permanency Panel"
    assert all(s["filled_by"] is None for s in listing["tor_seats"]) and listing["seats"] == []
    created = client.post(url, json={"user_id": panel["nurse"].id, "seat": 4}, headers=_auth(admin))
    assert created.status_code == 201
    assert created.get_json()["title"] == "Specialist Nurse CLA"
    listing = client.get(url, headers=_auth(nurse)).get_json()
    assert [s["filled_by"] for s in listing["tor_seats"]][4] == panel["nurse"].id
    again = client.post(url, json={"user_id": panel["nurse"].id, "seat": 4}, headers=_auth(admin))
    assert again.status_code == 422 and "user_id" in again.get_json()["errors"]["json"]
    bad = client.post(url, json={"user_id": panel["worker"].id, "seat": 40}, headers=_auth(admin))
    assert bad.status_code == 422 and "seat" in bad.get_json()["errors"]["json"]
    seat_id = created.get_json()["id"]
    assert client.delete(f"{url}/{seat_id}", headers=_auth(nurse)).status_code == 403
    assert client.delete(f"{url}/{seat_id}", headers=_auth(admin)).status_code == 204
    assert client.get(url, headers=_auth(admin)).get_json()["seats"] == []
    assert client.get("/knowsley/api/v1/bodies/nope/seats", headers=_auth(admin)).status_code == 404


def test_upcoming_meetings_and_one_meeting_with_its_deadlines(app, client, make_token, panel):
    _, member = make_token(panel["tenant"], panel["nurse"])
    meetings = client.get("/knowsley/api/v1/meetings", headers=_auth(member)).get_json()
    assert meetings[0]["date"] == "2026-12-16" and meetings[0]["body_name"] == "Multi-Agency Permanency Panel"
    assert meetings[0]["status"] == "scheduled" and len(meetings) == 6
    one = client.get(f"/knowsley/api/v1/meetings/{panel['meeting_id']}", headers=_auth(member)).get_json()
    assert {d["kind"] for d in one["deadlines"]} >= {"papers", "minutes"}
    assert client.get("/knowsley/api/v1/meetings?page=0", headers=_auth(member)).status_code == 422


def test_the_agenda_read_changed_and_published_through_the_api(app, client, make_token, panel, work_jobs):
    tenant, meeting_id = panel["tenant"], panel["meeting_id"]
    seat(app, tenant, panel["nurse"])
    first = book(app, tenant, meeting_id, panel["children"][0], position=1)
    second = book(app, tenant, meeting_id, panel["children"][1], position=2)
    _, admin = make_token(tenant, panel["admin"])
    agenda = client.get(f"/knowsley/api/v1/meetings/{meeting_id}/agenda", headers=_auth(admin)).get_json()
    part = agenda["parts"][0]
    assert part["id"] == "adoption-tracking" and [i["id"] for i in part["items"]] == [first, second]
    assert part["items"][0]["starts_at"].startswith("2026-12-16T09:30")
    assert part["items"][0]["presenter_id"] == panel["worker"].id  # the allocated social worker by default
    assert part["items"][0]["paperwork"]["complete"] is False
    changed = client.patch(f"/knowsley/api/v1/agenda-items/{second}", headers=_auth(admin), json={
        "position": 1, "minutes_allowed": 30, "presenter_id": panel["manager"].id,
        "starts_at": "2026-12-16T10:00:00+00:00"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["position"] == 1 and changed.get_json()["minutes_allowed"] == 30
    assert item_row(app, tenant, first).position == 2
    published = client.post(f"/knowsley/api/v1/meetings/{meeting_id}/agenda/publish", headers=_auth(admin))
    assert published.status_code == 200 and published.get_json()["published_at"]
    work_jobs()
    assert any(e["to"] == "nurse@health.example.org" and e["calendar"] for e in emails(app, tenant))


def test_bad_changes_are_a_422_naming_the_field_and_change_nothing(app, client, make_token, panel):
    tenant, meeting_id = panel["tenant"], panel["meeting_id"]
    item_id = book(app, tenant, meeting_id, panel["children"][0])
    _, admin = make_token(tenant, panel["admin"])
    url = f"/knowsley/api/v1/agenda-items/{item_id}"
    for body, field in [({"position": 0}, "position"), ({"minutes_allowed": 999}, "minutes_allowed"),
                        ({"starts_at": "2026-12-17T10:00:00+00:00"}, "starts_at"),
                        ({"starts_at": "2026-12-16T10:00:00"}, "starts_at"),
                        ({"presenter_id": panel["nurse"].id}, "presenter_id"),
                        ({"second_presenter_id": panel["manager"].id, "presenter_id": None}, "presenter_id"),
                        ({"colour": "red"}, "colour")]:
        response = client.patch(url, json=body, headers=_auth(admin))
        assert response.status_code == 422, body
        assert field in response.get_json()["errors"]["json"], body
    saved = item_row(app, tenant, item_id)
    assert (saved.position, saved.starts_at, saved.minutes_allowed, saved.presenter_id) == (0, None, None, None)
    empty = client.post(f"/knowsley/api/v1/meetings/{panel['next_meeting_id']}/agenda/publish",
                        headers=_auth(admin))
    assert empty.status_code == 409


def test_the_api_keeps_the_pages_permissions(app, client, make_token, panel):
    tenant, meeting_id = panel["tenant"], panel["meeting_id"]
    item_id = book(app, tenant, meeting_id, panel["children"][0])
    _, outsider = make_token(tenant, panel["outsider"])
    agenda = client.get(f"/knowsley/api/v1/meetings/{meeting_id}/agenda", headers=_auth(outsider)).get_json()
    assert all(part["items"] == [] for part in agenda["parts"])  # an unseated member sees no child
    assert client.patch(f"/knowsley/api/v1/agenda-items/{item_id}", json={"position": 2},
                        headers=_auth(outsider)).status_code == 403
    assert client.post(f"/knowsley/api/v1/meetings/{meeting_id}/agenda/publish",
                       headers=_auth(outsider)).status_code == 403
