"""Papers on the child's page, in Chromium: upload the care plan, see a refused file explained,
download the paper, with axe checks."""

from pathlib import Path

import pytest

from factories import PASSWORD
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.tenancy.models import Tenant, TenantStatus
from permanence.tor import services as tor_services

REPO = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def knowsley(app):
    with app.app_context():
        tenant, _ = tor_services.load_folder(REPO / "tenants" / "knowsley")
        tenant.status = TenantStatus.ACTIVE
        commit()
        tenant = db.session.get(Tenant, tenant.id)
        db.session.expunge_all()
        return tenant


def test_a_social_worker_uploads_the_care_plan_on_the_childs_page_and_downloads_it(
        page, sign_in, assert_accessible, knowsley, make_team, make_user, make_child, tmp_path):
    team = make_team(knowsley, "Children in Care 1")
    make_user(knowsley, ["social_worker"], team=team, email="sw@example.org", name="Sam Worker")
    child = make_child(knowsley, team=team, first_name="Rowan", last_name="Fictional", case_number="DEMO-0042")
    sign_in(page, "sw@example.org", PASSWORD)
    page.goto(f"/knowsley/children/{child.id}")
    assert page.get_by_role("heading", name="Papers", exact=True).is_visible()
    care_plan = page.locator("#paper-care-plan")
    assert "Not uploaded yet." in care_plan.inner_text()
    assert_accessible(page)

    # A program renamed .pdf is refused, said plainly, and nothing is stored.
    exe = tmp_path / "care-plan.pdf"
    exe.write_bytes(b"MZ\x90\x00" + b"\x00" * 60)
    care_plan.get_by_text("Upload this paper").click()
    care_plan.get_by_label("Upload a file").set_input_files(str(exe))
    care_plan.get_by_role("button", name="Upload Most recent care plan").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert "care-plan.pdf is named as a PDF but its content is a Windows program, so it was not uploaded." \
        in page.get_by_role("alert").inner_text()
    assert_accessible(page)

    # The same form on the error page takes the real file; back on the child's page it is listed.
    real = tmp_path / "Care plan June.pdf"
    real.write_bytes(PDF)
    page.get_by_label("Upload a file").set_input_files(str(real))
    page.get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_url(f"**/knowsley/children/{child.id}#papers")
    assert "Most recent care plan: Care plan June.pdf uploaded as version 1" in page.get_by_role("alert").inner_text()
    care_plan = page.locator("#paper-care-plan")
    assert "Version 1, uploaded" in care_plan.inner_text() and "by Sam Worker" in care_plan.inner_text()
    assert_accessible(page)

    with page.expect_download() as download_info:
        care_plan.get_by_role("link", name="Care plan June.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "Care plan June.pdf"
    saved = tmp_path / "downloaded.pdf"
    download.save_as(str(saved))
    assert saved.read_bytes() == PDF
