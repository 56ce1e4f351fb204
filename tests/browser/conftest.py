"""Browser-test fixtures: Playwright (sync API) driving Debian's Chromium.

Every test under ``tests/browser/`` is marked ``browser`` automatically.

Fixtures:

``browser``
    One headless Chromium (``/usr/bin/chromium``) per test session. Fails, never
    skips, when Chromium is missing: ``make test`` installs it.
``server_url``
    Serves the ``app`` fixture from ``tests/conftest.py`` on a free port of
    127.0.0.1 in a background thread; the value is the base URL, e.g.
    ``http://127.0.0.1:43817``.
``page``
    A Playwright page in a fresh browser context (no cookies, no storage) whose
    ``base_url`` is ``server_url``, so ``page.goto("/sign-in")`` works. A
    full-page screenshot is saved to ``test-results/`` when the test ends.
``sign_in``
    ``sign_in(page, email, password)`` fills in and submits ``/sign-in``.
``assert_accessible``
    ``assert_accessible(page)`` runs axe-core (WCAG 2.0, 2.1 and 2.2, levels A
    and AA) on the current page and fails with a readable list of violations.

Example::

    def test_sign_in_page(page, assert_accessible):
        page.goto("/sign-in")
        assert_accessible(page)
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach
# Google's hosts, which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# axe-core's tags for WCAG 2.0, 2.1 and 2.2 at levels A and AA (2.2 added no
# level A rule, so axe has no "wcag22a" tag).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RESULTS_DIR = REPO_ROOT / "test-results"
DEFAULT_TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(items):
    """Mark every test in this folder ``browser``."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium, launched once per test session.

    Playwright's ``launch`` gives the browser a new, empty, temporary
    user-data directory and removes it on close; each test then gets its own
    context from ``page``.
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} not found: browser tests need Debian's Chromium. "
            "Run `make test` (it installs it) or `apt-get install -y chromium`.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def server_url(app):
    """Serve ``app`` on 127.0.0.1 (free port) in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, name="browser-test-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def page(browser, server_url, request):
    """A page in a fresh browser context; screenshot saved when the test ends."""
    context = browser.new_context(
        base_url=server_url,
        locale="en-GB",
        timezone_id="Europe/London",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        try:
            RESULTS_DIR.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid).strip("_")
            page.screenshot(path=str(RESULTS_DIR / f"{name}.png"), full_page=True)
        except Exception as exc:  # a lost screenshot must not fail the test
            print(f"could not save screenshot: {exc}")
        context.close()


def _sign_in(page, email, password):
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.fixture
def sign_in():
    """``sign_in(page, email, password)``: submit the sign-in form."""
    return _sign_in


def check_accessibility(page, *, disable_rules=(), include=None):
    """Run axe-core on ``page``; fail the test listing any WCAG A/AA violations.

    ``disable_rules`` names axe rule ids to skip (say why in the test);
    ``include`` is a CSS selector to limit the check to part of the page.
    """
    if not AXE_JS.is_file():
        pytest.fail(
            f"{AXE_JS} not found: run `npm ci` (or `make test`) first.",
            pytrace=False,
        )
    # Evaluated through the DevTools protocol, so the app's
    # Content-Security-Policy does not block it the way an injected <script>
    # would be.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    options = {
        "runOnly": {"type": "tag", "values": AXE_TAGS},
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in disable_rules},
    }
    results = page.evaluate(
        "([context, options]) => window.axe.run(context || document, options)",
        [include, options],
    )
    violations = results["violations"]
    if violations:
        pytest.fail(_format_violations(page.url, violations), pytrace=False)


def _format_violations(url, violations):
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} [{violation.get('impact') or 'unknown'}]: "
            f"{violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            target = " ".join(
                t if isinstance(t, str) else " >> ".join(t) for t in node["target"]
            )
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").strip()
            if summary:
                lines.extend(f"      {line.strip()}" for line in summary.splitlines())
    return "\n".join(lines)


@pytest.fixture
def assert_accessible():
    """``assert_accessible(page, disable_rules=(), include=None)``: see
    :func:`check_accessibility`."""
    return check_accessibility
