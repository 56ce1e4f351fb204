"""The JSON API: tokens scoped to one council, same permissions as the web, 422 with field paths."""

from sqlalchemy import select


def auth(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_openapi_document_is_served(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["info"]["title"] == "Permanence API"
    assert "/{tenant_slug}/api/v1/children/{child_id}" in spec["paths"]


def test_no_token_is_a_401_with_a_message(client, tenant_a):
    response = client.get("/council-a/api/v1/children/")
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.get_json()["message"]


def test_session_cookies_do_not_authenticate_the_api(client, tenant_a, make_user, login):
    login(make_user(tenant_a, ["chair"]))
    assert client.get("/council-a/api/v1/children/").status_code == 401


def test_token_lists_what_its_user_may_see(client, tenant_a, make_user, make_child, make_token):
    worker = make_user(tenant_a, ["social_worker"])
    make_child(tenant_a, social_worker=worker, case_number="MINE")
    make_child(tenant_a, case_number="NOT-MINE")
    _, secret = make_token(tenant_a, worker)
    body = client.get("/council-a/api/v1/children/", headers=auth(secret)).get_json()
    assert [c["case_number"] for c in body] == ["MINE"]
    me = client.get("/council-a/api/v1/me/", headers=auth(secret)).get_json()
    assert me["roles"] == ["social_worker"] and me["tenant"] == "council-a"


def test_a_token_works_in_its_own_council_only(client, tenant_a, tenant_b, make_user, make_token):
    user = make_user(tenant_a, ["chair"])
    _, secret = make_token(tenant_a, user)
    assert client.get("/council-a/api/v1/me/", headers=auth(secret)).status_code == 200
    assert client.get("/council-b/api/v1/me/", headers=auth(secret)).status_code == 401


def test_a_revoked_token_stops_working(app, client, tenant_a, make_user, make_token, login):
    user = make_user(tenant_a, ["chair"])
    token, secret = make_token(tenant_a, user, name="nightly export")
    login(user)
    page = client.post(f"/council-a/account/tokens/{token.id}/revoke", follow_redirects=True)
    assert "The token &#39;nightly export&#39; is revoked" in page.text
    assert client.get("/council-a/api/v1/me/", headers=auth(secret)).status_code == 401


def test_tokens_are_hashed_at_rest_and_shown_once(app, client, tenant_a, make_user, login):
    from permanence.accounts.models import ApiToken
    from permanence.core.context import tenant_context
    from permanence.extensions import db

    login(make_user(tenant_a, ["social_worker"]))
    page = client.post("/council-a/account/tokens", data={"name": "my script"}).text
    secret = page.split('id="new-token">')[1].split("<")[0]
    assert secret.startswith("pmt_")
    with app.app_context(), tenant_context(tenant_a.id):
        stored = db.session.execute(select(ApiToken)).scalar_one()
        assert stored.token_hash != secret and secret not in (stored.prefix + stored.token_hash)
    assert secret not in client.get("/council-a/account/tokens").text


def test_validation_errors_are_422_with_field_paths(client, tenant_a, make_user, make_child, make_token):
    worker = make_user(tenant_a, ["social_worker"])
    child = make_child(tenant_a, social_worker=worker)
    _, secret = make_token(tenant_a, worker)
    response = client.patch(f"/council-a/api/v1/children/{child.id}", headers=auth(secret),
                            json={"sex": "X", "date_of_birth": "2027-02-31", "nickname": "x"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert set(errors) == {"sex", "date_of_birth", "nickname"}
    assert "Must be one of: M, F, U." in errors["sex"]


def test_the_api_applies_the_same_permissions_as_the_web(client, tenant_a, make_user, make_child, make_token):
    iro = make_user(tenant_a, ["iro"])
    child = make_child(tenant_a)
    _, secret = make_token(tenant_a, iro)
    assert client.get(f"/council-a/api/v1/children/{child.id}", headers=auth(secret)).status_code == 403
    assert client.patch(f"/council-a/api/v1/children/{child.id}", headers=auth(secret),
                        json={"first_name": "X"}).status_code == 403


def test_a_duplicate_case_number_is_refused_and_nothing_changes(app, client, tenant_a, make_user, make_child,
                                                                 make_token):
    worker = make_user(tenant_a, ["social_worker"])
    make_child(tenant_a, case_number="TAKEN", social_worker=worker)
    child = make_child(tenant_a, case_number="MINE", social_worker=worker, first_name="Kept")
    _, secret = make_token(tenant_a, worker)
    response = client.patch(f"/council-a/api/v1/children/{child.id}", headers=auth(secret),
                            json={"case_number": "TAKEN", "first_name": "Changed"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["case_number"] == ["Case number TAKEN is already used by another child"]
    after = client.get(f"/council-a/api/v1/children/{child.id}", headers=auth(secret)).get_json()
    assert (after["case_number"], after["first_name"]) == ("MINE", "Kept")
