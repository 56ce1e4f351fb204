"""The audit log: one mechanism records changes and reads; append-only; filter and export."""

import pytest
from sqlalchemy import select, text

from permanence.audit.models import AuditEvent
from permanence.core.context import tenant_context
from permanence.extensions import db


def events(app, tenant, **where):
    with app.app_context(), tenant_context(tenant.id):
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, key) == value)
        rows = db.session.execute(stmt).scalars().all()
        db.session.expunge_all()
        return rows


def test_reading_a_childs_record_is_audited_with_who_and_what(app, client, tenant_a, make_user, make_child, login):
    chair = make_user(tenant_a, ["chair"], email="chair@example.org")
    child = make_child(tenant_a, case_number="C-123")
    login(chair)
    client.get(f"/council-a/children/{child.id}")
    reads = events(app, tenant_a, action="read")
    assert len(reads) == 1
    assert reads[0].actor_id == chair.id and reads[0].actor_label == "chair@example.org"
    assert reads[0].entity_type == "Child" and reads[0].entity_id == str(child.id)
    assert reads[0].summary == "Child C-123"


def test_a_refused_read_is_not_recorded_as_a_read(app, client, tenant_a, make_user, make_child, login):
    child = make_child(tenant_a)
    login(make_user(tenant_a, ["iro"]))
    assert client.get(f"/council-a/children/{child.id}").status_code == 403
    assert events(app, tenant_a, action="read") == []


def test_changes_are_recorded_with_before_and_after(app, client, tenant_a, make_user, make_child, make_token):
    worker = make_user(tenant_a, ["social_worker"])
    child = make_child(tenant_a, social_worker=worker, first_name="Before")
    _, secret = make_token(tenant_a, worker)
    response = client.patch(f"/council-a/api/v1/children/{child.id}", json={"first_name": "After"},
                            headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200, response.text
    update = events(app, tenant_a, action="update", entity_type="Child")[-1]
    assert update.changes == {"first_name": {"before": "Before", "after": "After"}}
    assert update.actor_id == worker.id
    created = events(app, tenant_a, action="create", entity_type="Child")[0]
    assert created.changes["after"]["first_name"] == "Before"


def test_tenant_admin_filters_and_exports_the_log(app, client, tenant_a, make_user, make_child, login):
    make_child(tenant_a, case_number="C-1")
    make_child(tenant_a, case_number="C-2")
    login(make_user(tenant_a, ["tenant_admin"]))
    page = client.get("/council-a/admin/audit?action=create&entity_type=Child")
    assert page.status_code == 200
    assert "Child C-1" in page.text and "Child C-2" in page.text
    assert "Membership" not in page.text.split("<tbody")[1]
    export = client.get("/council-a/admin/audit.csv?action=create&entity_type=Child")
    assert export.mimetype == "text/csv"
    lines = export.text.strip().splitlines()
    assert lines[0].startswith("at,actor_label,ip,action")
    assert len(lines) == 3
    assert events(app, tenant_a, action="export")


def test_audit_filter_rejects_a_bad_date_with_a_message(client, tenant_a, make_user, login):
    login(make_user(tenant_a, ["tenant_admin"]))
    response = client.get("/council-a/admin/audit?since=31-02-2027")
    assert "Not a valid date value" in response.text


def test_the_log_shows_only_this_councils_events(app, client, tenant_a, tenant_b, make_user, make_child, login):
    make_child(tenant_b, case_number="B-SECRET")
    login(make_user(tenant_a, ["tenant_admin"]))
    assert "B-SECRET" not in client.get("/council-a/admin/audit").text
    assert "B-SECRET" not in client.get("/council-a/admin/audit.csv").text


@pytest.mark.postgres_only
def test_the_database_refuses_to_change_or_delete_audit_events(app, tenant_a, make_child):
    from sqlalchemy.exc import DBAPIError

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("enforced by PostgreSQL")
    make_child(tenant_a)
    for statement in ("UPDATE audit_event SET summary = 'tampered'", "DELETE FROM audit_event"):
        with app.app_context(), tenant_context(tenant_a.id):
            with pytest.raises(DBAPIError):
                db.session.execute(text(statement))
            db.session.rollback()
    with app.app_context(), db.engine.connect() as owner:  # even the owner meets the trigger
        with pytest.raises(DBAPIError):
            owner.execute(text("DELETE FROM audit_event"))


def test_a_list_of_children_is_one_read_naming_each_child(app, client, tenant_a, make_user, make_child, login):
    chair = make_user(tenant_a, ["chair"])
    ids = sorted(make_child(tenant_a, case_number=f"L-{n}").id for n in range(3))
    login(chair)
    assert client.get("/council-a/children/").status_code == 200
    reads = events(app, tenant_a, action="read")
    assert len(reads) == 1
    assert reads[0].actor_id == chair.id and reads[0].entity_type == "Child" and reads[0].entity_id is None
    assert reads[0].changes == {"ids": {"Child": ids}, "page": "/council-a/children/"}
    assert reads[0].summary == "Read 3 children: /council-a/children/"


def test_the_tenant_admin_sees_which_children_a_read_named(app, client, tenant_a, make_user, make_child, login):
    ids = [make_child(tenant_a, case_number=f"L-{n}").id for n in range(2)]
    login(make_user(tenant_a, ["chair"]))
    client.get("/council-a/tracker/")
    login(make_user(tenant_a, ["tenant_admin"]))
    page = client.get("/council-a/admin/audit?action=read").text
    assert "Read 2 children: /council-a/tracker/" in page
    assert f"Child (2): {ids[0]}, {ids[1]}" in page


def test_a_response_that_fails_records_no_read(app, client, tenant_a, make_user, make_child, login):
    make_child(tenant_a)
    login(make_user(tenant_a, ["chair"]))
    assert client.get("/council-a/children/999999").status_code == 404
    assert all(e.changes["page"] != "/council-a/children/999999" for e in events(app, tenant_a, action="read"))


def test_the_log_finds_the_lists_that_showed_a_child_by_its_id(app, client, tenant_a, make_user, make_child,
                                                               login):
    first, second = (make_child(tenant_a, case_number=f"L-{n}").id for n in range(2))
    login(make_user(tenant_a, ["chair"]))
    client.get("/council-a/tracker/")
    client.get(f"/council-a/children/{second}")
    client.get("/council-a/tracker/?x=, 999]")  # an address cannot make a read name a child
    assert [e.changes["page"] for e in events(app, tenant_a, action="read")][-1] == \
        "/council-a/tracker/?x=%2C%20999%5D"
    login(make_user(tenant_a, ["tenant_admin"]))
    page = client.get(f"/council-a/admin/audit?action=read&entity_type=Child&entity_id={first}").text
    assert page.count("Read 2 children: /council-a/tracker/") == 2 and "Child L-1" not in page
    assert "No events match" in client.get("/council-a/admin/audit?action=read&entity_id=999").text
    page = client.get(f"/council-a/admin/audit?action=read&entity_type=Child&entity_id={second}").text
    assert "Read 2 children: /council-a/tracker/" in page and "Child L-1" in page
