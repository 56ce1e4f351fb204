"""What the operator sees: the readiness probe, the JSON log with request and council ids (and no
child's name), the Prometheus metrics and who may read them."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
import io
import json
import logging
import socket
import time

from prometheus_client.parser import text_string_to_metric_families
import pytest
from sqlalchemy import text

from permanence.core import schedule
from permanence.core.clock import utcnow
from permanence.core.health import code_heads
from permanence.core.jobs import commit, enqueue
from permanence.core.logs import make_handler
from permanence.core.schedule import ScheduledRun, activation_job, periodic_jobs
from permanence.extensions import db


@contextmanager
def json_log():
    """The root logger's records during the block, as the deployment writes them (JSON lines)."""
    stream = io.StringIO()
    handler = make_handler("json", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())
        lines.append({"_raw": stream.getvalue()})


def raw(lines) -> str:
    return lines[-1]["_raw"]


def sample(client, name: str, **labels) -> float:
    """A sample's value on /metrics (0 when absent), read as Prometheus reads it."""
    page = client.get("/metrics")
    assert page.status_code == 200
    for family in text_string_to_metric_families(page.get_data(as_text=True)):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return found.value
    return 0.0


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Readiness -------------------------------------------------------------------------------

def test_ready_when_the_database_is_at_the_code_head(client, app):
    response = client.get("/health/ready")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] and body["checks"]["schema"]["ok"]
    with app.app_context():
        assert body["checks"]["schema"]["detail"] == "at " + ", ".join(sorted(code_heads(app.extensions["migrate"].directory)))
    assert ("redis" in body["checks"]) == bool(app.config.get("REDIS_URL"))
    assert client.get("/health").get_json() == {"status": "ok"}


def test_not_ready_while_the_database_is_behind_the_code(client, app):
    with app.app_context(), db.engine.begin() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(text("UPDATE alembic_version SET version_num = 'feedc0ffee00'"))
    try:
        response = client.get("/health/ready")
    finally:
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"]["ok"] is True
    schema = body["checks"]["schema"]
    assert schema["ok"] is False
    assert "feedc0ffee00" in schema["detail"] and head in schema["detail"] and "permanence db upgrade" in schema["detail"]
    assert client.get("/health/ready").status_code == 200  # put back, ready again


def test_not_ready_when_redis_does_not_answer_and_the_log_says_which_request(client, app, monkeypatch):
    port = closed_port()
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{port}/0")
    started = time.monotonic()
    with json_log() as lines:
        response = client.get("/health/ready")
    assert time.monotonic() - started < 5  # bounded: a probe never hangs
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"]["ok"] and body["checks"]["schema"]["ok"]
    redis = body["checks"]["redis"]
    assert redis["ok"] is False and redis["detail"].startswith("did not answer within 2 s")
    assert str(port) not in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)
    warning = next(line for line in lines if line.get("logger") == "permanence.core.health")
    assert warning["level"] == "WARNING" and warning["request_id"] == response.headers["X-Request-ID"]


# --- Logs ------------------------------------------------------------------------------------

def test_a_request_logs_json_with_its_ids_and_never_the_childs_name(client, login, make_user, make_child, tenant_a):
    worker = make_user(tenant_a, ["social_worker"])
    child = make_child(tenant_a, first_name="Quillonetta", last_name="Zebrowskiova", case_number="FICT-77123",
                       social_worker=worker)
    login(worker)
    with json_log() as lines:
        response = client.get(f"/{tenant_a.slug}/children/{child.id}?tab=history",
                              headers={"X-Request-ID": "nginx-0a1b2c3d4e5f6a7b"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Quillonetta" in page and "Zebrowskiova" in page
    assert response.headers["X-Request-ID"] == "nginx-0a1b2c3d4e5f6a7b"  # nginx's id, echoed
    access = next(line for line in lines if line.get("logger") == "permanence.access")
    assert access["request_id"] == "nginx-0a1b2c3d4e5f6a7b"
    assert access["tenant"] == tenant_a.slug and access["tenant_id"] == tenant_a.id
    assert access["user_id"] == worker.id
    assert access["method"] == "GET" and access["status"] == 200 and access["duration_ms"] >= 0
    assert access["route"] == "/<tenant_slug>/children/<int:child_id>"  # the rule: no id, no query string
    everything = raw(lines)
    for secret in ("Quillonetta", "Zebrowskiova", "FICT-77123", "tab=history", worker.email):
        assert secret not in everything


def test_a_request_id_that_is_not_a_sane_token_is_replaced(client):
    response = client.get("/health", headers={"X-Request-ID": "x\" injected=1"})
    made = response.headers["X-Request-ID"]
    assert made != "x\" injected=1" and len(made) == 32 and made.isalnum()
    assert client.get("/health").headers["X-Request-ID"] != made  # one per request


# --- Metrics ---------------------------------------------------------------------------------

def test_metrics_count_requests_by_endpoint_and_only_the_allowed_may_read_them(client, app, monkeypatch, login,
                                                                              make_user, make_child, tenant_a):
    before = sample(client, "permanence_http_requests_total", endpoint="web.health", method="GET", status="2xx")
    for _ in range(3):
        client.get("/health")
    assert sample(client, "permanence_http_requests_total", endpoint="web.health", method="GET",
                  status="2xx") == before + 3
    assert sample(client, "permanence_http_request_duration_seconds_count", endpoint="web.health", method="GET",
                  status="2xx") >= 3
    assert client.get("/no/such/page.txt").status_code == 404
    assert sample(client, "permanence_http_requests_total", endpoint="unmatched", status="4xx") >= 1

    # A page naming a child: its name and case number are in no label.
    worker = make_user(tenant_a, ["social_worker"])
    child = make_child(tenant_a, first_name="Orsolya", last_name="Quenbyfield", case_number="FICT-55501",
                       social_worker=worker)
    login(worker)
    assert client.get(f"/{tenant_a.slug}/children/{child.id}").status_code == 200
    scraped = client.get("/metrics").get_data(as_text=True)
    assert 'endpoint="cases.child"' in scraped
    for secret in ("Orsolya", "Quenbyfield", "FICT-55501", tenant_a.slug, f"/children/{child.id}"):
        assert secret not in scraped

    outsider = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outsider).status_code == 404
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "fictional-scrape-token-0123456789")
    assert client.get("/metrics", environ_base=outsider,
                      headers={"Authorization": "Bearer wrong-token"}).status_code == 404
    allowed = client.get("/metrics", environ_base=outsider,
                         headers={"Authorization": "Bearer fictional-scrape-token-0123456789"})
    assert allowed.status_code == 200 and "permanence_http_requests_total" in allowed.get_data(as_text=True)
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_NETWORKS", ("203.0.113.0/24",))
    assert client.get("/metrics", environ_base=outsider).status_code == 200
    assert client.get("/metrics").status_code == 404  # loopback no longer listed


def test_job_runs_show_in_the_metrics_and_their_log_lines_carry_the_job_and_council(client, app, in_tenant,
                                                                                    work_jobs, tenant_a):
    job = "permanence.core.schedule:activation_job"
    labels = {"job": job, "queue": "periodic"}
    ok_before = sample(client, "permanence_job_runs_total", outcome="success", **labels)
    failed_before = sample(client, "permanence_job_runs_total", outcome="failure", **labels)
    with json_log() as lines:
        with in_tenant(tenant_a):
            enqueue(activation_job, [], queue="periodic", retries=0)  # nothing to do: succeeds
            enqueue(activation_job, ["no-such-periodic-job"], queue="periodic", retries=0)
        work_jobs()
    assert sample(client, "permanence_job_runs_total", outcome="success", **labels) == ok_before + 1
    assert sample(client, "permanence_job_runs_total", outcome="failure", **labels) == failed_before + 1
    assert sample(client, "permanence_job_duration_seconds_count", outcome="success", **labels) >= 1

    said = next(line for line in lines if "failed on activation" in line.get("message", ""))
    assert said["job_id"].startswith("permanence-test-outbox-") and said["job"] == job
    assert said["tenant_id"] == tenant_a.id

    if app.config.get("REDIS_URL"):  # the queues, read from Redis at scrape time
        assert sample(client, "permanence_queue_failed_jobs", queue="periodic") == 1
        assert sample(client, "permanence_queue_jobs", queue="periodic") == 0
    else:
        assert "permanence_queue_jobs" not in client.get("/metrics").get_data(as_text=True)


def test_a_periodic_jobs_last_good_run_is_a_gauge(client, app):
    name = periodic_jobs()[0].name
    finished = utcnow().replace(microsecond=0) - timedelta(hours=3)
    with app.app_context():
        db.session.add_all([
            ScheduledRun(name=name, due_at=finished - timedelta(days=1), claimed_by="test", started_at=finished
                         - timedelta(days=1), finished_at=finished - timedelta(days=1), councils=1, done=1),
            ScheduledRun(name=name, due_at=finished, claimed_by="test", started_at=finished, finished_at=finished,
                         councils=1, done=1),
            ScheduledRun(name=name, due_at=finished + timedelta(hours=1), claimed_by="test",
                         started_at=finished + timedelta(hours=1), finished_at=finished + timedelta(hours=1),
                         councils=1, failed=1, last_error="RuntimeError"),  # failed: not a success
        ])
        db.session.commit()
    assert sample(client, "permanence_scheduled_job_last_success_timestamp_seconds", job=name) == pytest.approx(
        finished.timestamp())


def quiet_periodic_job():
    """A periodic job that does nothing, for the metrics of its parts."""


def test_a_periodic_jobs_parts_are_counted_as_that_job(client, app, make_tenant, work_jobs, monkeypatch):
    monkeypatch.setattr(schedule, "_periodic", dict(schedule._periodic))  # the test's job goes with it
    make_tenant(), make_tenant()
    schedule.register_periodic("test-quiet", quiet_periodic_job, cron="0 2 * * *")
    labels = {"job": f"{__name__}:quiet_periodic_job", "queue": "periodic", "outcome": "success"}
    before = sample(client, "permanence_job_runs_total", **labels)
    with app.app_context():
        assert schedule.run_now("test-quiet") == 2
        commit()
    work_jobs()
    assert sample(client, "permanence_job_runs_total", **labels) == before + 2  # one part per open council
    assert sample(client, "permanence_scheduled_job_last_success_timestamp_seconds", job="test-quiet") > 0
