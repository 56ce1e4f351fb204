"""Tenant isolation, route by route.

The routes are read from ``app.url_map``, so a new route is covered the day it is
added: a user of council A who asks for any object of council B gets a 404 (never a
403 that would confirm it exists), and council B's address is a 404 to them.
"""

from __future__ import annotations


import pytest
from sqlalchemy import text

from permanence.accounts.roles import ROLES
from permanence.core.db import TenantScoped
from permanence.extensions import db

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
OTHER_PARAMS = {"token": "not-a-token", "status": "active", "filename": "x.css", "body": "not-a-body", "measure": "a1",
                "table": "children"}


def tenant_models():
    return {mapper.class_ for mapper in db.Model.registry.mappers if issubclass(mapper.class_, TenantScoped)}


def test_every_tenant_model_has_a_factory(tenant_a, one_of_everything):
    rows = one_of_everything(tenant_a)
    missing = tenant_models() - set(rows)
    assert not missing, f"add these models to one_of_everything in tests/factories.py: {missing}"


def tenant_rules(app):
    return [r for r in app.url_map.iter_rules() if "tenant_slug" in r.arguments]


def _url(rule, slug, ids):
    values = {"tenant_slug": slug}
    for arg in rule.arguments - {"tenant_slug"}:
        if arg in ids:
            values[arg] = ids[arg]
        elif arg in OTHER_PARAMS:
            values[arg] = OTHER_PARAMS[arg]
        else:
            pytest.fail(f"route {rule.rule}: no test value for <{arg}>; name id parameters <table>_id")
    return rule.build(values, append_unknown=False)[1]


@pytest.fixture
def two_councils(app, tenant_a, tenant_b, make_user, make_token, one_of_everything):
    rows_a = one_of_everything(tenant_a)
    rows_b = one_of_everything(tenant_b)
    user = make_user(tenant_a, list(ROLES), email="everything@example.org")
    _, secret = make_token(tenant_a, user)
    ids_b = {f"{model.__tablename__}_id": row.id for model, row in rows_b.items()}
    return {"user": user, "secret": secret, "rows_a": rows_a, "rows_b": rows_b, "ids_b": ids_b}


def _request(client, method, url, secret):
    headers = {"Authorization": f"Bearer {secret}"} if "/api/" in url else {}
    if method in WRITE_METHODS:
        kwargs = {"json": {}} if "/api/" in url else {"data": {}}
        return client.open(url, method=method, headers=headers, **kwargs)
    return client.open(url, method=method, headers=headers)


def test_objects_of_another_council_are_not_found_on_every_route(app, client, login, two_councils):
    login(two_councils["user"])
    checked = 0
    for rule in tenant_rules(app):
        id_args = {a for a in rule.arguments if a.endswith("_id")}
        if not id_args:
            continue
        url = _url(rule, "council-a", two_councils["ids_b"])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = _request(client, method, url, two_councils["secret"])
            assert response.status_code == 404, f"{method} {url} gave {response.status_code}, not 404"
            checked += 1
    assert checked >= 7  # the routes with ids today; only grows


def test_lists_of_one_council_never_show_another_councils_records(app, client, login, two_councils):
    login(two_councils["user"])
    child_b = two_councils["rows_b"][__import__("permanence.cases.models", fromlist=["Child"]).Child]
    for rule in tenant_rules(app):
        if any(a.endswith("_id") for a in rule.arguments) or "GET" not in rule.methods:
            continue
        url = _url(rule, "council-a", {})
        response = _request(client, "GET", url, two_councils["secret"])
        assert response.status_code < 500, f"GET {url} gave {response.status_code}"
        # Bytes, not text: some lists are downloads (the tracker as a workbook).
        assert child_b.case_number.encode() not in response.get_data(), f"GET {url} shows council B's child"


def test_another_councils_address_is_not_found_on_every_route(app, client, login, two_councils):
    login(two_councils["user"])
    ids_a = {f"{m.__tablename__}_id": r.id for m, r in two_councils["rows_a"].items()}
    for rule in tenant_rules(app):
        url = _url(rule, "council-b", ids_a)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = _request(client, method, url, two_councils["secret"])
            expected = {401, 404} if "/api/" in url else {404}
            assert response.status_code in expected, f"{method} {url} gave {response.status_code}"


def test_orm_scope_fails_closed_without_a_tenant(app, tenant_a, make_child):
    from sqlalchemy import select

    from permanence.cases.models import Child

    make_child(tenant_a)
    with app.app_context():
        assert db.session.execute(select(Child)).scalars().all() == []


def test_a_row_cannot_be_written_into_another_council(app, tenant_a, tenant_b, make_child):
    from permanence.cases.models import Child
    from permanence.core.context import tenant_context
    from permanence.core.db import TenantIsolationError

    with app.app_context(), tenant_context(tenant_a.id):
        db.session.add(Child(tenant_id=tenant_b.id, case_number="X1", first_name="A", last_name="B"))
        with pytest.raises(TenantIsolationError):
            db.session.flush()
        db.session.rollback()


@pytest.mark.postgres_only
def test_row_level_security_hides_other_councils_from_raw_sql(app, tenant_a, tenant_b, make_child):
    """Raw SQL bypasses the ORM criteria; PostgreSQL's policies still show only tenant A's rows."""
    from permanence.core.context import tenant_context

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row-level security is PostgreSQL's")
    make_child(tenant_a, case_number="A-ONLY")
    make_child(tenant_b, case_number="B-ONLY")
    with app.app_context(), tenant_context(tenant_a.id):
        rows = db.session.execute(text("SELECT case_number FROM child")).scalars().all()
        assert rows == ["A-ONLY"]
        assert db.session.execute(text("SELECT count(*) FROM child WHERE tenant_id = :b"),
                                  {"b": tenant_b.id}).scalar_one() == 0
        db.session.rollback()
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM child")).scalar_one() == 0
        db.session.rollback()


@pytest.mark.postgres_only
def test_every_tenant_table_has_row_level_security(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row-level security is PostgreSQL's")
        with db.engine.connect() as conn:
            enabled = dict(conn.execute(text(
                "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class "
                "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'")).all())
    for model in tenant_models():
        assert enabled.get(model.__tablename__), f"{model.__tablename__} has no row-level security"
