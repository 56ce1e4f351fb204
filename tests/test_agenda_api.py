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
