"""Versions of a council's terms of reference: immutable rows, one active, cached parse, CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.tor import TorConfigError
from permanence.tor import services
from permanence.tor.versions import ImmutableVersionError, TorVersion, TorVersionStatus

REPO = Path(__file__).resolve().parents[1]
SEEDS = ("waltham-forest", "permanence-panel-pptm", "redbridge", "monthly-tracking-overview", "knowsley")
NORTH_SHIRE = REPO / "tests" / "data" / "tor" / "north-shire"


def _count(app, tenant_id):
    with app.app_context(), tenant_context(tenant_id):
        return db.session.execute(select(func.count(TorVersion.id))).scalar_one()


def test_the_five_seed_councils_load_on_a_fresh_database(app):
    with app.app_context():
        for slug in SEEDS:
            tenant, result = services.load_folder(REPO / "tenants" / slug)
            assert result.created and result.version.number == 1
            assert result.version.status == TorVersionStatus.ACTIVE
            assert tenant.slug == slug
        commit()
        for slug in SEEDS:
            from permanence.tenancy.services import get_tenant

            tor = services.current_tor(get_tenant(slug).id)
            assert tor is not None and tor.bodies


def test_reloading_the_same_file_is_a_no_op_and_a_change_is_a_new_version(app, tenant_a):
    text = (NORTH_SHIRE / "tor.yaml").read_text()
    with app.app_context():
        first = services.store_version(tenant_a.id, text, loaded_by="cli", activate=True)
        again = services.store_version(tenant_a.id, text, loaded_by="cli", activate=True)
        assert again.created is False and again.version.id == first.version.id
        changed = services.store_version(tenant_a.id, text.replace('"10:30"', '"11:00"'), loaded_by="cli",
                                         activate=True)
        number = changed.version.number
        commit()
        assert number == 2
        versions = services.list_versions(tenant_a.id)
        assert [(v.number, v.status) for v in versions] == [
            (2, TorVersionStatus.ACTIVE), (1, TorVersionStatus.SUPERSEDED)]
        assert services.current_tor(tenant_a.id).bodies[0].cadence.start_time.strftime("%H:%M") == "11:00"


def test_an_invalid_text_stores_nothing_and_says_which_line(app, tenant_a):
    bad = (NORTH_SHIRE / "tor.yaml").read_text().replace("kind: panel", "kind: pannel")
    with app.app_context():
        with pytest.raises(TorConfigError) as caught:
            services.store_version(tenant_a.id, bad, loaded_by="cli")
        db.session.rollback()
    assert _count(app, tenant_a.id) == 0
    error = caught.value.errors[0]
    assert error.line == 14 and "bodies[0].kind" in str(error)


def test_a_stored_version_cannot_be_edited(app, tenant_a):
    text = (NORTH_SHIRE / "tor.yaml").read_text()
    with app.app_context():
        version = services.store_version(tenant_a.id, text, loaded_by="cli").version
        commit()
        with tenant_context(tenant_a.id):
            version = db.session.get(TorVersion, version.id)
            version.source_text = "format_version: 1\n"
            with pytest.raises(ImmutableVersionError):
                db.session.flush()
            db.session.rollback()


def test_current_tor_is_parsed_once_per_checksum(app, tenant_a, monkeypatch):
    text = (NORTH_SHIRE / "tor.yaml").read_text()
    with app.app_context():
        services.store_version(tenant_a.id, text, loaded_by="cli", activate=True)
        commit()
        services._cache.clear()
        calls = []
        real = services.load_tor_from_text
        monkeypatch.setattr(services, "load_tor_from_text", lambda *a, **k: calls.append(1) or real(*a, **k))
        first = services.current_tor(tenant_a.id)
        second = services.current_tor(tenant_a.id)
    assert first is second and len(calls) == 1


def test_one_active_version_per_council_is_enforced_by_the_database(app, tenant_a):
    from sqlalchemy.exc import IntegrityError

    with app.app_context(), tenant_context(tenant_a.id):
        db.session.add_all([
            TorVersion(number=n, source_text="x", checksum=str(n) * 64, loaded_by="cli",
                       status=TorVersionStatus.ACTIVE) for n in (1, 2)])
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_cli_validate_and_load(app, tmp_path):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["tenants", "validate", str(NORTH_SHIRE)])
    assert ok.exit_code == 0, ok.output
    bad_folder = tmp_path / "broken-shire"
    bad_folder.mkdir()
    (bad_folder / "tor.yaml").write_text((NORTH_SHIRE / "tor.yaml").read_text().replace("anchor:", "ankor:"))
    bad = runner.invoke(args=["tenants", "validate", str(bad_folder)])
    assert bad.exit_code == 1
    assert f"{bad_folder}/tor.yaml:21 bodies[0].cadence" in bad.output

    loaded = runner.invoke(args=["tenants", "load", str(NORTH_SHIRE)])
    assert loaded.exit_code == 0, loaded.output
    assert "north-shire: loaded as version 1 (active)" in loaded.output
    again = runner.invoke(args=["tenants", "load", str(NORTH_SHIRE)])
    assert "already loaded as version 1" in again.output
    with app.app_context():
        from permanence.tenancy.services import get_tenant

        tenant = get_tenant("north-shire")
        assert tenant.name == "North Shire Council (synthetic)" and tenant.is_active


def test_demo_load_loads_the_seed_terms_of_reference_idempotently(app):
    from permanence.demo.services import load_demo
    from permanence.tenancy.services import get_tenant

    with app.app_context():
        load_demo(children_per_tenant=1)
        commit()
        load_demo(children_per_tenant=1)
        commit()
        for slug in SEEDS:
            tenant_id = get_tenant(slug).id
            assert [v.number for v in services.list_versions(tenant_id)] == [1]
            assert services.current_tor(tenant_id) is not None


def test_versions_diff_shows_removed_and_added_lines(app, tenant_a, make_user, login, client):
    text = (NORTH_SHIRE / "tor.yaml").read_text()
    with app.app_context():
        services.store_version(tenant_a.id, text, loaded_by="cli", activate=True)
        v2 = services.store_version(tenant_a.id, text.replace("BYDAY=+2TH", "BYDAY=+2TU"), loaded_by="cli",
                                    note="Moved to Tuesdays").version
        v2_id = v2.id
        commit()
    login(make_user(tenant_a, ["tenant_admin"]))
    listing = client.get("/council-a/terms-of-reference/versions").get_data(as_text=True)
    assert "Version 2" in listing and "Proposed" in listing and "Moved to Tuesdays" in listing
    page = client.get(f"/council-a/terms-of-reference/versions/{v2_id}").get_data(as_text=True)
    assert "app-diff__removed" in page and "BYDAY=+2TH" in page and "BYDAY=+2TU" in page
    assert "Activate version 2" in page


def test_review_reminder_emails_tenant_admins_once(app, tenant_a, make_user, in_tenant):
    from permanence.notifications.models import EmailMessage
    from permanence.tor.jobs import send_tor_review_reminders_job

    make_user(tenant_a, ["tenant_admin"], email="admin@example.org")
    make_user(tenant_a, ["social_worker"], email="worker@example.org")
    with app.app_context():
        services.store_version(tenant_a.id, (NORTH_SHIRE / "tor.yaml").read_text(), loaded_by="cli",
                               activate=True)
        commit()
    # Last reviewed 2026-03-01, every 12 months: due 2027-03-01.
    with in_tenant(tenant_a):
        assert send_tor_review_reminders_job(today="2026-12-01") == 0
        assert send_tor_review_reminders_job(today="2027-02-10") == 1
    with in_tenant(tenant_a):
        assert send_tor_review_reminders_job(today="2027-02-11") == 0
        assert send_tor_review_reminders_job(today="2027-03-02") == 1
        to = sorted(m.to_address for m in db.session.execute(select(EmailMessage)).scalars())
    assert to == ["admin@example.org", "admin@example.org"]
