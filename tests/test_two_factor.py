"""Two-factor sign-in: a code from an authenticator app after the password, once turned on."""

import re
import time
from datetime import datetime, timedelta, timezone

import pyotp
import pytest

from factories import PASSWORD
from permanence.accounts.models import User
from permanence.extensions import db


@pytest.fixture
def client(app):
    """Plain clients (see tests/test_sessions.py): several browsers in one test."""
    return app.test_client()


def sign_in(client, email, password=PASSWORD, **kwargs):
    return client.post("/sign-in", data={"email": email, "password": password}, **kwargs)


def turn_on(client):
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and "<svg" in page.text
    secret = re.search(r'name="on-secret" type="hidden" value="([A-Z2-7]{32})"', page.text).group(1)
    done = client.post("/account/two-factor", data={"on-secret": secret, "on-code": pyotp.TOTP(secret).now()},
                       follow_redirects=True)
    assert "Two-factor sign-in is on" in done.text
    return secret


def next_code_step(time_machine):
    """Half a minute on: the code that turned it on is used up, the app shows the next."""
    time_machine.move_to(datetime.now(timezone.utc) + timedelta(seconds=31), tick=False)


def test_turning_it_on_needs_a_code_from_the_app(app, client, tenant_a, make_user):
    make_user(tenant_a, ["chair"], email="chair@example.org")
    sign_in(client, "chair@example.org")
    page = client.get("/account/two-factor")
    secret = re.search(r'value="([A-Z2-7]{32})"', page.text).group(1)
    wrong = client.post("/account/two-factor", data={"on-secret": secret, "on-code": "000000"})
    assert "The code is not right" in wrong.text
    assert secret in wrong.text  # the same key again, so the app already set up still works
    other_browser = app.test_client()
    sign_in(other_browser, "chair@example.org")
    turn_on(client)
    assert client.get("/council-a/").status_code == 200
    assert other_browser.get("/council-a/").status_code == 302  # other sessions end


def test_signing_in_asks_for_the_code_after_the_password(app, client, tenant_a, make_user, time_machine):
    make_user(tenant_a, ["chair"], email="chair@example.org")
    sign_in(client, "chair@example.org")
    secret = turn_on(client)
    client.post("/sign-out")
    next_code_step(time_machine)

    response = sign_in(client, "chair@example.org")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in/code")
    assert client.get("/council-a/").status_code == 302  # not signed in on the password alone
    wrong = client.post("/sign-in/code", data={"code": "123 456"})
    assert wrong.status_code == 200 and "The code is not right" in wrong.text
    code = pyotp.TOTP(secret).now()
    done = client.post("/sign-in/code", data={"code": code[:3] + " " + code[3:]})
    assert done.status_code == 302
    assert client.get("/council-a/").status_code == 200

    client.post("/sign-out")
    sign_in(client, "chair@example.org")
    replay = client.post("/sign-in/code", data={"code": code})
    assert "The code is not right" in replay.text  # a code is used once


def test_the_code_page_needs_the_password_first_and_soon(client, tenant_a, make_user, time_machine):
    make_user(tenant_a, ["chair"], email="chair@example.org")
    response = client.get("/sign-in/code", follow_redirects=True)
    assert "Sign in again" in response.text
    sign_in(client, "chair@example.org")
    secret = turn_on(client)
    client.post("/sign-out")
    next_code_step(time_machine)
    sign_in(client, "chair@example.org")
    with client.session_transaction() as session:
        session["code_since"] = time.time() - 6 * 60
    late = client.post("/sign-in/code", data={"code": pyotp.TOTP(secret).now()}, follow_redirects=True)
    assert "within 5 minutes" in late.text
    assert client.get("/council-a/").status_code == 302


def test_guessing_codes_is_limited(client, tenant_a, make_user):
    make_user(tenant_a, ["chair"], email="chair@example.org")
    sign_in(client, "chair@example.org")
    turn_on(client)
    client.post("/sign-out")
    sign_in(client, "chair@example.org")
    answers = [client.post("/sign-in/code", data={"code": f"{n:06d}"}).status_code for n in range(6)]
    assert answers[-1] == 429


def test_turning_it_off_needs_the_password(app, client, tenant_a, make_user):
    user = make_user(tenant_a, ["chair"], email="chair@example.org")
    sign_in(client, "chair@example.org")
    turn_on(client)
    wrong = client.post("/account/two-factor", data={"off-password": "not my password"})
    assert "The password is not right" in wrong.text
    done = client.post("/account/two-factor", data={"off-password": PASSWORD}, follow_redirects=True)
    assert "Two-factor sign-in is off" in done.text
    with app.app_context():
        assert db.session.get(User, user.id).totp_secret is None
    client.post("/sign-out")
    assert sign_in(client, "chair@example.org").headers["Location"] == "/tenants"


def test_the_service_desk_resets_it_for_a_lost_phone(app, client, tenant_a, make_user):
    user = make_user(tenant_a, ["chair"], email="chair@example.org")
    sign_in(client, "chair@example.org")
    turn_on(client)
    result = app.test_cli_runner().invoke(args=["users", "reset-two-factor", "chair@example.org"])
    assert result.exit_code == 0, result.output
    assert client.get("/council-a/").status_code == 302  # sessions ended too
    with app.app_context():
        assert db.session.get(User, user.id).totp_secret is None
    assert sign_in(client, "chair@example.org").headers["Location"] == "/tenants"


def test_the_change_password_page_says_whether_it_is_on(client, tenant_a, make_user):
    make_user(tenant_a, ["chair"], email="chair@example.org")
    sign_in(client, "chair@example.org")
    assert "Turn on two-factor sign-in" in client.get("/account/password").text
    turn_on(client)
    assert "On: you are asked for a code" in client.get("/account/password").text


# --- required of the council's administrators --------------------------------------------------

REQUIRED = "Your council requires administrators to use two-factor sign-in"


def require_it(client, value="yes"):
    return client.post("/council-a/admin/users/two-factor", data={"required": value}, follow_redirects=True)


def test_off_by_default_nothing_changes(client, tenant_a, make_user):
    make_user(tenant_a, ["tenant_admin"], email="admin@example.org")
    sign_in(client, "admin@example.org")
    page = client.get("/council-a/admin/users")
    assert page.status_code == 200 and "Require two-factor sign-in for administrators" in page.text
    assert client.get("/council-a/").status_code == 200


def test_when_required_an_administrator_sets_it_up_first(app, client, tenant_a, make_user, time_machine):
    from sqlalchemy import select

    from permanence.audit.models import AuditEvent
    from permanence.core.context import tenant_context
    from permanence.tenancy.models import Tenant

    make_user(tenant_a, ["tenant_admin"], email="admin@example.org")
    sign_in(client, "admin@example.org")
    done = require_it(client)
    assert "Administrators of Council A must now use two-factor sign-in" in done.text
    assert REQUIRED in done.text and "<svg" in done.text  # sent straight on to set it up, and told why
    for page in ("/council-a/", "/council-a/admin/users", "/council-a/admin/audit"):
        response = client.get(page)
        assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    assert client.post("/council-a/admin/users/two-factor", data={"required": "no"}).status_code == 302
    with app.app_context(), tenant_context(tenant_a.id):
        assert db.session.get(Tenant, tenant_a.id).admins_need_two_factor  # nothing else until set up
        events = db.session.execute(select(AuditEvent.summary).where(AuditEvent.entity_type == "Tenant")).scalars()
        assert list(events) == ["Two-factor sign-in required for administrators of Council A"]

    turn_on(client)
    assert client.get("/council-a/").status_code == 200
    assert "Stop requiring two-factor sign-in" in client.get("/council-a/admin/users").text
    assert "no longer have to use two-factor sign-in" in require_it(client, "no").text
    with app.app_context(), tenant_context(tenant_a.id):
        assert not db.session.get(Tenant, tenant_a.id).admins_need_two_factor
        assert db.session.execute(select(AuditEvent.summary).where(AuditEvent.entity_type == "Tenant")
                                  .order_by(AuditEvent.id)).scalars().all()[-1] == (
            "Two-factor sign-in no longer required for administrators of Council A")
    require_it(client)
    client.post("/sign-out")
    next_code_step(time_machine)
    assert sign_in(client, "admin@example.org").headers["Location"].startswith("/sign-in/code")


def test_required_only_of_administrators(app, client, tenant_a, make_user, make_token):
    make_user(tenant_a, ["tenant_admin"], email="admin@example.org")
    chair = make_user(tenant_a, ["chair"], email="chair@example.org")
    admin_browser = app.test_client()
    sign_in(admin_browser, "admin@example.org")
    require_it(admin_browser)
    sign_in(client, "chair@example.org")
    assert client.get("/council-a/").status_code == 200
    _, secret = make_token(tenant_a, chair)
    assert client.get("/council-a/api/v1/me/", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_an_administrators_token_is_refused_until_they_set_it_up(app, client, tenant_a, make_user, make_token):
    admin = make_user(tenant_a, ["tenant_admin"], email="admin@example.org")
    _, secret = make_token(tenant_a, admin)
    sign_in(client, "admin@example.org")
    require_it(client)
    response = app.test_client().get("/council-a/api/v1/me/", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403 and REQUIRED in response.get_json()["message"]


def test_only_an_administrator_may_switch_it(app, client, tenant_a, make_user):
    from permanence.tenancy.models import Tenant

    make_user(tenant_a, ["chair"], email="chair@example.org")
    sign_in(client, "chair@example.org")
    assert client.post("/council-a/admin/users/two-factor", data={"required": "yes"}).status_code == 403
    with app.app_context():
        assert not db.session.get(Tenant, tenant_a.id).admins_need_two_factor
