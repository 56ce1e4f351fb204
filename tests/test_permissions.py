"""The one permission check: declared on every view, enforced in one place, object rules."""

import pytest

from permanence.accounts.permissions import declared_access
from permanence.accounts.roles import PERMISSIONS, ROLE_PERMISSIONS, ROLES


def test_every_endpoint_declares_its_access(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if declared_access(view, method, rule.endpoint) is None:
                undeclared.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not undeclared, "views with no @public/@signed_in/@platform_admin/@require: " + ", ".join(undeclared)


def test_role_table_names_only_known_roles_and_permissions():
    assert set(ROLE_PERMISSIONS) == set(ROLES)
    for role, granted in ROLE_PERMISSIONS.items():
        assert granted <= set(PERMISSIONS), role


def test_senior_manager_reads_every_child_for_oversight_but_not_their_papers(client, tenant_a, make_user, make_child,
                                                                             login):
    child = make_child(tenant_a, first_name="Olwen")
    login(make_user(tenant_a, ["senior_manager"]))
    home = client.get("/council-a/")
    assert home.status_code == 200
    assert "Children looked after by team" in home.text
    assert "Olwen" in home.text
    assert client.get(f"/council-a/children/{child.id}").status_code == 200
    assert "Olwen" in client.get("/council-a/children/").text
    assert client.get(f"/council-a/papers/upload?subject_type=child&subject_id={child.id}").status_code == 403


def test_social_worker_sees_allocated_and_team_children_only(client, tenant_a, make_user, make_team, make_child,
                                                             login):
    team, other_team = make_team(tenant_a, "CiC 1"), make_team(tenant_a, "CiC 2")
    worker = make_user(tenant_a, ["social_worker"], team=team)
    mine = make_child(tenant_a, social_worker=worker, team=other_team, first_name="Allocated")
    teams = make_child(tenant_a, team=team, first_name="Teamchild")
    other = make_child(tenant_a, team=other_team, first_name="Elsewhere")
    login(worker)
    listing = client.get("/council-a/children/").text
    assert "Allocated" in listing and "Teamchild" in listing and "Elsewhere" not in listing
    assert client.get(f"/council-a/children/{mine.id}").status_code == 200
    assert client.get(f"/council-a/children/{teams.id}").status_code == 200
    assert client.get(f"/council-a/children/{other.id}").status_code == 403


def test_iro_sees_the_children_they_review(client, tenant_a, make_user, make_child, login):
    iro = make_user(tenant_a, ["iro"])
    reviewed = make_child(tenant_a, iro=iro)
    not_reviewed = make_child(tenant_a)
    login(iro)
    assert client.get(f"/council-a/children/{reviewed.id}").status_code == 200
    assert client.get(f"/council-a/children/{not_reviewed.id}").status_code == 403


@pytest.mark.parametrize("role", ["panel_administrator", "chair", "vice_chair"])
def test_panel_officers_see_every_child_of_their_council(client, tenant_a, make_user, make_child, login, role):
    child = make_child(tenant_a)
    login(make_user(tenant_a, [role]))
    assert client.get(f"/council-a/children/{child.id}").status_code == 200


def test_tenant_admin_manages_users_but_reads_no_child(client, tenant_a, make_user, make_child, login):
    child = make_child(tenant_a)
    login(make_user(tenant_a, ["tenant_admin"]))
    assert client.get("/council-a/admin/users").status_code == 200
    assert client.get(f"/council-a/children/{child.id}").status_code == 403


def test_platform_admin_sees_no_council_and_no_child(client, tenant_a, make_user, make_child, login):
    child = make_child(tenant_a)
    login(make_user(None, (), platform_admin=True))
    assert client.get("/admin/tenants").status_code == 200
    assert client.get("/council-a/").status_code == 404
    assert client.get(f"/council-a/children/{child.id}").status_code == 404


def test_central_admin_is_hidden_from_council_users(client, tenant_a, make_user, login):
    login(make_user(tenant_a, ["tenant_admin"]))
    assert client.get("/admin/tenants").status_code == 404
