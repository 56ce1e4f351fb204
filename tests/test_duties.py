"""Separation of duties: each way someone could open children's records to themselves is refused,
and a role that reads children takes two administrators (accounts.grants)."""

import pytest
from sqlalchemy import select

from permanence.accounts.models import GrantStatus, Membership, RoleGrant, User
from permanence.accounts.roles import CHILD_READING_ROLES, GUARDED_ROLES, READS_CHILDREN, ROLE_PERMISSIONS
from permanence.accounts.services import AccountError, add_membership
from permanence.audit.models import AuditEvent
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.notifications.models import EmailMessage


def _membership(app, tenant, email):
    with app.app_context(), tenant_context(tenant.id):
        membership = db.session.execute(select(Membership).join(Membership.user)
                                        .where(User.email == email)).scalar_one_or_none()
        if membership is None:
            return None
        grants = db.session.execute(select(RoleGrant).where(RoleGrant.membership_id == membership.id)
                                    .order_by(RoleGrant.id)).scalars().all()
        return {"id": membership.id, "roles": set(membership.roles), "team_id": membership.team_id,
                "grants": [(sorted(g.roles), g.status, g.requested_by_id, g.decided_by_id, g.id) for g in grants]}


def _events(app, tenant, **where):
    with app.app_context(), tenant_context(tenant.id):
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, key) == value)
        rows = [(e.action, e.entity_type, e.actor_id, e.summary, e.changes)
                for e in db.session.execute(stmt).scalars()]
        return rows


def _emails(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        return [(m.to_address, m.subject, m.body)
                for m in db.session.execute(select(EmailMessage).order_by(EmailMessage.id)).scalars()]


def _edit(client, membership_id, email, roles, team="0", name="Someone"):
    return client.post(f"/council-a/admin/users/{membership_id}", data={
        "email": email, "name": name, "job_title": "", "team": team, "roles": roles}, follow_redirects=True)


@pytest.fixture
def council(tenant_a, make_user):
    """Two administrators, A and B, and a social worker X."""
    return {
        "a": make_user(tenant_a, ["tenant_admin"], email="a@example.org", name="Ann Admin"),
        "b": make_user(tenant_a, ["tenant_admin"], email="b@example.org", name="Ben Admin"),
        "x": make_user(tenant_a, ["social_worker"], email="x@example.org", name="Xena Worker"),
    }


def test_the_administrator_role_reads_no_child_and_every_other_role_does():
    assert not ROLE_PERMISSIONS["tenant_admin"] & READS_CHILDREN
    assert CHILD_READING_ROLES == set(ROLE_PERMISSIONS) - {"tenant_admin"}
    assert "children.view" in READS_CHILDREN and "papers.view" in READS_CHILDREN
    assert GUARDED_ROLES == set(ROLE_PERMISSIONS)  # and the administrator's, which confirms them


# --- the central administrator -------------------------------------------------------------------

def test_the_platform_admin_cannot_invite_themselves_as_a_councils_administrator(app, client, tenant_a, make_user,
                                                                                login):
    admin = make_user(None, (), platform_admin=True, email="central@example.org")
    login(admin)
    page = client.post(f"/admin/tenants/{tenant_a.id}", data={"email": "central@example.org", "name": "Me"})
    assert page.status_code == 200
    assert "central@example.org is a platform administrator, so cannot also be Council A&#39;s administrator" \
        in page.text
    assert _membership(app, tenant_a, "central@example.org") is None
    refused = _events(app, tenant_a, action="role_change_refused")
    assert len(refused) == 1 and refused[0][2] == admin.id and "platform administrator" in refused[0][3]
    # Another platform administrator's address is refused the same way.
    make_user(None, (), platform_admin=True, email="other.central@example.org")
    page = client.post(f"/admin/tenants/{tenant_a.id}", data={"email": "other.central@example.org", "name": "O"})
    assert "is a platform administrator" in page.text
    assert _membership(app, tenant_a, "other.central@example.org") is None


def test_the_platform_admin_cannot_be_given_a_role_that_reads_children(app, client, tenant_a, make_user, login,
                                                                       council):
    make_user(None, (), platform_admin=True, email="central@example.org", name="Cee Central")
    login(council["a"])
    page = client.post("/council-a/admin/users/new", data={
        "email": "central@example.org", "name": "Cee Central", "team": "0", "roles": ["chair"]})
    assert page.status_code == 200
    assert "central@example.org is a platform administrator, who sees no child&#39;s record: they cannot be given " \
           "Chair" in page.text
    assert _membership(app, tenant_a, "central@example.org") is None
    assert any("platform administrator" in e[3] for e in _events(app, tenant_a, action="role_change_refused"))


def test_the_service_and_the_command_line_refuse_the_platform_admin_too(app, tenant_a, make_user):
    central = make_user(None, (), platform_admin=True, email="central@example.org")
    with app.app_context(), tenant_context(tenant_a.id):
        with pytest.raises(AccountError, match="platform administrator"):
            add_membership(db.session.get(User, central.id), ["senior_manager"])
        db.session.rollback()
    result = app.test_cli_runner().invoke(args=["users", "create", "central@example.org", "Cee", "--tenant",
                                                "council-a", "--roles", "chair"])
    assert result.exit_code != 0
    assert "is a platform administrator" in result.output
    assert _membership(app, tenant_a, "central@example.org") is None


def test_the_platform_admins_attack_path_is_closed_end_to_end(app, client, tenant_a, make_user, make_child, login):
    """The probe: invite oneself as the council's administrator, give oneself chair, read a child."""
    child = make_child(tenant_a)
    central = make_user(None, (), platform_admin=True, email="central@example.org")
    login(central)
    client.post(f"/admin/tenants/{tenant_a.id}", data={"email": "central@example.org", "name": "Me"})
    assert client.get("/council-a/admin/users").status_code == 404  # no membership: no council
    assert client.get(f"/council-a/children/{child.id}").status_code == 404


# --- nobody widens their own roles ----------------------------------------------------------------

def test_an_administrator_cannot_give_themselves_chair_on_the_users_page(app, client, tenant_a, council, login,
                                                                        make_child):
    child = make_child(tenant_a)
    login(council["a"])
    mine = _membership(app, tenant_a, "a@example.org")
    page = _edit(client, mine["id"], "a@example.org", ["tenant_admin", "chair"])
    assert "You cannot give yourself roles (Chair). Ask another administrator of the council" in page.text
    after = _membership(app, tenant_a, "a@example.org")
    assert after["roles"] == {"tenant_admin"} and after["grants"] == []
    # Through the "add a user" form with one's own address: the same refusal.
    page = client.post("/council-a/admin/users/new", data={
        "email": "a@example.org", "name": "Ann Admin", "team": "0", "roles": ["tenant_admin", "senior_manager"]})
    assert "You cannot give yourself roles (Senior manager)" in page.text
    assert _membership(app, tenant_a, "a@example.org")["roles"] == {"tenant_admin"}
    assert client.get(f"/council-a/children/{child.id}").status_code == 403
    refused = _events(app, tenant_a, action="role_change_refused", actor_id=council["a"].id)
    assert [e[3] for e in refused] == ["Refused: asked to give themselves Chair",
                                       "Refused: asked to give themselves Senior manager"]
    assert all(e[1] == "Membership" for e in refused)
    # Nobody asked anyone: no e-mail.
    assert _emails(app, tenant_a) == []


def test_an_administrator_may_only_remove_their_own_roles(app, client, tenant_a, make_user, make_team, login):
    team = make_team(tenant_a, "Children in Care 1")
    admin = make_user(tenant_a, ["tenant_admin", "team_manager"], email="tm@example.org", team=team)
    login(admin)
    mine = _membership(app, tenant_a, "tm@example.org")
    moved = _edit(client, mine["id"], "tm@example.org", ["tenant_admin", "team_manager"], team="0")
    assert "You cannot change your own team: it decides which children you see" in moved.text
    assert _membership(app, tenant_a, "tm@example.org")["team_id"] == team.id
    dropped = _edit(client, mine["id"], "tm@example.org", ["tenant_admin"], team=str(team.id))
    assert "roles are saved" in dropped.text
    assert _membership(app, tenant_a, "tm@example.org")["roles"] == {"tenant_admin"}


def test_no_api_route_changes_roles(app, client, tenant_a, council, make_token):
    """Roles change only on the users page and the command line; the API has no way to do it."""
    for rule in app.url_map.iter_rules():
        if "/api/" not in rule.rule or not rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            continue
        segments = set(rule.rule.split("/"))
        assert not segments & {"me", "users", "memberships", "roles", "role-grants"}, rule.rule
    _, secret = make_token(tenant_a, council["a"])
    response = client.patch("/council-a/api/v1/me/", json={"roles": ["chair"]},
                            headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 405
    assert _membership(app, tenant_a, "a@example.org")["roles"] == {"tenant_admin"}


# --- a role that reads children takes two administrators --------------------------------------------

def test_chair_for_someone_waits_until_a_second_administrator_confirms_it(app, client, tenant_a, council, login,
                                                                         make_child, work_jobs):
    child = make_child(tenant_a, first_name="Fictionalname", last_name="Secretsurname")
    x = _membership(app, tenant_a, "x@example.org")
    login(council["a"])
    page = _edit(client, x["id"], "x@example.org", ["social_worker", "chair"], name="Xena Worker")
    assert "Chair for Xena Worker must be confirmed by another administrator of Council A" in page.text
    waiting = _membership(app, tenant_a, "x@example.org")
    assert waiting["roles"] == {"social_worker"}
    [(roles, status, asked_by, _, grant_id)] = waiting["grants"]
    assert (roles, status, asked_by) == (["chair"], GrantStatus.PENDING, council["a"].id)

    # X cannot read the child yet.
    client.post("/sign-out")
    login(council["x"])
    assert client.get(f"/council-a/children/{child.id}").status_code == 403

    # A sees the request but no Confirm button, and confirming anyway is refused.
    client.post("/sign-out")
    login(council["a"])
    users = client.get("/council-a/admin/users").text
    assert "Roles waiting for confirmation" in users and "Waiting for another administrator: you asked" in users
    assert f"/role-grants/{grant_id}/confirm" not in users
    own = client.post(f"/council-a/admin/users/role-grants/{grant_id}/confirm", follow_redirects=True)
    assert "You asked for Xena Worker to have Chair, so another administrator of the council must confirm it" \
        in own.text
    assert _membership(app, tenant_a, "x@example.org")["roles"] == {"social_worker"}

    # B confirms it; now X reads the child.
    client.post("/sign-out")
    login(council["b"])
    users = client.get("/council-a/admin/users").text
    assert f"/role-grants/{grant_id}/confirm" in users
    done = client.post(f"/council-a/admin/users/role-grants/{grant_id}/confirm", follow_redirects=True)
    assert "Chair confirmed for Xena Worker" in done.text
    confirmed = _membership(app, tenant_a, "x@example.org")
    assert confirmed["roles"] == {"social_worker", "chair"}
    assert confirmed["grants"][0][1:4] == (GrantStatus.CONFIRMED, council["a"].id, council["b"].id)
    assert client.post(f"/council-a/admin/users/role-grants/{grant_id}/confirm",
                       follow_redirects=True).text.count("already confirmed") == 1
    client.post("/sign-out")
    login(council["x"])
    assert client.get(f"/council-a/children/{child.id}").status_code == 200

    # E-mails: both administrators told of the request and of the confirmation; no child in them.
    work_jobs()
    emails = _emails(app, tenant_a)
    assert sorted((to, subject) for to, subject, _ in emails) == [
        ("a@example.org", "Roles confirmed in Permanence for Council A"),
        ("a@example.org", "Roles waiting for confirmation in Permanence for Council A"),
        ("b@example.org", "Roles confirmed in Permanence for Council A"),
        ("b@example.org", "Roles waiting for confirmation in Permanence for Council A")]
    for _, _, body in emails:
        assert "Xena Worker (x@example.org)" in body and "Chair" in body
        assert "Fictionalname" not in body and "Secretsurname" not in body and child.case_number not in body
    asked = next(body for to, subject, body in emails if to == "b@example.org" and "waiting" in subject)
    assert "Ann Admin (a@example.org) asked for Xena Worker" in asked
    assert "http://127.0.0.1:5000/council-a/admin/users" in asked

    # Audit: the request, the refused self-confirmation, the confirmation and the role itself.
    grant_events = _events(app, tenant_a, entity_type="RoleGrant")
    assert [(e[0], e[2]) for e in grant_events] == [("create", council["a"].id), ("update", council["b"].id)]
    assert grant_events[1][4]["status"] == {"before": "pending", "after": "confirmed"}
    refused = _events(app, tenant_a, action="role_change_refused")
    assert [(e[2], e[3]) for e in refused] == [(council["a"].id, "Refused: tried to confirm their own request "
                                                                 "for Chair")]
    chair_rows = [e for e in _events(app, tenant_a, action="create", entity_type="RoleAssignment")
                  if e[4]["after"]["role"] == "chair"]
    assert len(chair_rows) == 1 and chair_rows[0][2] == council["b"].id


def test_the_person_the_roles_are_for_cannot_confirm_them(app, client, tenant_a, council, make_user, login):
    c = make_user(tenant_a, ["tenant_admin"], email="c@example.org")
    b = _membership(app, tenant_a, "b@example.org")
    login(council["a"])
    _edit(client, b["id"], "b@example.org", ["tenant_admin", "senior_manager"], name="Ben Admin")
    grant_id = _membership(app, tenant_a, "b@example.org")["grants"][0][4]
    client.post("/sign-out")
    login(council["b"])
    assert "these are for you" in client.get("/council-a/admin/users").text
    own = client.post(f"/council-a/admin/users/role-grants/{grant_id}/confirm", follow_redirects=True)
    assert "You cannot confirm roles for yourself (Senior manager)" in own.text
    # Nor can they ask for them again themselves: their form does not tick roles waiting for them.
    form = client.get(f"/council-a/admin/users/{b['id']}").text
    assert 'value="senior_manager" checked' not in form
    assert _membership(app, tenant_a, "b@example.org")["roles"] == {"tenant_admin"}
    client.post("/sign-out")
    login(c)
    client.post(f"/council-a/admin/users/role-grants/{grant_id}/confirm")
    assert _membership(app, tenant_a, "b@example.org")["roles"] == {"tenant_admin", "senior_manager"}


def test_a_new_user_with_a_role_reading_children_waits_and_can_be_refused(app, client, tenant_a, council, login,
                                                                         work_jobs):
    login(council["a"])
    page = client.post("/council-a/admin/users/new", data={
        "email": "new@example.org", "name": "Nia New", "team": "0", "roles": ["iro"]}, follow_redirects=True)
    assert "Nia New is added. An invitation to set a password is on its way to new@example.org" in page.text
    assert "Independent reviewing officer for Nia New must be confirmed by another administrator" in page.text
    new = _membership(app, tenant_a, "new@example.org")
    assert new["roles"] == set() and new["grants"][0][:2] == (["iro"], GrantStatus.PENDING)
    client.post("/sign-out")
    login(council["b"])
    done = client.post(f"/council-a/admin/users/role-grants/{new['grants'][0][4]}/refuse", follow_redirects=True)
    assert "Independent reviewing officer refused for Nia New: nothing was changed" in done.text
    refused = _membership(app, tenant_a, "new@example.org")
    assert refused["roles"] == set() and refused["grants"][0][1] == GrantStatus.REFUSED
    work_jobs()
    subjects = [subject for to, subject, _ in _emails(app, tenant_a) if to == "a@example.org"]
    assert subjects == ["Roles waiting for confirmation in Permanence for Council A",
                        "Roles refused in Permanence for Council A"]


def test_removing_roles_takes_effect_at_once_and_a_new_administrator_waits_too(app, client, tenant_a, council,
                                                                              make_user, login):
    """Else one administrator could make a second account and confirm their own requests with it."""
    make_user(tenant_a, ["chair", "panel_member"], email="p@example.org")
    p = _membership(app, tenant_a, "p@example.org")
    login(council["a"])
    _edit(client, p["id"], "p@example.org", ["panel_member"])
    assert _membership(app, tenant_a, "p@example.org") == {**p, "roles": {"panel_member"}}
    page = client.post("/council-a/admin/users/new", data={
        "email": "second@example.org", "name": "Sock Puppet", "team": "0", "roles": ["tenant_admin"]},
        follow_redirects=True)
    assert "Tenant administrator for Sock Puppet must be confirmed by another administrator" in page.text
    second = _membership(app, tenant_a, "second@example.org")
    assert second["roles"] == set() and second["grants"][0][:2] == (["tenant_admin"], GrantStatus.PENDING)


def test_a_changed_request_replaces_the_waiting_one(app, client, tenant_a, council, login):
    x = _membership(app, tenant_a, "x@example.org")
    login(council["a"])
    _edit(client, x["id"], "x@example.org", ["social_worker", "chair"])
    _edit(client, x["id"], "x@example.org", ["social_worker", "chair"])  # unchanged: the same request stands
    _edit(client, x["id"], "x@example.org", ["social_worker", "vice_chair"])
    grants = _membership(app, tenant_a, "x@example.org")["grants"]
    assert [(g[0], g[1]) for g in grants] == [(["chair"], GrantStatus.WITHDRAWN),
                                             (["vice_chair"], GrantStatus.PENDING)]


def test_the_command_line_waits_for_an_administrator_once_the_council_has_one(app, tenant_a, make_tenant):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["users", "create", "chair@example.org", "Cara Chair", "--tenant", "council-a",
                                "--roles", "chair", "--password", "a long enough passphrase"])
    assert first.exit_code == 0, first.output
    assert _membership(app, tenant_a, "chair@example.org")["roles"] == {"chair"}  # nobody to ask yet
    admin = runner.invoke(args=["users", "create", "admin@example.org", "Adam Admin", "--tenant", "council-a",
                                "--roles", "tenant_admin", "--password", "a long enough passphrase"])
    assert admin.exit_code == 0, admin.output
    second = runner.invoke(args=["users", "create", "sw@example.org", "Sam Worker", "--tenant", "council-a",
                                 "--roles", "social_worker", "--password", "a long enough passphrase"])
    assert second.exit_code == 0, second.output
    assert "social_worker must be confirmed by an administrator of Council A on the users page" in second.output
    told = [(to, body) for to, _, body in _emails(app, tenant_a) if "Sam Worker" in body]
    assert [to for to, _ in told] == ["admin@example.org"]  # the council's administrator is e-mailed
    assert "The command line asked for Sam Worker (sw@example.org)" in told[0][1]
    waiting = _membership(app, tenant_a, "sw@example.org")
    assert waiting["roles"] == set() and waiting["grants"][0][:3] == (["social_worker"], GrantStatus.PENDING, None)
