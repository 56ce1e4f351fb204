"""Delivery of decision records to the case record system: each seed council's destination gets each
decision record of a sitting once (a drop folder), with a manifest an import can read; the ToR's
person steps become actions; bad settings are refused at their lines; a failed delivery is logged and
sent again from the log, which the panel administrator sees and a social worker may not."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from deliveries_support import (REPO, SAT_ON, TODAY, approve_minutes, load_council, record_outcomes,
                                register_destinations, sitting, with_plugins, work)
from permanence.core.context import tenant_context
from permanence.deliveries.jobs import deliver_job
from permanence.deliveries.models import DecisionDelivery, DeliveryStatus
from permanence.extensions import db
from permanence.panels.models import Action
from permanence.tor import TorConfigError
from permanence.tor import services as tor_services
from permanence.tor.loader import read_tor_text

SEEDS = {  # the council, its sub-folder, when it is sent and what the system files it as
    "waltham-forest": ("minutes_approved", "PTM decision sheet"),
    "permanence-panel-pptm": ("outcome_recorded", "Record of the Panel Meeting"),
    "redbridge": ("minutes_approved", "Permanence Tracking Panel written record"),
    "monthly-tracking-overview": ("minutes_approved", "Permanency Tracking meeting record"),
    "knowsley": ("minutes_approved", "Permanency Panel minutes"),
}


@pytest.fixture
def drop(app, tmp_path, monkeypatch):
    """The operator's drop folder, empty."""
    register_destinations()
    root = tmp_path / "drop"
    monkeypatch.setitem(app.config, "CASE_RECORD_DROP_ROOT", str(root))
    return root


def files(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def rows(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        found = db.session.execute(select(DecisionDelivery).order_by(DecisionDelivery.id)).scalars().all()
        db.session.expunge_all()
        return found


@pytest.mark.parametrize("slug", sorted(SEEDS))
def test_each_seed_council_gets_each_decision_record_of_a_sitting_in_its_folder_once(
        app, drop, travel, make_user, make_child, slug):
    when, document_type = SEEDS[slug]
    travel(TODAY)
    tenant = load_council(app, slug)
    s = sitting(app, tenant, make_user, make_child)
    folder = drop / slug

    record_outcomes(app, s)
    if when == "minutes_approved":
        assert files(folder) == [], "nothing goes before the chair approves the minutes"
        approve_minutes(app, s)
    else:
        approve_minutes(app, s)  # approving later sends nothing more

    delivered = rows(app, tenant)
    assert [(r.agenda_item_id, r.status) for r in delivered] == [(i, DeliveryStatus.SENT) for i in s.item_ids]
    keys = [r.idempotency_key for r in delivered]
    assert files(folder) == sorted([f"{k}.json" for k in keys] + [f"{k}.pdf" for k in keys])
    for row, child in zip(delivered, s.children):
        manifest = json.loads((folder / f"{row.idempotency_key}.json").read_text())
        pdf = (folder / f"{row.idempotency_key}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF")
        assert manifest["case_numbers"] == [child.case_number]
        assert manifest["document_type"] == document_type
        assert manifest["document_date"] == SAT_ON.isoformat()
        assert manifest["meeting"]["id"] == s.meeting_id and manifest["meeting"]["date"] == SAT_ON.isoformat()
        assert manifest["outcome"]["id"] == s.outcome
        assert manifest["record_id"] == row.agenda_item_id
        assert manifest["author"]["recorded_by"] == "Fictional Administrator Cleo"
        assert manifest["file"]["sha256"] == hashlib.sha256(pdf).hexdigest() == row.pdf_sha256
        assert child.last_name not in json.dumps(manifest), "the manifest names the child by case number only"
        assert row.reference == f"{slug}/{row.idempotency_key}.pdf"

    # A retried job (its delivery already made) and a second approval do nothing more.
    with app.app_context(), tenant_context(tenant.id):
        for row in delivered:
            deliver_job(row.id)
        db.session.commit()
    assert files(folder) == sorted([f"{k}.json" for k in keys] + [f"{k}.pdf" for k in keys])
    assert [r.attempts for r in rows(app, tenant)] == [1] * len(keys)


def test_knowsley_sends_only_agreed_permanence_and_asks_the_social_worker_for_a_case_note(
        app, drop, travel, make_user, make_child):
    travel(TODAY)
    tenant = load_council(app, "knowsley")
    s = sitting(app, tenant, make_user, make_child)
    assert s.outcome == "permanence-agreed"
    record_outcomes(app, s)
    approve_minutes(app, s)
    assert len(files(drop / "knowsley")) == 4
    with app.app_context(), tenant_context(tenant.id):
        actions = db.session.execute(select(Action).order_by(Action.id)).scalars().all()
        assert [(a.agenda_item_id, a.owner_id, a.description) for a in actions] == [
            (item_id, worker.id, "Record a case note summarising the outcome of the panel on ICS")
            for item_id, worker in zip(s.item_ids, s.workers)]
        assert {a.due_on.isoformat() for a in actions} == {"2027-03-08"}  # 5 working days after Mon 1 March


def test_a_record_the_destination_does_not_take_is_not_sent(app, drop, travel, make_user, make_child, tmp_path):
    travel(TODAY)
    block = ("plugins:\n  enabled: [case_record_folder]\n  settings:\n    case_record_folder:\n"
             "      folder: knowsley\n      outcomes: [permanence-agreed]\n")
    tenant = load_council(app, "knowsley", tmp_path, block)
    s = sitting(app, tenant, make_user, make_child, destination=None)
    assert s.outcome != "permanence-agreed"
    record_outcomes(app, s)
    approve_minutes(app, s)
    assert rows(app, tenant) == [] and files(drop / "knowsley") == []


def _refused(app, text):
    with app.app_context():
        with pytest.raises(TorConfigError) as caught:
            tor_services.parse_tor(text)
    return {e.dotted_path: (e.line, e.message) for e in caught.value.errors}


@pytest.mark.parametrize("setting, path, says", [
    ("folder: /etc", "plugins.settings.case_record_folder.folder", "not a path"),
    ("folder: ../elsewhere", "plugins.settings.case_record_folder.folder", "not a path"),
    ("when: tomorrow", "plugins.settings.case_record_folder.when", "when must be one of minutes_approved"),
    ("colour: blue", "plugins.settings.case_record_folder.colour", "has no setting 'colour'"),
    ("outcomes: [adopted-by-magic]", "plugins.settings.case_record_folder.outcomes[0]", "no outcome 'adopted-by-magic'"),
    ("person_steps: [{role: wizard, task: Record a case note on Protocol, within_working_days: 5}]",
     "plugins.settings.case_record_folder.person_steps[0].role", "no role 'wizard'"),
    ("person_steps: [{role: social-worker, task: Record a case note on Protocol, within_working_days: 99}]",
     "plugins.settings.case_record_folder.person_steps[0].within_working_days", "from 0 to 60"),
])
def test_bad_folder_settings_are_refused_at_their_line(app, setting, path, says):
    register_destinations()
    text = read_tor_text(REPO / "tenants" / "redbridge" / "tor.yaml")
    line = f"      {setting}"
    text = with_plugins(text, "plugins:\n  enabled: [case_record_folder]\n  settings:\n    case_record_folder:\n"
                              + ("      folder: redbridge\n" if not setting.startswith("folder") else "") + line + "\n")
    messages = _refused(app, text)
    assert path in messages, messages
    at, message = messages[path]
    assert says in message
    assert at == text.splitlines().index(line) + 1 or path.endswith("]") or ".person_steps" in path


@pytest.mark.parametrize("settings, path, says", [
    ("      url: http://records.example.org/in\n      secret_env: RB_SECRET\n",
     "plugins.settings.case_record_https.url", "https://"),
    ("      url: https://records.example.org/in\n      secret_env: s3cr3t-value!\n",
     "plugins.settings.case_record_https.secret_env", "must name an environment variable"),
    ("      url: https://records.example.org/in\n      secret_env: RB_SECRET\n      timeout_seconds: 0\n",
     "plugins.settings.case_record_https.timeout_seconds", "from 1 to 120"),
])
def test_bad_endpoint_settings_are_refused(app, settings, path, says):
    register_destinations()
    text = with_plugins(read_tor_text(REPO / "tenants" / "redbridge" / "tor.yaml"),
                        "plugins:\n  enabled: [case_record_https]\n  settings:\n    case_record_https:\n" + settings)
    messages = _refused(app, text)
    assert says in messages[path][1]


def test_a_bad_mailbox_address_is_refused(app):
    register_destinations()
    text = with_plugins(read_tor_text(REPO / "tenants" / "redbridge" / "tor.yaml"),
                        "plugins:\n  enabled: [case_record_smtp]\n  settings:\n    case_record_smtp:\n"
                        "      to: not an address\n")
    assert "e-mail address" in _refused(app, text)["plugins.settings.case_record_smtp.to"][1]


def test_a_failed_delivery_is_logged_and_sent_again_by_the_panel_administrator(
        app, drop, travel, make_user, make_child, make_token, login, client, tmp_path, monkeypatch):
    travel(TODAY)
    tenant = load_council(app, "redbridge")
    s = sitting(app, tenant, make_user, make_child, children=1)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the drop folder should be")
    monkeypatch.setitem(app.config, "CASE_RECORD_DROP_ROOT", str(blocked))
    record_outcomes(app, s)
    approve_minutes(app, s)
    [row] = rows(app, tenant)
    assert row.status == DeliveryStatus.FAILED and row.attempts == 1
    assert row.last_error.startswith(("FileExistsError", "NotADirectoryError"))
    assert "Fictional" not in row.last_error

    login(s.admin)
    page = client.get(f"/{tenant.slug}/deliveries/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Drop folder" in html and "case_record_folder" not in html and "Failed" in html and "Send again" in html
    assert client.get(f"/{tenant.slug}/deliveries/?meeting={s.meeting_id}").status_code == 200
    bad = client.get(f"/{tenant.slug}/deliveries/?status=lost&meeting=x")
    assert bad.status_code == 400 and "Choose a status from the list" in bad.get_data(as_text=True)
    record_page = client.get(f"/{tenant.slug}/agenda-items/{row.agenda_item_id}/decision-record")
    assert "Delivery to the case record system" in record_page.get_data(as_text=True)

    monkeypatch.setitem(app.config, "CASE_RECORD_DROP_ROOT", str(drop))  # the operator puts it right
    answer = client.post(f"/{tenant.slug}/deliveries/{row.id}/send-again")
    work(app)
    assert answer.status_code == 302
    [row] = rows(app, tenant)
    assert row.status == DeliveryStatus.SENT and row.attempts == 2 and row.last_error == ""
    assert files(drop / "redbridge") == [f"{row.idempotency_key}.json", f"{row.idempotency_key}.pdf"]

    # Sending a delivered record again is a new copy, under a new key.
    client.post(f"/{tenant.slug}/deliveries/{row.id}/send-again")
    work(app)
    [again] = rows(app, tenant)
    assert again.status == DeliveryStatus.SENT and again.generation == 2
    assert again.idempotency_key != row.idempotency_key
    assert len(files(drop / "redbridge")) == 4

    _, secret = make_token(tenant, s.admin)
    api = client.get(f"/{tenant.slug}/api/v1/agenda-items/{row.agenda_item_id}/deliveries",
                     headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200
    assert [(d["destination"], d["status"], d["generation"]) for d in api.get_json()] == [
        ("case_record_folder", "sent", 2)]


def test_a_social_worker_may_not_see_the_delivery_log_or_send_again(app, drop, travel, make_user, make_child,
                                                                     login, client):
    travel(TODAY)
    tenant = load_council(app, "redbridge")
    s = sitting(app, tenant, make_user, make_child, children=1)
    record_outcomes(app, s)
    approve_minutes(app, s)
    [row] = rows(app, tenant)
    login(s.workers[0])
    assert client.get(f"/{tenant.slug}/deliveries/").status_code == 403
    assert client.post(f"/{tenant.slug}/deliveries/{row.id}/send-again").status_code == 403
    page = client.get(f"/{tenant.slug}/agenda-items/{row.agenda_item_id}/decision-record")
    assert page.status_code == 200 and "Delivery to the case record system" not in page.get_data(as_text=True)
    assert [r.generation for r in rows(app, tenant)] == [1]
