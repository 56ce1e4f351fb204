"""Sign in, see the home page, read a child's record, sign out: in Chromium, with axe checks."""

import pytest
from playwright.sync_api import expect

from factories import PASSWORD


def test_sign_in_home_child_and_sign_out(page, sign_in, assert_accessible, tenant_a, make_user, make_team,
                                         make_child):
    team = make_team(tenant_a, "Children in Care 1")
    worker = make_user(tenant_a, ["social_worker"], team=team, email="sw@example.org", name="Sam Worker")
    make_child(tenant_a, social_worker=worker, team=team, first_name="Rowan", last_name="Fictional",
               case_number="DEMO-0007")
    page.goto("/sign-in")
    assert_accessible(page)
    sign_in(page, "sw@example.org", PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == "Council A"
    header = page.locator("header").inner_text()
    assert "Sam Worker" in header and "Social worker" in header
    assert_accessible(page)
    page.get_by_role("link", name="Rowan Fictional").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Rowan Fictional"
    assert "DEMO-0007" in page.content()
    assert_accessible(page)
    page.get_by_role("link", name="Children").first.click()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")
    assert page.get_by_text("You have signed out").is_visible()
    page.goto("/council-a/")
    assert page.get_by_role("heading", name="Sign in").is_visible()


def test_failed_sign_in_shows_an_error_summary(page, sign_in, assert_accessible, tenant_a, make_user):
    make_user(tenant_a, ["chair"], email="chair@example.org")
    sign_in(page, "chair@example.org", "not the password")
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert_accessible(page)


@pytest.mark.parametrize("role,expected", [
    ("tenant_admin", "Users and roles"),
    ("senior_manager", "Children looked after by team"),
    ("chair", "Children you can see"),
])
def test_each_role_has_a_home_fit_for_it(page, sign_in, assert_accessible, tenant_a, make_user, make_child, role,
                                         expected):
    make_child(tenant_a)
    make_user(tenant_a, [role], email=f"{role}@example.org")
    sign_in(page, f"{role}@example.org", PASSWORD)
    assert expected in page.content()
    assert_accessible(page)


def test_tenant_admin_pages_are_accessible(page, sign_in, assert_accessible, tenant_a, make_user):
    make_user(tenant_a, ["tenant_admin"], email="admin@example.org")
    sign_in(page, "admin@example.org", PASSWORD)
    for path in ("/council-a/admin/users", "/council-a/admin/users/new", "/council-a/admin/audit",
                 "/council-a/account/tokens"):
        page.goto(path)
        assert_accessible(page)


def test_a_role_reading_children_is_asked_for_and_confirmed_by_two_administrators(page, sign_in, assert_accessible,
                                                                                 tenant_a, make_user):
    make_user(tenant_a, ["tenant_admin"], email="a@example.org", name="Ann Admin")
    make_user(tenant_a, ["tenant_admin"], email="b@example.org", name="Ben Admin")
    make_user(tenant_a, ["social_worker"], email="x@example.org", name="Xena Worker")
    sign_in(page, "a@example.org", PASSWORD)
    page.goto("/council-a/admin/users")
    page.get_by_role("link", name="Xena Worker").click()
    page.get_by_label("Chair", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Chair for Xena Worker must be confirmed by another administrator of Council A")).to_be_visible()
    expect(page.get_by_text("Waiting for another administrator: you asked")).to_be_visible()
    assert page.get_by_role("button", name="Confirm").count() == 0
    assert_accessible(page)
    page.get_by_role("link", name="Xena Worker").click()
    expect(page.get_by_text("waiting for another administrator to confirm")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "b@example.org", PASSWORD)
    page.goto("/council-a/admin/users")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm roles for Xena Worker").click()
    expect(page.get_by_text("Chair confirmed for Xena Worker")).to_be_visible()
    expect(page.get_by_role("heading", name="Roles waiting for confirmation")).to_have_count(0)


def test_central_admin_pages_are_accessible(page, sign_in, assert_accessible, tenant_a, make_user):
    make_user(None, (), email="platform@example.org", platform_admin=True)
    sign_in(page, "platform@example.org", PASSWORD)
    page.goto("/admin/tenants")
    assert "Council A" in page.content()
    assert_accessible(page)
    page.get_by_role("link", name="Council A").click()
    assert_accessible(page)
    page.get_by_role("link", name="Scheduled jobs").first.click()
    page.wait_for_load_state()  # the whole page, not the part a busy machine has parsed so far
    assert page.get_by_role("heading", name="tracker-nightly").is_visible()
    assert page.get_by_text("Next run").count() == page.get_by_role("button", name="Run now").count() > 0
    assert_accessible(page)


def test_pages_run_under_the_content_security_policy(browser, server_url, sign_in, csp_watch, tenant_a,
                                                     make_user):
    """GOV.UK Frontend and app.js run from files under the policy, and a script slipped into the
    page is refused: the policy is enforced, not only sent."""
    make_user(tenant_a, ["chair"], email="chair@example.org")
    context = browser.new_context(base_url=server_url, locale="en-GB")
    try:
        page = context.new_page()
        refused = csp_watch(page)
        response = page.goto("/sign-in")
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        sign_in(page, "chair@example.org", PASSWORD)
        classes = page.evaluate("() => document.body.className")
        assert "js-enabled" in classes and "govuk-frontend-supported" in classes
        page.wait_for_selector("a.govuk-skip-link[data-govuk-skip-link-init]", state="attached")
        assert refused == []
        page.evaluate("""() => {
          const script = document.createElement('script')
          script.textContent = 'window.slippedIn = true'
          document.body.append(script)
        }""")
        assert page.evaluate("() => window.slippedIn") is None
        page.wait_for_timeout(200)
        assert any("inline script" in r for r in refused), refused
    finally:
        context.close()
