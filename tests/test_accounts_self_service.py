"""Accounts a council runs itself: invitations that arrive, 'Forgotten your password?', resending,
deactivating and reactivating, importing people from a CSV file, and sign-in limits that count
failures. Each test checks what the people involved would see: the page, the e-mail, the sign-in."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

from text_support import plain
import pytest
from sqlalchemy import func, select

from factories import PASSWORD
from permanence.accounts.models import GrantStatus, Membership, RoleGrant, Team, User
from permanence.audit.models import AuditEvent
from permanence.core.clock import LONDON
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.notifications.models import EmailMessage

NEW_PASSWORD = "a long enough passphrase"
START = datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)


def sign_in(client, email, password=PASSWORD, **kwargs):
    return client.post("/sign-in", data={"email": email, "password": password}, **kwargs)


def emails(app, to=None):
    """Every e-mail queued, in any council, as (to, subject, body), oldest first."""
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(select(EmailMessage.to_address, EmailMessage.subject, EmailMessage.body)
                            .order_by(EmailMessage.id)).all()
    return [tuple(r) for r in rows if to is None or r[0] == to]


def link_in(body: str, kind: str = "set-password") -> str:
    """The path of the one password link in an e-mail (whatever host BASE_URL names)."""
    found = re.findall(rf"https?://\S+?(/account/{kind}/\S+)", body)
    assert len(found) == 1, body
    return found[0]


def audit_actions(app, tenant=None):
    with app.app_context(), db.engine.connect() as conn:  # platform events too: no tenant session reads them
        stmt = select(AuditEvent.action, AuditEvent.summary).order_by(AuditEvent.id)
        if tenant is not None:
            stmt = stmt.where(AuditEvent.tenant_id == tenant.id)
        return [tuple(r) for r in conn.execute(stmt).all()]


def membership_of(app, tenant, email):
    with app.app_context(), tenant_context(tenant.id):
        membership = db.session.execute(select(Membership).join(Membership.user)
                                        .where(User.email == email)).scalar_one_or_none()
        if membership is None:
            return None
        grants = db.session.execute(select(RoleGrant).where(RoleGrant.membership_id == membership.id)
                                    .order_by(RoleGrant.id)).scalars().all()
        return {"id": membership.id, "active": membership.active, "roles": set(membership.roles),
                "team": membership.team.name if membership.team else None,
                "pending": [sorted(g.roles) for g in grants if g.status == GrantStatus.PENDING]}


@pytest.fixture
def admins(tenant_a, make_user):
    """Two administrators of Council A: one asks for roles that read children, the other confirms."""
    return {"a": make_user(tenant_a, ["tenant_admin"], email="a@example.org", name="Ann Admin"),
            "b": make_user(tenant_a, ["tenant_admin"], email="b@example.org", name="Ben Admin")}


def add_user(client, email, name, roles=("social_worker",)):
    return client.post("/council-a/admin/users/new", data={"email": email, "name": name, "job_title": "",
                                                           "team": "0", "roles": list(roles)},
                       follow_redirects=True)


# --- invitations ---------------------------------------------------------------------------------

def test_an_added_person_is_invited_sets_a_password_once_and_signs_in(app, client, admins, login, work_jobs):
    login(admins["a"])
    page = add_user(client, "nia@example.org", "Nia Newworker")
    assert "An invitation to set a password is on its way to nia@example.org" in page.text
    assert "can now use Permanence" not in page.text  # the old, untrue message
    work_jobs()
    [(_, subject, body)] = emails(app, "nia@example.org")
    assert subject == "You have been invited to Permanence for Council A"
    path = link_in(body)
    client.post("/sign-out")

    assert "Set your password" in client.get(path).text
    weak = client.post(path, data={"password": "short", "confirm": "short"})
    assert weak.status_code == 200 and "There is a problem" in weak.text
    done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "Your password is set" in done.text
    assert sign_in(client, "nia@example.org", NEW_PASSWORD).status_code == 302

    client.post("/sign-out")
    used = client.get(path)
    assert used.status_code == 404 and "This link no longer works" in used.text
    again = client.post(path, data={"password": "another long passphrase", "confirm": "another long passphrase"})
    assert again.status_code == 404
    assert sign_in(client, "nia@example.org", "another long passphrase").status_code == 200  # not changed


def test_an_invitation_link_stops_working_after_7_days(app, client, admins, login, travel):
    travel(START)
    login(admins["a"])
    add_user(client, "nia@example.org", "Nia Newworker")
    path = link_in(emails(app, "nia@example.org")[0][2])
    client.post("/sign-out")
    travel(START + timedelta(days=6, hours=23))
    assert client.get(path).status_code == 200
    travel(START + timedelta(days=7, hours=1))
    expired = client.get(path)
    assert expired.status_code == 404 and "link works for 7 days" in expired.text
    assert client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 404


def test_someone_with_an_account_elsewhere_is_told_not_invited(app, client, admins, tenant_b, make_user, login):
    make_user(tenant_b, ["chair"], email="carys@example.org", name="Carys Chair")
    login(admins["a"])
    page = add_user(client, "carys@example.org", "Carys Chair", roles=["panel_member"])
    assert "Carys Chair already has a Permanence account" in page.text
    assert "We have e-mailed carys@example.org to say they can now use Council A" in page.text
    [(_, subject, body)] = emails(app, "carys@example.org")
    assert subject == "You have been given access to Permanence for Council A"
    assert "/account/set-password/" not in body and "/council-a/" in body
    assert sign_in(client, "carys@example.org").status_code == 302  # their own password, unchanged


def test_resend_invitation_sends_a_new_link_only_to_someone_without_a_password(app, client, admins, tenant_a,
                                                                               make_user, login):
    login(admins["a"])
    add_user(client, "nia@example.org", "Nia Newworker")
    make_user(tenant_a, ["social_worker"], email="set@example.org", name="Sam Set")
    page = client.get("/council-a/admin/users").text
    assert page.count("Resend invitation") == 1 and "Invited: no password set yet" in page
    nia = membership_of(app, tenant_a, "nia@example.org")
    sam = membership_of(app, tenant_a, "set@example.org")

    sent = client.post(f"/council-a/admin/users/{nia['id']}/invitation", follow_redirects=True)
    assert "A new invitation to set a password is on its way to nia@example.org" in sent.text
    first, second = emails(app, "nia@example.org")
    assert second[1] == "You have been invited to Permanence for Council A"
    client.post("/sign-out")
    assert client.get(link_in(second[2])).status_code == 200

    login(admins["a"])
    refused = client.post(f"/council-a/admin/users/{sam['id']}/invitation", follow_redirects=True)
    assert "Sam Set has already set a password" in refused.text
    assert emails(app, "set@example.org") == []
    sent_events = [s for a, s in audit_actions(app, tenant_a) if a == "invitation_sent"]
    assert sent_events == ["Invitation to set a password sent to nia@example.org"] * 2


# --- forgotten password --------------------------------------------------------------------------

def ask_for_reset(client, email, ip="10.0.0.1"):
    return client.post("/sign-in/forgotten-password", data={"email": email}, environ_base={"REMOTE_ADDR": ip})


def test_forgotten_password_answers_the_same_and_only_a_real_account_gets_a_link(app, client, tenant_a,
                                                                                 make_user):
    make_user(tenant_a, ["chair"], email="chair@example.org", name="Carys Chair")
    assert "Forgotten your password?" in client.get("/sign-in").text
    assert client.get("/sign-in/forgotten-password").status_code == 200
    real = ask_for_reset(client, "chair@example.org")
    unknown = ask_for_reset(client, "nobody@example.org")
    assert real.status_code == unknown.status_code == 200

    def answer(response):
        return re.sub(r'nonce="[^"]*"|name="csrf_token"[^>]*', "", response.text)

    assert answer(real) == answer(unknown)
    assert "If there is an account for that address, we have sent it a link" in real.text
    assert [to for to, _, _ in emails(app)] == ["chair@example.org"]
    asked = [s for a, s in audit_actions(app) if a == "password_reset_requested"]
    assert asked == ["Password reset asked for chair@example.org",
                     "Password reset asked for nobody@example.org (no link sent)"]


def test_a_reset_link_sets_a_new_password_once_and_ends_other_sessions(app, client, tenant_a, make_user):
    make_user(tenant_a, ["chair"], email="chair@example.org", name="Carys Chair")
    elsewhere = app.test_client()
    sign_in(elsewhere, "chair@example.org")
    assert elsewhere.get("/council-a/").status_code == 200
    ask_for_reset(client, "Chair@Example.org")
    [(_, subject, body)] = emails(app, "chair@example.org")
    assert subject == "Reset your Permanence password" and "within 1 hour" in body
    path = link_in(body, "reset-password")

    assert "Choose a new password" in client.get(path).text
    weak = client.post(path, data={"password": "Carys Chair 1", "confirm": "Carys Chair 1"})
    assert "There is a problem" in weak.text  # the person's own name: check_password_strength
    done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "Your password is set" in done.text
    assert elsewhere.get("/council-a/").status_code == 302  # signed out on the other device
    assert sign_in(client, "chair@example.org", PASSWORD).status_code == 200  # the old one no longer works
    assert sign_in(client, "chair@example.org", NEW_PASSWORD).status_code == 302
    client.post("/sign-out")
    assert client.get(path).status_code == 404  # once only


def test_a_reset_link_lasts_an_hour_and_is_no_invitation(app, client, tenant_a, make_user, travel):
    travel(START)
    user = make_user(tenant_a, ["chair"], email="chair@example.org")
    ask_for_reset(client, "chair@example.org")
    path = link_in(emails(app)[0][2], "reset-password")
    token = path.rsplit("/", 1)[1]
    assert client.get(f"/account/set-password/{token}").status_code == 404  # another link's salt
    with app.app_context():
        from permanence.accounts.services import password_link_token

        invitation = password_link_token(db.session.get(User, user.id))
    assert client.get(f"/account/reset-password/{invitation}").status_code == 404
    travel(START + timedelta(minutes=59))
    assert client.get(path).status_code == 200
    travel(START + timedelta(minutes=61))
    expired = client.get(path)
    assert expired.status_code == 404 and "a link to reset a password works for 1 hour" in expired.text


def test_a_deactivated_person_gets_no_reset_link(app, client, admins, tenant_a, make_user, login):
    make_user(tenant_a, ["chair"], email="off@example.org", active=False)
    make_user(tenant_a, ["chair"], email="left@example.org")
    login(admins["a"])
    left = membership_of(app, tenant_a, "left@example.org")
    client.post(f"/council-a/admin/users/{left['id']}/deactivate")
    client.post("/sign-out")
    for email in ("off@example.org", "left@example.org"):
        response = ask_for_reset(client, email)
        assert "If there is an account for that address" in response.text
    assert emails(app) == []


def test_forgotten_password_is_rate_limited_per_email_and_per_address(client, tenant_a, make_user):
    make_user(tenant_a, ["chair"], email="chair@example.org")
    for n in range(3):  # the same inbox, asked for from three places
        assert ask_for_reset(client, "chair@example.org", ip=f"10.0.1.{n}").status_code == 200
    blocked = ask_for_reset(client, "chair@example.org", ip="10.0.1.9")
    assert blocked.status_code == 429 and "Too many attempts" in blocked.text
    for n in range(10):  # one place, asking about many addresses, known or not
        assert ask_for_reset(client, f"someone{n}@example.org", ip="10.0.2.1").status_code == 200
    assert ask_for_reset(client, "another@example.org", ip="10.0.2.1").status_code == 429
    assert ask_for_reset(client, "another@example.org", ip="10.0.2.2").status_code == 200


# --- sign-in limits count failures ---------------------------------------------------------------

def test_six_sign_ins_in_a_minute_are_allowed_but_six_failures_are_not(client, tenant_a, make_user):
    make_user(tenant_a, ["chair"], email="chair@example.org")
    for _ in range(6):
        assert sign_in(client, "chair@example.org").status_code == 302
        client.post("/sign-out")
    for _ in range(5):
        assert sign_in(client, "chair@example.org", "wrong password!").status_code == 200
    assert sign_in(client, "chair@example.org", "wrong password!").status_code == 429
    assert sign_in(client, "chair@example.org").status_code == 429  # held up for now, right password or not


# --- deactivating and reactivating ---------------------------------------------------------------

def browser(app, email):
    """A browser of its own, signed in through the form (the ``client`` fixture keeps its last
    request's context, which a second browser's requests must not meet)."""
    opened = app.test_client()
    assert sign_in(opened, email).status_code == 302
    return opened


def test_deactivate_and_reactivate_from_the_users_page_is_audited_and_a_grant(app, admins, tenant_a, make_user):
    make_user(tenant_a, ["social_worker", "panel_member"], email="x@example.org", name="Xena Worker")
    worker = browser(app, "x@example.org")
    x = membership_of(app, tenant_a, "x@example.org")
    client = browser(app, "a@example.org")
    page = client.get("/council-a/admin/users").text
    assert page.count(">Deactivate<") == 2  # B and X; not A's own row
    off = client.post(f"/council-a/admin/users/{x['id']}/deactivate", follow_redirects=True)
    assert "Xena Worker can no longer use Permanence in Council A" in off.text
    assert worker.get("/council-a/").status_code == 302
    assert ">Reactivate<" in client.get("/council-a/admin/users").text
    assert "Xena Worker has no access to Council A" in client.get(f"/council-a/admin/users/{x['id']}").text

    on = client.post(f"/council-a/admin/users/{x['id']}/reactivate", follow_redirects=True)
    assert "Xena Worker has access to Council A again" in on.text
    assert "Panel member, Social worker for Xena Worker must be confirmed by another administrator" in on.text
    assert membership_of(app, tenant_a, "x@example.org") == {**x, "roles": set(),
                                                             "pending": [["panel_member", "social_worker"]]}
    assert sign_in(worker, "x@example.org").status_code == 302
    assert worker.get("/council-a/tracker/").status_code in (403, 404)  # no child yet: roles wait

    client = browser(app, "b@example.org")
    grant_id = _pending_grant_id(app, tenant_a, x["id"])
    client.post(f"/council-a/admin/users/role-grants/{grant_id}/confirm")
    assert membership_of(app, tenant_a, "x@example.org")["roles"] == {"social_worker", "panel_member"}
    actions = [a for a, _ in audit_actions(app, tenant_a)]
    assert "deactivate" in actions and "update" in actions  # Membership.active back to True (ORM hook)


def _pending_grant_id(app, tenant, membership_id):
    with app.app_context(), tenant_context(tenant.id):
        return db.session.execute(select(RoleGrant.id).where(RoleGrant.membership_id == membership_id,
                                                              RoleGrant.status == GrantStatus.PENDING)).scalar_one()


# --- importing people ------------------------------------------------------------------------------

def upload(client, text, filename="people.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/council-a/admin/users/import", data={"people": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data", follow_redirects=True)


def test_the_template_downloads_and_names_the_columns(client, admins, login):
    login(admins["a"])
    assert "Import users from a CSV file" in plain(client.get("/council-a/admin/users").text)
    page = client.get("/council-a/admin/users/import")
    assert "Download the template" in page.text
    template = client.get("/council-a/admin/users/import/people.csv")
    assert template.mimetype == "text/csv" and "attachment" in template.headers["Content-Disposition"]
    assert template.text.splitlines()[0] == "name,email,team,roles"


def test_a_good_file_adds_everyone_and_sends_invitations(app, client, admins, tenant_a, tenant_b, make_team,
                                                        make_user, login, work_jobs):
    make_team(tenant_a, "Children in Care 1")
    make_user(tenant_b, ["chair"], email="carys@example.org", name="Carys Chair")
    login(admins["a"])
    page = upload(client, "Name,E-mail,Team,Roles\r\n"
                          "Nia Newworker,nia@example.org,children in care  1,Social worker\r\n"
                          "Tom Manager,TOM@example.org,Fostering,team_manager; Panel member\r\n"
                          "\r\n"
                          "Carys Chair,carys@example.org,,chair\r\n")
    assert "3 people imported" in page.text and "New teams: Fostering" in page.text
    assert "Roles for 3 of them" in page.text
    assert membership_of(app, tenant_a, "nia@example.org") == {
        "id": membership_of(app, tenant_a, "nia@example.org")["id"], "active": True, "roles": set(),
        "team": "Children in Care 1", "pending": [["social_worker"]]}
    assert membership_of(app, tenant_a, "tom@example.org")["pending"] == [["panel_member", "team_manager"]]
    assert membership_of(app, tenant_a, "tom@example.org")["team"] == "Fostering"
    with app.app_context(), tenant_context(tenant_a.id):
        assert db.session.execute(select(func.count()).select_from(Team)).scalar() == 2
    work_jobs()
    for email in ("nia@example.org", "tom@example.org"):
        [(_, subject, body)] = emails(app, email)
        assert subject == "You have been invited to Permanence for Council A" and link_in(body)
    [(_, subject, _)] = emails(app, "carys@example.org")
    assert subject == "You have been given access to Permanence for Council A"
    # One e-mail to each administrator for the whole file, naming everyone, not one per person.
    [(_, subject, body)] = emails(app, "b@example.org")
    assert "Roles waiting for confirmation" in subject
    assert "Nia Newworker" in body and "Tom Manager" in body and "Carys Chair" in body

    client.post("/sign-out")
    path = link_in(emails(app, "tom@example.org")[0][2])
    client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert sign_in(client, "tom@example.org", NEW_PASSWORD).status_code == 302


def test_a_file_with_bad_rows_reports_each_and_adds_nobody(app, client, admins, tenant_a, make_user, login):
    make_user(None, (), platform_admin=True, email="central@example.org")
    make_user(tenant_a, ["chair"], email="member@example.org")
    login(admins["a"])
    before = emails(app)
    page = upload(client, "name,email,team,roles\n"
                          "Good One,good1@example.org,,Social worker\n"          # 2
                          "Bad Email,not-an-address,,Social worker\n"          # 3
                          "Bad Role,bad.role@example.org,,Wizard; chair\n"     # 4
                          "Good Two,good2@example.org,,iro\n"                  # 5
                          "Twice,GOOD1@example.org,,Social worker\n"           # 6
                          "Central,central@example.org,,chair\n"               # 7
                          "Me,a@example.org,,chair\n"                          # 8
                          ",noname@example.org,,chair\n"                       # 9
                          "Member,member@example.org,,chair\n"                 # 10
                          "No Roles,noroles@example.org,,\n")                  # 11
    assert "Nobody was imported: 8 problems to fix" in page.text
    rows = re.findall(r'<td class="govuk-table__cell">([^<]*)</td>\s*<td class="govuk-table__cell">([^<]*)</td>',
                      page.text)
    assert rows == [("3", "email"), ("4", "roles"), ("6", "email"), ("7", "email"), ("8", "email"), ("9", "name"),
                    ("10", "email"), ("11", "roles")]
    for said in ("&#39;not-an-address&#39; is not an e-mail address", "unknown role(s) &#39;Wizard&#39;",
                 "good1@example.org is also on row 2", "central@example.org is a platform administrator",
                 "this is you: nobody gives themselves roles", "enter the person&#39;s name",
                 "member@example.org already has access to this council", "give at least one role"):
        assert said in page.text, said
    for email in ("good1@example.org", "good2@example.org"):
        assert membership_of(app, tenant_a, email) is None
    with app.app_context():
        assert db.session.execute(select(User).where(User.email.like("good%"))).first() is None
    assert emails(app) == before


def test_a_file_not_in_utf8_names_the_row(app, client, admins, tenant_a, login):
    login(admins["a"])
    data = ("name,email,team,roles\nGood One,good1@example.org,,chair\n".encode()
            + "Zoë Café,zoe@example.org,,chair\n".encode("cp1252"))
    page = upload(client, data)
    assert "Nobody was imported: 1 problem to fix" in page.text
    assert "this line has characters that are not UTF-8" in page.text and "CSV UTF-8" in page.text
    assert re.search(r'<td class="govuk-table__cell">3</td>', page.text)
    assert membership_of(app, tenant_a, "good1@example.org") is None


def test_a_file_with_wrong_headings_or_too_large_is_refused_whole(client, admins, login):
    login(admins["a"])
    headings = upload(client, "name,mail,roles\nGood One,good1@example.org,chair\n")
    assert "the headings must be name, email, team, roles: there is no column email, team; unknown column(s) " \
           "&#39;mail&#39;" in headings.text
    from permanence.accounts import people_import

    large = upload(client, "name,email,team,roles\n" + "x" * people_import.MAX_FILE_BYTES)
    assert "is larger than 512 KB" in large.text


def test_a_row_refused_while_writing_leaves_none_of_the_others(app, client, admins, tenant_a, login, monkeypatch):
    """Between the check and the write someone may change (another administrator, at the same
    time): the import then writes nobody, not the rows before the one refused."""
    from permanence.accounts import grants, services

    real = grants.change_roles

    def refuse_the_second(user, roles, **kwargs):
        if user.email == "second@example.org":
            raise services.AccountError("second@example.org changed while the file was imported", field="email")
        return real(user, roles, **kwargs)

    monkeypatch.setattr(grants, "change_roles", refuse_the_second)
    login(admins["a"])
    page = upload(client, "name,email,team,roles\nFirst,first@example.org,New Team,chair\n"
                          "Second,second@example.org,,chair\n")
    assert "Nobody was imported: 1 problem to fix" in page.text
    assert "second@example.org changed while the file was imported" in page.text
    with app.app_context():
        assert db.session.execute(select(User).where(User.email == "first@example.org")).first() is None
    with app.app_context(), tenant_context(tenant_a.id):
        assert db.session.execute(select(Team)).first() is None
    assert emails(app) == []


def test_a_platform_administrator_forgetting_their_password_is_helped_at_the_server(app, client, make_user):
    """They belong to no council, so the sign-in page's link cannot reach them; the operator's command can."""
    make_user(None, (), platform_admin=True, email="central@example.org")
    ask_for_reset(client, "central@example.org")
    assert emails(app, "central@example.org") == []
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["users", "set-password", "central@example.org", "--password", "short"])
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output
    done = runner.invoke(args=["users", "set-password", "central@example.org", "--password", "river-stone-lamp-2028"])
    assert done.exit_code == 0, done.output
    assert sign_in(client, "central@example.org", PASSWORD).status_code == 200  # the old one: the form again
    assert sign_in(client, "central@example.org", "river-stone-lamp-2028",
                   follow_redirects=True).request.path == "/admin/tenants"
