"""Input that used to give a 500 (a NUL character, an id past 32 bits, a huge page number) is
bad input: a 400 on a page, a 422 or 404 on the API, naming the field, and nothing is written.
Run on SQLite and on PostgreSQL (which refuses NUL in text and numbers past its column types)."""

from __future__ import annotations

from sqlalchemy import select

from permanence.cases.models import Child
from permanence.core.db import MAX_ID
from permanence.extensions import db

BIG = 2**40


def auth(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_a_nul_character_in_a_search_or_a_form_is_a_400_naming_the_field(client, tenant_a, make_user, login):
    login(make_user(tenant_a, ["chair"]))
    response = client.get("/council-a/children/?q=Ad%00a")
    assert response.status_code == 400
    assert "&#39;q&#39; contains a NUL character" in response.text
    response = client.post("/council-a/account/tokens", data={"name": "my\x00script"})
    assert response.status_code == 400
    assert "&#39;name&#39; contains a NUL character" in response.text


def test_a_nul_character_on_sign_in_or_in_the_address_is_a_400(client, tenant_a):
    response = client.post("/sign-in", data={"email": "a\x00@example.org", "password": "x" * 12})
    assert response.status_code == 400 and "&#39;email&#39; contains a NUL character" in response.text
    assert client.get("/council-a%00/children/").status_code == 400


def test_a_nul_character_in_an_api_body_is_a_422_naming_the_field_and_nothing_changes(
        app, client, tenant_a, make_user, make_child, make_token, in_tenant):
    worker = make_user(tenant_a, ["social_worker"])
    child = make_child(tenant_a, social_worker=worker, first_name="Kept")
    _, secret = make_token(tenant_a, worker)
    response = client.patch(f"/council-a/api/v1/children/{child.id}", headers=auth(secret),
                            json={"first_name": "Bad\x00name"})
    assert response.status_code == 422
    assert "'first_name' contains a NUL character" in response.get_json()["message"]
    with in_tenant(tenant_a):
        assert db.session.execute(select(Child.first_name).where(Child.id == child.id)).scalar_one() == "Kept"


def test_ids_past_32_bits_are_not_found_on_pages_and_the_api(client, tenant_a, make_user, make_token, login):
    chair = make_user(tenant_a, ["chair"])
    _, secret = make_token(tenant_a, chair)
    assert client.get(f"/council-a/api/v1/children/{BIG}", headers=auth(secret)).status_code == 404
    assert client.get(f"/council-a/api/v1/children/{MAX_ID}", headers=auth(secret)).status_code == 404
    login(chair)
    assert client.get(f"/council-a/children/{BIG}").status_code == 404
    assert client.get(f"/council-a/meetings/{BIG}").status_code == 404


def test_numbers_past_32_bits_in_the_api_are_a_422_naming_the_field(client, tenant_a, make_user, make_token):
    chair = make_user(tenant_a, ["chair"])
    _, secret = make_token(tenant_a, chair)
    response = client.get(f"/council-a/api/v1/children/?page={BIG}", headers=auth(secret))
    assert response.status_code == 422
    assert "no larger than" in response.get_json()["errors"]["query"]["page"][0]
    response = client.get(f"/council-a/api/v1/actions?owner_id={BIG}", headers=auth(secret))
    assert response.status_code == 422 and "owner_id" in response.get_json()["errors"]["query"]


def test_a_huge_page_number_on_a_page_is_an_empty_page_not_a_fault(client, tenant_a, make_user, login):
    login(make_user(tenant_a, ["chair"]))
    assert client.get("/council-a/children/?page=99999999999999999999999").status_code == 200
    assert client.get(f"/council-a/children/?page={MAX_ID}").status_code == 200
    assert client.get(f"/council-a/tracker/?page={BIG}").status_code in (200, 400)
