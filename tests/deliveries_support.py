"""Shared set-up of the delivery tests: the three destination plugins registered (installed by
``make install``, else found in ``plugins/``), a seed council loaded with its own or another
``plugins:`` section, a sitting of children with social workers, recorded and its minutes approved
through the services, as the pages do. Everything is synthetic and fictional."""

from __future__ import annotations

from datetime import date, datetime, timezone
import hashlib
import hmac
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import importlib
import json
from pathlib import Path
import re
import shutil
import ssl
import subprocess
import sys
import threading
from types import SimpleNamespace

from permanence.accounts.models import User
from permanence.core.context import Actor, acting_as, tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.meetings.record import record_item
from permanence.minutes import services as minutes
from permanence.panels.models import AgendaItem, ItemStatus, Meeting
from permanence.plugins import delivery as common
from permanence.plugins import get_manager
from permanence.tenancy.models import Tenant, TenantStatus
from permanence.tor.services import active_version, current_tor, load_folder

REPO = Path(__file__).resolve().parents[1]
DESTINATIONS = ("case_record_folder", "case_record_https", "case_record_smtp")
SAT_ON = date(2027, 2, 17)
TODAY = date(2027, 3, 1)


def register_destinations() -> None:
    """The destination plugins, on the plugin manager once (entry points when installed)."""
    manager = get_manager()
    for name in DESTINATIONS:
        if manager.get_plugin(name) is not None:
            continue
        folder = str(REPO / "plugins" / name)
        if folder not in sys.path:
            sys.path.append(folder)
        manager.register(importlib.import_module(f"permanence_{name}"), name=name)


def with_plugins(text: str, block: str) -> str:
    """The ToR text with its ``plugins:`` section replaced by ``block`` (which starts ``plugins:``)."""
    start = text.index("\nplugins:\n") + 1
    end = re.compile(r"\n(?=[a-z_]+:)").search(text, start + len("plugins:\n"))
    return text[:start] + block.rstrip("\n") + "\n" + (text[end.start():] if end else "")


def load_council(app, slug: str, tmp_path: Path | None = None, block: str | None = None) -> Tenant:
    """``tenants/<slug>`` as an open council; with ``block``, its ``plugins:`` section replaced."""
    folder = REPO / "tenants" / slug
    if block is not None:
        copy = tmp_path / "tenants" / slug
        shutil.copytree(folder, copy)
        path = copy / "tor.yaml"
        path.write_text(with_plugins(path.read_text(), block))
        folder = copy
    with app.app_context():
        tenant, _ = load_folder(folder, slug=slug)
        tenant.status = TenantStatus.ACTIVE
        commit()
        tenant = db.session.get(Tenant, tenant.id)
        db.session.expunge_all()
        return tenant


def choose(tor, destination: str | None = None):
    """A body, a part taking children and an outcome to record there with nothing more to say (no
    sign-off, condition, dates or rule), the destination's ``outcomes`` first."""
    wanted = common.own_settings(tor.plugins.settings, destination).get("outcomes") if destination else None
    for body in tor.bodies:
        for part in body.agenda_parts:
            if part.items != "children":
                continue
            simple = [o for o in body.outcomes_for(part.id) if not (
                o.requires_sign_off_by or o.needs_conditions or o.only_when or o.sets_dates)]
            if wanted:
                simple = [o for o in simple if o.id in wanted]
            if simple:
                return body, part, simple[0]
    raise AssertionError(f"no simple outcome in {tor.council.name}")


def sitting(app, tenant, make_user, make_child, *, children: int = 2, destination: str = "case_record_folder"):
    """A sitting on SAT_ON with ``children`` booked items, each child with their own social worker,
    and a chair and panel administrator; returns a namespace of ids."""
    chair = make_user(tenant, ["chair"], name="Fictional Chair Amara")
    admin = make_user(tenant, ["panel_administrator"], name="Fictional Administrator Cleo")
    workers = [make_user(tenant, ["social_worker"], name=f"Fictional Worker {n}") for n in range(children)]
    kids = [make_child(tenant, case_number=f"{tenant.slug[:3].upper()}-CASE-{n:04d}", social_worker=workers[n])
            for n in range(children)]
    with app.app_context(), tenant_context(tenant.id):
        tor = current_tor(tenant.id)
        body, part, outcome = choose(tor, destination)
        meeting = Meeting(body_id=body.id, tor_version_id=active_version(tenant.id).id, date=SAT_ON,
                          added_by_hand=True, starts_at=datetime(2027, 2, 17, 10, tzinfo=timezone.utc))
        db.session.add(meeting)
        db.session.flush()
        items = [AgendaItem(meeting=meeting, part_id=part.id, child_id=kid.id, status=ItemStatus.BOOKED,
                            position=n + 1) for n, kid in enumerate(kids)]
        db.session.add_all(items)
        commit()
        return SimpleNamespace(tenant=tenant, chair=chair, admin=admin, workers=workers, children=kids,
                               meeting_id=meeting.id, item_ids=[i.id for i in items], outcome=outcome.id,
                               body=body.id)


def work(app) -> None:
    """Run the queued jobs through a real RQ worker (burst, in this process) when Redis is configured,
    as the ``work_jobs`` fixture does; embedded, they ran in-process after the commit."""
    if not app.config.get("REDIS_URL"):
        return
    from rq import SimpleWorker

    from permanence.core.jobs import all_queues, get_redis

    with app.app_context():
        SimpleWorker(all_queues(), connection=get_redis()).work(burst=True)


def record_outcomes(app, s, today: date = TODAY) -> None:
    """The panel administrator records each item (one commit each, as the record page does)."""
    for item_id in s.item_ids:
        with app.app_context(), tenant_context(s.tenant.id), acting_as(Actor(user_id=s.admin.id, label="admin")):
            item = db.session.get(AgendaItem, item_id)
            record_item(item, {"outcome_id": s.outcome, "decision": "Fictional decision: continue the plan.",
                               "discussion": "Fictional discussion.", "care_plan_confirmed": True,
                               "legal_status_confirmed": True, "escalate": False},
                        by=db.session.get(User, s.admin.id), today=today)
            commit()
    work(app)


def approve_minutes(app, s, *, run_jobs: bool = True) -> None:
    """The minutes assembled, then approved by the chair (as the minutes page does); with
    ``run_jobs``, the jobs it queued are worked."""
    with app.app_context(), tenant_context(s.tenant.id), acting_as(Actor(user_id=s.chair.id, label="chair")):
        meeting = db.session.get(Meeting, s.meeting_id)
        chair = db.session.get(User, s.chair.id)
        written = minutes.assemble(meeting, chair)
        commit()
        minutes.approve_minutes(written, chair, written.revision)
        commit()
    if run_jobs:
        work(app)


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made for the test by openssl (as tests/test_mail_smtp.py)."""
    import pytest

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test's certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


SECRET = b"a-test-secret-not-for-production"


class Receiver:
    """A case record system's endpoint over real TLS on 127.0.0.1, in a thread: it checks the
    signature, keeps one document per Idempotency-Key (a repeated key gets the first answer) and
    counts every POST. ``fail_next`` answers 500s; ``hold`` makes the first POST wait (after storing
    it) until released, as a receiver slow to answer."""

    def __init__(self, folder: Path):
        cert, key = certificate(folder)
        self.ca = str(cert)
        self.documents: dict[str, dict] = {}
        self.posts: list[str] = []
        self.fail_next = 0
        self.hold = None  # a threading.Event the first POST waits on
        self.holding = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                key = self.headers.get("Idempotency-Key", "")
                receiver.posts.append(key)
                expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(self.headers.get("X-Permanence-Signature", ""), expected):
                    return self._answer(401, {"error": "bad signature"})
                if receiver.fail_next:
                    receiver.fail_next -= 1
                    return self._answer(500, {"error": "try later"})
                if key not in receiver.documents:
                    receiver.documents[key] = {**json.loads(body), "reference": f"DOC-{len(receiver.documents) + 1}"}
                if receiver.hold is not None and len(receiver.posts) == 1:
                    receiver.holding.set()
                    receiver.hold.wait(60)
                return self._answer(201, {"reference": receiver.documents[key]["reference"]})

            def _answer(self, status, data):
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/documents"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()


def https_block(url: str, **extra) -> str:
    lines = "".join(f"      {k}: {v}\n" for k, v in extra.items())
    return ("plugins:\n  enabled: [case_record_https]\n  settings:\n    case_record_https:\n"
            f"      url: {url}\n      secret_env: TEST_CASE_RECORD_SECRET\n      ca_bundle_env: TEST_CASE_RECORD_CA\n"
            + lines)
