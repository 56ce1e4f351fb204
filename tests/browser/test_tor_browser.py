"""The onboarding page and the rendered terms of reference in Chromium: accessible, and printable."""

from pathlib import Path

from factories import PASSWORD

REPO = Path(__file__).resolve().parents[2]
NORTH_SHIRE = (REPO / "tests" / "data" / "tor" / "north-shire" / "tor.yaml").read_text()


def test_onboarding_errors_then_preview_then_rendered_and_printed(app, page, sign_in, assert_accessible, make_user,
                                                                  tmp_path):
    make_user(None, (), platform_admin=True, email="platform@example.org")
    sign_in(page, "platform@example.org", PASSWORD)
    page.goto("/admin/tenants/new-from-terms-of-reference")
    assert_accessible(page)

    page.get_by_label("Web address").fill("north-shire")
    page.get_by_label("Or paste the YAML").fill(NORTH_SHIRE.replace("kind: panel", "kind: pannel"))
    page.get_by_role("button", name="Check and store as a proposal").click()
    summary = page.get_by_role("alert").inner_text()
    assert "nothing was stored" in summary and "Line 14" in summary
    assert_accessible(page)
    page.get_by_role("link", name="Line 14", exact=False).first.click()
    assert page.url.endswith("#line-14")

    page.get_by_label("Or paste the YAML").fill(NORTH_SHIRE)
    page.get_by_role("button", name="Check and store as a proposal").click()
    assert "Version 1 of the terms of reference" in page.get_by_role("heading", level=1).inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Activate and open North Shire Council (synthetic)").click()
    # The outcome, not the flash message (flashes proved timing-sensitive on PostgreSQL runs).
    status = page.locator(".govuk-summary-list__row", has_text="Status").inner_text()
    assert "Active" in status

    page.get_by_label("Email address").fill("nina@example.org")
    page.get_by_label("Full name").fill("Nina Admin")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_role("button", name="Sign out").click()

    # The invited administrator sets a password (the invitation e-mail itself is tested elsewhere).
    from sqlalchemy import select

    from permanence.accounts.models import User
    from permanence.accounts.services import set_password
    from permanence.core.jobs import commit
    from permanence.extensions import db

    with app.app_context():
        set_password(db.session.execute(select(User).where(User.email == "nina@example.org")).scalar_one(),
                     PASSWORD)
        commit()
    sign_in(page, "nina@example.org", PASSWORD)
    page.goto("/north-shire/terms-of-reference")
    assert page.get_by_role("heading", level=1).inner_text() == "Terms of reference"
    assert "Monthly on the second Thursday of the month, 10:30 to 12:30" in page.content()
    assert page.get_by_role("button", name="Print or save as PDF").is_visible()
    assert_accessible(page)

    page.emulate_media(media="print")
    assert not page.locator("nav.app-navigation").is_visible()
    assert not page.get_by_role("button", name="Print or save as PDF").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    (tmp_path / "north-shire-tor.pdf").write_bytes(pdf)
