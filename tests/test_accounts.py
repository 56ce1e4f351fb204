"""Signing in and out, sessions, CSRF, the tenant switcher and managing users."""

import time

from sqlalchemy import select

from factories import PASSWORD
from permanence.accounts.models import Membership, User
from permanence.audit.models import AuditEvent
from permanence.extensions import db


def sign_in(client, email, password=PASSWORD, **kwargs):
    return client.post("/sign-in", data={"email": email, "password": password}, **kwargs)


def test_sign_in_with_one_council_lands_on_its_home(client, tenant_a, make_user):
    user = make_user(tenant_a, ["chair"], email="chair@example.org", name="Carys Chair")
    response = sign_in(client, "Chair@Example.org", follow_redirects=True)
    assert response.status_code == 200
    assert "Council A" in response.text and "Carys Chair" in response.text and "Chair" in response.text
    assert user.id


def test_failed_sign_in_is_generic_and_audited(app, client, tenant_a, make_user):
    make_user(tenant_a, ["chair"], email="chair@example.org")
    wrong_password = sign_in(client, "chair@example.org", "wrong password!")
    unknown_user = sign_in(client, "nobody@example.org", "wrong password!")
    for response in (wrong_password, unknown_user):
        assert response.status_code == 200
        assert "The email address or password is not right" in response.text
    with app.app_context(), db.engine.connect() as owner:  # platform events: no tenant session reads them
        actions = owner.execute(select(AuditEvent.action, AuditEvent.actor_label)).all()
    assert ("sign_in_failed", "chair@example.org") in actions
    assert ("sign_in_failed", "nobody@example.org") in actions


def test_sign_in_is_rate_limited_with_a_clear_message(client, tenant_a, make_user):
    make_user(tenant_a, ["chair"], email="chair@example.org")
    for _ in range(5):
        assert sign_in(client, "chair@example.org", "wrong password!").status_code == 200
    blocked = sign_in(client, "chair@example.org", PASSWORD)
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.text and "Wait a minute" in blocked.text


def test_sign_out_ends_the_session(client, tenant_a, make_user):
    make_user(tenant_a, ["chair"], email="chair@example.org")
    sign_in(client, "chair@example.org")
    response = client.post("/sign-out", follow_redirects=True)
    assert "You have signed out" in response.text
    assert client.get("/council-a/").status_code == 302


def test_forms_without_a_csrf_token_are_refused(client, tenant_a, make_user):
    make_user(tenant_a, ["chair"], email="chair@example.org")
    response = client.post("/sign-in", data={"email": "chair@example.org", "password": PASSWORD}, csrf=False)
    assert response.status_code == 400


def test_an_idle_session_is_signed_out(client, tenant_a, make_user, login):
    login(make_user(tenant_a, ["chair"]))
    with client.session_transaction() as session:
        session["seen"] = time.time() - 31 * 60
    response = client.get("/council-a/", follow_redirects=True)
    assert "inactive for too long" in response.text
    assert "Sign in" in response.text


def test_session_cookie_is_http_only_and_lax(client, tenant_a, make_user):
    make_user(tenant_a, ["chair"], email="chair@example.org")
    response = sign_in(client, "chair@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_tenant_switcher_lists_every_council_of_the_user(app, client, tenant_a, tenant_b, make_user):
    from permanence.accounts.services import add_membership
    from permanence.core.context import tenant_context
    from permanence.core.jobs import commit

    user = make_user(tenant_a, ["chair"], email="both@example.org")
    with app.app_context(), tenant_context(tenant_b.id):
        add_membership(db.session.get(User, user.id), ["iro"])
        commit()
    response = sign_in(client, "both@example.org", follow_redirects=True)
    assert "Choose a council" in response.text
    assert "Council A" in response.text and "Council B" in response.text
    assert "Independent reviewing officer" in client.get("/council-b/").text


def test_a_user_of_no_council_is_told_so(client, make_user):
    make_user(None, (), email="lonely@example.org")
    response = sign_in(client, "lonely@example.org", follow_redirects=True)
    assert "not a member of any council" in response.text


def test_tenant_admin_adds_a_user_with_roles_and_they_are_invited(app, client, tenant_a, make_user, login,
                                                                  work_jobs):
    from permanence.notifications.models import EmailMessage

    login(make_user(tenant_a, ["tenant_admin"]))
    response = client.post("/council-a/admin/users/new", data={
        "email": "new.worker@example.org", "name": "Nia Newworker", "job_title": "Social worker",
        "team": "0", "roles": ["social_worker", "iro"]}, follow_redirects=True)
    assert "An invitation to set a password is on its way to new.worker@example.org" in response.text
    work_jobs()
    with app.app_context():
        from permanence.core.context import tenant_context

        with tenant_context(tenant_a.id):
            invitation = db.session.execute(select(EmailMessage).where(
                EmailMessage.to_address == "new.worker@example.org")).scalar_one()
            assert "/account/set-password/" in invitation.body and invitation.status.value == "sent"
            membership = db.session.execute(select(Membership).join(Membership.user)
                                            .where(User.email == "new.worker@example.org")).scalar_one()
            # Both roles read children: they wait for a second administrator (tests/test_duties.py).
            assert membership.roles == set()
            assert sorted(membership_grant(membership).roles) == ["iro", "social_worker"]


def membership_grant(membership):
    from permanence.accounts.grants import pending_grant

    return pending_grant(membership)


def test_adding_a_user_with_bad_input_says_what_and_where(client, tenant_a, make_user, login):
    login(make_user(tenant_a, ["tenant_admin"]))
    response = client.post("/council-a/admin/users/new", data={"email": "not-an-email", "name": "", "team": "0"})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "Enter an email address like name@example.org" in response.text
    assert "Enter the person&#39;s name" in response.text
    assert "Choose at least one role" in response.text


def test_platform_admin_onboards_a_council_and_invites_its_admin(app, client, make_user, login, work_jobs):
    from permanence.notifications.models import EmailMessage
    from permanence.tenancy.models import Tenant

    login(make_user(None, (), platform_admin=True))
    response = client.post("/admin/tenants", data={"name": "North Shire Council", "slug": "north-shire"},
                           follow_redirects=True)
    assert "North Shire Council is created as a draft" in response.text
    with app.app_context():
        tenant = db.session.execute(select(Tenant).where(Tenant.slug == "north-shire")).scalar_one()
    response = client.post(f"/admin/tenants/{tenant.id}", data={"email": "admin@north-shire.example.org",
                                                                 "name": "Ada Admin"}, follow_redirects=True)
    assert "An invitation is on its way to admin@north-shire.example.org" in response.text
    work_jobs()
    with app.app_context(), __import__("permanence.core.context", fromlist=["x"]).tenant_context(tenant.id):
        message = db.session.execute(select(EmailMessage)).scalar_one()
        assert message.status.value == "sent"
        link = message.body.split("here:\n\n")[1].split("\n")[0]
    path = link.split("127.0.0.1:5000")[1]
    client.post("/sign-out")
    assert client.post(path, data={"password": "short", "confirm": "short"}).status_code == 200
    done = client.post(path, data={"password": "a long enough passphrase", "confirm": "a long enough passphrase"},
                       follow_redirects=True)
    assert "Your password is set" in done.text
    assert client.get(path).status_code == 404  # the link works once
    client.post(f"/admin/tenants/{tenant.id}/status/active")  # signed out: refused
    assert sign_in(client, "admin@north-shire.example.org", "a long enough passphrase").status_code == 302
