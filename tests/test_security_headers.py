"""What the app itself tells the browser (not only nginx): a Content-Security-Policy of our own
origin, no framing, no sniffing, a referrer policy, HSTS over HTTPS; and a council's 404 names
nothing to someone who is not its member."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "platform" / "permanence"
CSP = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]{20,})'")


def nonce_of(response) -> str:
    return NONCE.search(response.headers["Content-Security-Policy"]).group(1)


def assert_security_headers(response):
    headers = response.headers
    assert headers["Content-Security-Policy"] == CSP.format(nonce=nonce_of(response))
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_a_page_an_error_page_and_the_api_carry_the_headers(client, tenant_a, make_user, make_token):
    page = client.get("/sign-in")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert_security_headers(page)

    missing = client.get("/no-such-council/children/")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert_security_headers(missing)

    _, secret = make_token(tenant_a, make_user(tenant_a, ["chair"]))
    api = client.get("/council-a/api/v1/me/", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200 and api.mimetype == "application/json"
    assert_security_headers(api)
    refused = client.get("/council-a/api/v1/me/")
    assert refused.status_code == 401 and refused.mimetype == "application/json"
    assert_security_headers(refused)


def test_the_one_inline_script_carries_a_nonce_new_for_each_response(client):
    first, second = client.get("/sign-in"), client.get("/sign-in")
    assert nonce_of(first) != nonce_of(second)
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", first.text)
    assert scripts == [f'<script nonce="{nonce_of(first)}">']


def test_an_error_page_refused_before_the_pipeline_gets_a_nonce_too(client):
    """CSRF is checked before Talisman's before_request makes the nonce: the page still has one."""
    refused = client.post("/sign-in", data={"email": "a@example.org", "password": "x"}, csrf=False)
    assert refused.status_code == 400 and refused.mimetype == "text/html"
    assert f'<script nonce="{nonce_of(refused)}">' in refused.text


def test_hsts_only_over_https_and_http_is_never_redirected(client):
    plain = client.get("/sign-in")
    assert plain.status_code == 200  # no redirect to https in development and tests
    assert "Strict-Transport-Security" not in plain.headers
    secure = client.get("/sign-in", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=63072000"
    assert_security_headers(secure)


INLINE = [
    (re.compile(r"<script(?![^>]*\b(?:src|nonce)=)[^>]*>", re.I), "an inline <script> without the nonce"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]
# Rendered only into PDFs by WeasyPrint, never served as a page.
PDF_ONLY = {"templates/pdf_base.html"}


def test_no_template_needs_an_inline_script_or_style():
    """The policy refuses them, so a template that had one would break in the browser."""
    found = []
    for path in sorted(PACKAGE.rglob("*.html")):
        name = path.relative_to(PACKAGE).as_posix()
        if name in PDF_ONLY or name.startswith("static/"):
            continue
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{name}:{line}: {what}")
    assert not found, "\n".join(found)


# --- a council's 404 names nothing -------------------------------------------------------------

def _without_tokens(html: str) -> str:
    """The page less what differs per request (the script nonce, the sign-out form's CSRF token)."""
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', html)


@pytest.fixture
def westshire(make_tenant):
    return make_tenant("westshire", "Westshire Borough Council")


def _names_nothing(body: str):
    assert "westshire" not in body.lower()


def test_another_councils_404_is_the_page_of_a_council_that_does_not_exist(
        client, login, tenant_a, westshire, make_user):
    login(make_user(tenant_a, ["panel_administrator"]))
    other = client.get("/westshire/children/")
    nowhere = client.get("/no-such-council/children/")
    assert other.status_code == nowhere.status_code == 404
    _names_nothing(other.text)
    assert "Council A" not in other.text  # the page is about no council at all
    assert _without_tokens(other.text) == _without_tokens(nowhere.text)


def test_a_signed_out_404_inside_a_council_names_nothing(client, westshire):
    other = client.get("/westshire/calendar/not-a-token.ics")
    nowhere = client.get("/no-such-council/calendar/not-a-token.ics")
    assert other.status_code == nowhere.status_code == 404
    _names_nothing(other.text)
    assert _without_tokens(other.text) == _without_tokens(nowhere.text)


def test_a_member_still_sees_their_council_named(client, login, westshire, make_user):
    login(make_user(westshire, ["panel_administrator"]))
    missing = client.get("/westshire/referrals/999999")
    assert missing.status_code == 404
    assert "Westshire Borough Council" in missing.text
