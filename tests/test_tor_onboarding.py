"""Onboarding a council from its terms of reference through the central admin pages, and proposals
by the council's own administrator."""

from __future__ import annotations

import io
import re
from pathlib import Path

from sqlalchemy import func, select

from permanence.extensions import db
from permanence.tenancy.models import Tenant, TenantStatus
from permanence.tor.versions import TorVersion

REPO = Path(__file__).resolve().parents[1]
NORTH_SHIRE = (REPO / "tests" / "data" / "tor" / "north-shire" / "tor.yaml").read_text()


def _versions(app, tenant_id=None):
    from permanence.core.context import across_all_tenants

    with app.app_context(), across_all_tenants():
        stmt = select(func.count(TorVersion.id))
        if tenant_id is not None:
            stmt = stmt.where(TorVersion.tenant_id == tenant_id)
        return db.session.execute(stmt).scalar_one()


def _upload(text, name="tor.yaml"):
    return (io.BytesIO(text.encode()), name)


def test_a_sixth_council_is_onboarded_end_to_end_with_no_code_change(app, client, make_user, login):
    admin = make_user(None, (), platform_admin=True)
    login(admin)
    page = client.post("/admin/tenants/new-from-terms-of-reference",
                       data={"slug": "north-shire", "tor_file": _upload(NORTH_SHIRE)},
                       content_type="multipart/form-data")
    assert page.status_code == 302, page.get_data(as_text=True)
    preview = client.get(page.headers["Location"]).get_data(as_text=True)
    # The preview: next six sittings (second Thursday), first sitting's deadlines, parts and cohorts.
    assert "Monthly on the second Thursday of the month, 10:30 to 12:30" in preview
    assert preview.count("Thursday 10 December 2026") >= 1 and "Thursday 13 May 2027" in preview
    assert "referrals close Monday 30 November 2026" in " ".join(preview.split())
    assert "Early permanence" in preview and "Age is under 2" in preview
    with app.app_context():
        tenant = db.session.execute(select(Tenant).where(Tenant.slug == "north-shire")).scalar_one()
        assert tenant.status == TenantStatus.DRAFT and tenant.name == "North Shire Council (synthetic)"
        tenant_id = tenant.id
    action = re.search(r'action="([^"]+/activate)"', preview).group(1)
    assert client.post(action).status_code == 302
    with app.app_context():
        assert db.session.get(Tenant, tenant_id).status == TenantStatus.ACTIVE

    invited = client.post(f"/admin/tenants/{tenant_id}", data={"email": "nina.admin@example.org",
                                                               "name": "Nina Admin"})
    assert invited.status_code == 302
    client.post("/sign-out")
    from permanence.accounts.models import User

    with app.app_context():
        user = db.session.execute(select(User).where(User.email == "nina.admin@example.org")).scalar_one()
        db.session.expunge(user)
    login(user)
    document = client.get("/north-shire/terms-of-reference")
    assert document.status_code == 200
    text = " ".join(document.get_data(as_text=True).split())
    assert "Permanence Oversight Panel" in text and "Long-term fostering matches" in text
    assert "Eight working days before the meeting" in text


def test_a_malformed_upload_is_rejected_with_errors_against_lines_and_nothing_is_stored(
        app, client, make_tenant, make_user, login):
    tenant = make_tenant("south-shire", "South Shire", status=TenantStatus.DRAFT)
    login(make_user(None, (), platform_admin=True))
    bad = NORTH_SHIRE.replace("kind: panel", "kind: pannel").replace("minutes_per_item: 15", "minutes_per_itme: 15")
    before = _versions(app)
    page = client.post(f"/admin/tenants/{tenant.id}/terms-of-reference", data={"tor_text": bad})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _versions(app) == before
    assert "govuk-error-summary" in html and "nothing was stored" in html
    assert 'href="#line-14"' in html and 'id="line-14" class="app-source__line--error"' in html
    assert "bodies[0].kind" in html
    line = bad.splitlines().index("        minutes_per_itme: 15") + 1
    assert f'href="#line-{line}"' in html and "unknown key" in html


def test_the_form_requires_exactly_one_source_and_a_yaml_file(app, client, make_tenant, make_user, login):
    tenant = make_tenant("east-shire", "East Shire", status=TenantStatus.DRAFT)
    login(make_user(None, (), platform_admin=True))
    empty = client.post(f"/admin/tenants/{tenant.id}/terms-of-reference", data={}).get_data(as_text=True)
    assert "Upload tor.yaml or paste the YAML" in empty
    both = client.post(f"/admin/tenants/{tenant.id}/terms-of-reference",
                       data={"tor_text": NORTH_SHIRE, "tor_file": _upload(NORTH_SHIRE)},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "not both" in both
    wrong = client.post(f"/admin/tenants/{tenant.id}/terms-of-reference",
                        data={"tor_file": _upload(NORTH_SHIRE, "tor.docx")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "ending .yaml or .yml" in wrong
    taken = client.post("/admin/tenants/new-from-terms-of-reference",
                        data={"slug": "east-shire", "tor_text": NORTH_SHIRE}).get_data(as_text=True)
    assert "already exists" in taken
    assert _versions(app) == 0


def test_a_tenant_admin_proposes_and_activates_a_new_version(app, client, tenant_a, make_user, login):
    from permanence.tor import services

    with app.app_context():
        services.store_version(tenant_a.id, NORTH_SHIRE, loaded_by="cli", activate=True)
        from permanence.core.jobs import commit

        commit()
    login(make_user(tenant_a, ["tenant_admin"]))
    changed = NORTH_SHIRE.replace("10:30", "09:00")
    page = client.post("/council-a/terms-of-reference/propose", data={"tor_text": changed, "note": "Earlier start"})
    assert page.status_code == 302
    version_page = client.get(page.headers["Location"]).get_data(as_text=True)
    assert "Activate version 2" in version_page
    version_id = int(page.headers["Location"].rstrip("/").split("/")[-1])
    assert client.post(f"/council-a/terms-of-reference/versions/{version_id}/activate").status_code == 302
    document = " ".join(client.get("/council-a/terms-of-reference").get_data(as_text=True).split())
    assert "09:00 to 12:30" in document and "Version 2" in document


def test_a_social_worker_may_read_but_not_propose(app, client, tenant_a, make_user, login):
    login(make_user(tenant_a, ["social_worker"]))
    assert client.get("/council-a/terms-of-reference").status_code == 200
    assert client.get("/council-a/terms-of-reference/propose").status_code == 403


# "Billion laughs": 342 bytes whose aliases expand to 9 ** 9 strings.
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{b}: &{b} [{','.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))


def test_an_alias_bomb_or_deep_nesting_is_a_form_error_on_both_upload_pages_and_nothing_is_stored(
        app, client, tenant_a, make_tenant, make_user, login):
    assert len(BOMB.encode()) == 342
    deep = "[" * 10_000 + "]" * 10_000
    tenant = make_tenant("west-shire", "West Shire", status=TenantStatus.DRAFT)
    login(make_user(None, (), platform_admin=True))
    for data in ({"tor_file": _upload(BOMB)}, {"tor_text": BOMB}, {"tor_file": _upload(deep)}):
        page = client.post(f"/admin/tenants/{tenant.id}/terms-of-reference", data=data,
                           content_type="multipart/form-data")
        assert page.status_code == 200
        html = " ".join(page.get_data(as_text=True).split())
        assert "govuk-error-summary" in html and "nothing was stored" in html
        assert "a terms of reference may" in html
    page = client.post("/admin/tenants/new-from-terms-of-reference", data={"slug": "bomb-shire", "tor_text": BOMB})
    assert page.status_code == 200 and "a terms of reference may hold at most 100,000" in page.get_data(as_text=True)
    client.post("/sign-out")

    login(make_user(tenant_a, ["tenant_admin"]))
    for text in (BOMB, deep):
        page = client.post("/council-a/terms-of-reference/propose", data={"tor_text": text})
        assert page.status_code == 200
        html = " ".join(page.get_data(as_text=True).split())
        assert "govuk-error-summary" in html and "a terms of reference may" in html
    assert _versions(app) == 0
    with app.app_context():
        assert db.session.execute(select(Tenant).where(Tenant.slug == "bomb-shire")).scalar_one_or_none() is None
