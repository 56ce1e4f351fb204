"""Every API resource with both a GET and a PUT or PATCH takes its own GET output back unchanged:
the answer is a success, the resource reads the same afterwards, the audit log records no change,
and the OpenAPI document lists every field the GET shows in the request body (read-only ones as
``readOnly``). The pairs are read from the OpenAPI document, so a new resource is tested as soon
as it exists (and one whose path parameter this file cannot fill fails until it is given data).

The data is Redbridge's Permanence Tracking Panel with a heard meeting (``minutes_support``): its
attendance, a heard item's record, an action, assembled minutes, a child and a draft referral.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache

import pytest
import time_machine
from sqlalchemy import func, select

from permanence.audit.models import AuditEvent
from permanence.core.clock import LONDON
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.minutes import services as minutes
from permanence.panels.models import AgendaItem, ItemStatus, Meeting
from permanence.accounts.models import User
from minutes_support import TODAY, add_action_row, build_panel

API = "/{tenant_slug}/api/v1"
CHANGES = ("create", "update", "delete")


@cache
def round_trip_pairs() -> list[tuple[str, str]]:
    """(path under the API prefix, method) of every path whose OpenAPI entry has a GET and a PUT/PATCH."""
    from permanence.app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "round-trips", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "RATELIMIT_STORAGE_URI": "memory://"})
    spec = app.test_client().get("/api/openapi.json").get_json()
    return sorted((path.removeprefix(API), method) for path, operations in spec["paths"].items()
                  for method in ("put", "patch") if method in operations and "get" in operations)


def pytest_generate_tests(metafunc):
    if "pair" in metafunc.fixturenames:
        pairs = round_trip_pairs()
        metafunc.parametrize("pair", pairs, ids=[f"{m.upper()} {p}" for p, m in pairs])


def test_the_pairs_are_found():
    """The discovery itself: these resources exist today (more may come; none may go unnoticed)."""
    found = set(round_trip_pairs())
    assert {("/meetings/{meeting_id}/attendance", "put"), ("/agenda-items/{agenda_item_id}/record", "put"),
            ("/meetings/{meeting_id}/minutes", "put"), ("/actions/{action_id}", "patch"),
            ("/children/{child_id}", "patch"), ("/referrals/{agenda_item_id}", "patch")} <= found


@pytest.fixture
def data(app, make_user, make_child, make_token):
    """The panel's ids for each path parameter, and a token of the panel administrator, who may change
    every one of these resources."""
    panel = build_panel(app, make_user, make_child)
    action_id = add_action_row(app, panel, panel.ids.item, owner=panel.worker)
    with app.app_context(), tenant_context(panel.tenant.id):
        meeting = db.session.get(Meeting, panel.ids.meeting)
        minutes.assemble(meeting, db.session.get(User, panel.chair.id))
        draft = AgendaItem(meeting_id=panel.ids.later, part_id="early-alerts", child_id=panel.ids.sib1,
                           entry_route="referral", status=ItemStatus.DRAFT, answers={},
                           reason="Fictional: pre-proceedings letter sent", referred_by_id=panel.admin.id)
        db.session.add(draft)
        commit()
        draft_id = draft.id
    _, secret = make_token(panel.tenant, panel.admin)
    ids = {"meeting_id": panel.ids.meeting, "action_id": action_id, "child_id": panel.child.id,
           "agenda_item_id": panel.ids.item}
    # Where one parameter names different things on different paths: a referral is changed while a draft.
    by_path = {"/referrals/{agenda_item_id}": {"agenda_item_id": draft_id}}
    return {"slug": panel.slug, "tenant": panel.tenant, "ids": ids, "by_path": by_path,
            "headers": {"Authorization": f"Bearer {secret}"}}


def _changes(app, tenant) -> int:
    with app.app_context(), tenant_context(tenant.id):
        return db.session.execute(select(func.count(AuditEvent.id)).where(AuditEvent.action.in_(CHANGES))).scalar_one()


def _url(data, path: str) -> str:
    values = {**data["ids"], **data["by_path"].get(path, {})}

    def fill(match):
        name = match.group(1)
        assert name in values, f"{path}: give the round-trip test real data for {{{name}}}"
        return str(values[name])

    return f"/{data['slug']}/api/v1" + re.sub(r"\{(\w+)\}", fill, path)


def _schema(spec, content) -> dict:
    schema = content["content"]["application/json"]["schema"]
    return spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema


def test_get_output_goes_back_through_put_or_patch_unchanged(app, client, data, pair):
    path, method = pair
    spec = client.get("/api/openapi.json").get_json()
    operations = spec["paths"][API + path]
    shown = _schema(spec, operations["get"]["responses"]["200"])["properties"]
    taken = _schema(spec, operations[method]["requestBody"])["properties"]
    assert set(shown) <= set(taken), f"the {method.upper()} body does not document {set(shown) - set(taken)}"

    url = _url(data, path)
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 10, tzinfo=LONDON), tick=False):
        before = client.get(url, headers=data["headers"])
        assert before.status_code == 200, before.get_json()
        changes = _changes(app, data["tenant"])

        sent = client.open(url, method=method.upper(), json=before.get_json(), headers=data["headers"])

        assert sent.status_code == 200, sent.get_json()
        assert sent.get_json() == before.get_json()
        assert client.get(url, headers=data["headers"]).get_json() == before.get_json()
        assert _changes(app, data["tenant"]) == changes, "the unchanged body wrote something"


def test_a_misspelt_field_is_still_refused_and_a_read_only_one_is_ignored(app, client, data):
    url = _url(data, "/actions/{action_id}")
    action = client.get(url, headers=data["headers"]).get_json()

    misspelt = client.patch(url, json={"status": "done", "progres": "Booked"}, headers=data["headers"])
    assert misspelt.status_code == 422
    assert misspelt.get_json()["errors"]["json"] == {"progres": ["Unknown field."]}

    changed = client.patch(url, json={**action, "status": "done", "description": "Something else entirely",
                                      "overdue": False}, headers=data["headers"])
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["status"] == "done"
    assert changed.get_json()["description"] == action["description"]
