"""Sessions that end on the server: a copied cookie stops working after sign-out, a new password,
deactivation or a role taken away; sign-in throttled per address; passwords that are not common."""

import time

import pytest
from flask_login.utils import encode_cookie
from sqlalchemy import select

from factories import PASSWORD, _session_id
from permanence.accounts import passwords, services
from permanence.accounts.models import Membership, User
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db

NEW_PASSWORD = "plum orchard lantern velvet"


def sign_in(client, email, password=PASSWORD, **kwargs):
    return client.post("/sign-in", data={"email": email, "password": password}, **kwargs)


@pytest.fixture
def client(app):
    """Plain clients here: pytest-flask's keeps its last request's context, which a second browser's
    request would then run in."""
    return app.test_client()


def browser_of(app, user):
    """A browser signed in as ``user`` without the form (like the ``login`` fixture)."""
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = _session_id(app, user)
        session["seen"] = time.time()
    return browser


def copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie, as an attacker would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def assert_signed_out(response):
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_a_copied_cookie_stops_working_once_the_user_signs_out(app, client, tenant_a, make_user):
    make_user(tenant_a, ["chair"], email="chair@example.org")
    sign_in(client, "chair@example.org")
    thief = copy_of(app, client)
    assert thief.get("/council-a/").status_code == 200
    client.post("/sign-out")
    assert_signed_out(thief.get("/council-a/"))
    assert_signed_out(thief.get("/council-a/"))  # and stays so


def test_the_person_is_told_their_session_has_ended(app, client, tenant_a, make_user):
    make_user(tenant_a, ["chair"], email="chair@example.org")
    sign_in(client, "chair@example.org")
    thief = copy_of(app, client)
    client.post("/sign-out")
    response = thief.get("/council-a/", follow_redirects=True)
    assert "You have been signed out. Sign in again to continue." in response.text


def test_changing_the_password_ends_every_other_session_but_this_one(app, client, tenant_a, make_user):
    make_user(tenant_a, ["chair"], email="chair@example.org", name="Carys Chair")
    sign_in(client, "chair@example.org")
    thief = copy_of(app, client)
    response = client.post("/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                                      "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "Your password is changed. You have been signed out everywhere else." in response.text
    assert client.get("/council-a/").status_code == 200
    assert_signed_out(thief.get("/council-a/"))
    client.post("/sign-out")
    assert sign_in(client, "chair@example.org", NEW_PASSWORD).status_code == 302


def test_changing_the_password_needs_the_current_one_and_says_why_a_new_one_will_not_do(
        client, tenant_a, make_user):
    make_user(tenant_a, ["chair"], email="carys.chair@example.org", name="Carys Chair")
    sign_in(client, "carys.chair@example.org")
    wrong = client.post("/account/password", data={"current": "not my password", "password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD})
    assert wrong.status_code == 200 and "The current password is not right" in wrong.text
    for new, reason in [("aaaaaaaaaaaa", "mostly one character"), ("Password123456!", "most common passwords"),
                        ("carys chair rocks", "must not contain your name or email address"),
                        ("short", "at least 12 characters")]:
        response = client.post("/account/password", data={"current": PASSWORD, "password": new, "confirm": new})
        assert response.status_code == 200
        assert "There is a problem" in response.text and reason in response.text, new
    assert client.get("/council-a/").status_code == 200  # nothing changed, still signed in


def test_setting_a_password_from_a_link_ends_the_old_sessions(app, client, tenant_a, make_user):
    user = make_user(tenant_a, ["chair"], email="chair@example.org")
    sign_in(client, "chair@example.org")
    thief = copy_of(app, client)
    with app.app_context():
        token = services.password_link_token(db.session.get(User, user.id))
    fresh = app.test_client()
    refused = fresh.post(f"/account/set-password/{token}", data={"password": "aaaaaaaaaaaa",
                                                                 "confirm": "aaaaaaaaaaaa"})
    assert refused.status_code == 200 and "mostly one character" in refused.text
    done = fresh.post(f"/account/set-password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                      follow_redirects=True)
    assert "Your password is set" in done.text
    assert_signed_out(thief.get("/council-a/"))
    assert_signed_out(client.get("/council-a/"))


def test_removing_someones_access_ends_their_sessions_at_once(app, tenant_a, make_user):
    make_user(tenant_a, ["social_worker"], email="worker@example.org")
    worker = app.test_client()
    sign_in(worker, "worker@example.org")
    assert worker.get("/council-a/").status_code == 200
    client = browser_of(app, make_user(tenant_a, ["tenant_admin"]))
    with app.app_context(), tenant_context(tenant_a.id):
        membership_id = db.session.execute(select(Membership.id).join(Membership.user)
                                           .where(User.email == "worker@example.org")).scalar_one()
    response = client.post(f"/council-a/admin/users/{membership_id}/deactivate", follow_redirects=True)
    assert "can no longer use Permanence in Council A" in response.text
    assert_signed_out(worker.get("/council-a/"))


def test_taking_a_role_away_ends_the_sessions_adding_one_does_not(app, tenant_a, make_user):
    make_user(tenant_a, ["social_worker", "iro"], email="worker@example.org", name="Will Worker")
    worker = app.test_client()
    sign_in(worker, "worker@example.org")
    client = browser_of(app, make_user(tenant_a, ["tenant_admin"]))
    with app.app_context(), tenant_context(tenant_a.id):
        membership_id = db.session.execute(select(Membership.id).join(Membership.user)
                                           .where(User.email == "worker@example.org")).scalar_one()
    form = {"name": "Will Worker", "job_title": "", "team": "0"}
    client.post(f"/council-a/admin/users/{membership_id}", data={**form, "roles": ["social_worker", "iro", "chair"]})
    assert worker.get("/council-a/").status_code == 200
    client.post(f"/council-a/admin/users/{membership_id}", data={**form, "roles": ["social_worker"]})
    assert_signed_out(worker.get("/council-a/"))


def test_an_administrator_taking_away_their_own_role_stays_signed_in(app, tenant_a, make_user):
    admin = make_user(tenant_a, ["tenant_admin", "chair"], email="admin@example.org", name="Ada Admin")
    client = browser_of(app, admin)
    with app.app_context(), tenant_context(tenant_a.id):
        membership_id = db.session.execute(select(Membership.id).where(Membership.user_id == admin.id)).scalar_one()
    response = client.post(f"/council-a/admin/users/{membership_id}", data={
        "name": "Ada Admin", "job_title": "", "team": "0", "roles": ["tenant_admin"]}, follow_redirects=True)
    assert "roles are saved" in response.text
    assert client.get("/council-a/").status_code == 200


def test_deactivating_a_user_ends_their_sessions(app, client, tenant_a, make_user):
    user = make_user(tenant_a, ["chair"], email="chair@example.org")
    sign_in(client, "chair@example.org")
    with app.app_context():
        services.deactivate_user(db.session.get(User, user.id))
        commit()
    assert_signed_out(client.get("/council-a/"))
    assert sign_in(client, "chair@example.org").status_code == 200  # and cannot sign in again


def test_a_remember_me_cookie_ends_with_the_sessions(app, tenant_a, make_user):
    user = make_user(tenant_a, ["chair"], email="chair@example.org")
    with app.test_request_context():
        remembered = encode_cookie(db.session.get(User, user.id).get_id())
    browser = app.test_client()
    browser.set_cookie("remember_token", remembered)
    assert browser.get("/council-a/").status_code == 200
    with app.app_context():
        services.sign_out(db.session.get(User, user.id))
        commit()
    later = app.test_client()
    later.set_cookie("remember_token", remembered)
    assert_signed_out(later.get("/council-a/"))


def test_an_old_style_session_without_a_version_is_not_accepted(app, client, tenant_a, make_user):
    user = make_user(tenant_a, ["chair"])
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
    assert_signed_out(client.get("/council-a/"))


def test_sign_in_is_throttled_per_address_across_accounts(client, tenant_a, make_user):
    make_user(tenant_a, ["chair"], email="chair@example.org")
    answers = [sign_in(client, f"person{n}@example.org", "wrong password!") for n in range(30)]
    assert [r.status_code for r in answers[:20]] == [200] * 20
    blocked = answers[-1]
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.text and "Wait a minute" in blocked.text
    assert sign_in(client, "chair@example.org").status_code == 429  # the address, whoever it names


def test_successful_sign_ins_from_one_address_are_not_throttled(client, tenant_a, make_user):
    """An office behind one address: only failures count towards the address's limit."""
    for n in range(25):
        make_user(tenant_a, ["chair"], email=f"person{n}@example.org")
        assert sign_in(client, f"person{n}@example.org").status_code == 302
        client.post("/sign-out")


@pytest.mark.parametrize("password, reason", [
    ("short", passwords.TOO_SHORT),
    ("aaaaaaaaaaaa", passwords.REPEATED),
    ("aaaaaaaaaaa1", passwords.REPEATED),
    ("abcabcabcabc", passwords.REPEATED),
    ("passwordpassword", passwords.REPEATED),
    ("password1234", passwords.TOO_COMMON),
    ("Password123456!", passwords.TOO_COMMON),
    ("1q2w3e4r5t6y", passwords.TOO_COMMON),
    ("qwerty 123456", passwords.TOO_COMMON),
    ("carys.chair 2026!", passwords.PERSONAL),
    ("IamCarysChair!!", passwords.PERSONAL),
    (NEW_PASSWORD, None),
    (PASSWORD, None),
])
def test_what_a_password_must_not_be(password, reason):
    assert passwords.problem_with(password, email="carys.chair@example.org", name="Carys Chair") == reason


def test_the_common_password_list_ships_with_the_code():
    common = passwords.common_passwords()
    assert len(common) > 19_000 and "password" in common and "123456" in common


def test_the_demo_password_is_still_allowed():
    from permanence.demo.services import DEMO_PASSWORD

    assert passwords.problem_with(DEMO_PASSWORD, email="chair@knowsley.example.org", name="Pat Platform (demo)") is None


def test_a_new_user_cannot_be_created_with_a_common_password(app):
    with app.app_context():
        with pytest.raises(services.AccountError, match="most common passwords"):
            services.create_user("new@example.org", "Nia New", "qwertyuiop123")
