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
    full-page screenshot is saved to ``test-results/`` when the test ends. Anything
    the app's Content-Security-Policy refused on a page fails the test, so a
    template or script that needs an inline script or style is found here.
``sign_in``
    ``sign_in(page, email, password)`` fills in and submits ``/sign-in``.
``assert_accessible``
    ``assert_accessible(page)`` checks the current page at a desktop, a tablet
    and a phone width (1280, 768 and 390 CSS px): the page must not scroll
    sideways, and axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA, with 2.2's
    24 px target-size rule switched on) must find nothing. It fails with a
    readable list of what is wrong at which width, then puts the viewport back.
``accessibility_problems``
    The same checks, returned as a list of lines instead of failing, for a
    test that walks many pages and reports them all at once.

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
# Rules axe ships switched off that these tags should include: target-size is
# WCAG 2.2's success criterion 2.5.8, Target Size (Minimum): 24 by 24 CSS px,
# or spaced so that a 24 px circle around each target touches no other.
AXE_RULES_ON = ["target-size"]
# Desktop, tablet (portrait iPad) and phone (a common handset) widths in CSS px.
WIDTHS = (1280, 768, 390)
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
    refused = watch_csp(page)
    try:
        yield page
        if refused:
            pytest.fail("The Content-Security-Policy refused:\n" + "\n".join(refused), pytrace=False)
    finally:
        try:
            RESULTS_DIR.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid).strip("_")
            page.screenshot(path=str(RESULTS_DIR / f"{name}.png"), full_page=True)
        except Exception as exc:  # a lost screenshot must not fail the test
            print(f"could not save screenshot: {exc}")
        context.close()


def watch_csp(page) -> list[str]:
    """What the app's Content-Security-Policy refuses on ``page`` from now on (Chromium reports
    each refusal as a console error), as a list that fills as the test goes."""
    refused: list[str] = []

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            refused.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    return refused


@pytest.fixture
def csp_watch():
    """``csp_watch(page)``: the list of what the policy refuses on a page from a context of the
    test's own (the ``page`` fixture already fails on any refusal)."""
    return watch_csp


def _sign_in(page, email, password):
    # Signing in starts from nobody: wait for the last page's requests (each refreshes the session
    # cookie) before dropping the cookies, or a late response signs the old user back in.
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.fixture
def sign_in():
    """``sign_in(page, email, password)``: submit the sign-in form."""
    return _sign_in


def check_accessibility(page, *, disable_rules=(), include=None, widths=WIDTHS):
    """Check ``page`` at each of ``widths``; fail the test listing what is wrong.

    At each width the page must not scroll sideways (wide tables scroll inside
    their own container) and axe-core must find no WCAG A/AA violation.
    ``disable_rules`` names axe rule ids to skip (say why in the test);
    ``include`` is a CSS selector to limit axe to part of the page.
    """
    problems = page_problems(page, disable_rules=disable_rules, include=include, widths=widths)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def page_problems(page, *, disable_rules=(), include=None, widths=WIDTHS) -> list[str]:
    """What :func:`check_accessibility` would fail on, as readable lines (none: all well)."""
    original = page.viewport_size
    problems = []
    try:
        for width in widths:
            if page.viewport_size["width"] != width:
                page.set_viewport_size({"width": width, "height": original["height"]})
                # Two frames: the page's resize observers have run by then.
                page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            overflow = sideways_overflow(page)
            if overflow:
                problems.append(f"{page.url} at {width} px scrolls sideways: " + "; ".join(overflow))
            violations = axe_violations(page, disable_rules=disable_rules, include=include)
            if violations:
                problems.append(_format_violations(f"{page.url} at {width} px", violations))
    finally:
        if page.viewport_size != original:
            page.set_viewport_size(original)
    return problems


# The page is wider than the window when the root's scroll width passes the
# window's; then name the deepest elements that stick out on the right, which
# are the ones to fix (their ancestors only stick out because of them).
_OVERFLOW_JS = """() => {
  const limit = window.innerWidth;
  if (document.documentElement.scrollWidth <= limit) return [];
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= limit + 1) continue;
    if (getComputedStyle(el).overflowX === 'visible' &&
        [...el.children].some(c => c.getBoundingClientRect().right > limit + 1)) continue;
    let clipped = false;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX !== 'visible' && style.overflowX !== 'clip') { clipped = true; break; }
    }
    if (clipped) continue;
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.classList.length ? '.' + [...el.classList].join('.') : '');
    culprits.push(`${name} (right edge ${Math.round(box.right)} px)`);
  }
  return [`page ${document.documentElement.scrollWidth} px wide in a ${limit} px window`]
    .concat(culprits.slice(0, 5));
}"""


def sideways_overflow(page) -> list[str]:
    """Empty when the page fits its window's width; otherwise what sticks out."""
    return page.evaluate(_OVERFLOW_JS)


def axe_violations(page, *, disable_rules=(), include=None) -> list[dict]:
    """axe-core's WCAG A/AA violations on the page as it is now."""
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
    rules = {rule: {"enabled": True} for rule in AXE_RULES_ON}
    rules.update({rule: {"enabled": False} for rule in disable_rules})
    options = {
        "runOnly": {"type": "tag", "values": AXE_TAGS},
        "resultTypes": ["violations"],
        "rules": rules,
    }
    results = page.evaluate(
        "([context, options]) => window.axe.run(context || document, options)",
        [include, options],
    )
    return results["violations"]


def _format_violations(where, violations):
    lines = [f"{len(violations)} accessibility violation(s) on {where}:"]
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
    """``assert_accessible(page, disable_rules=(), include=None, widths=WIDTHS)``:
    see :func:`check_accessibility`."""
    return check_accessibility


@pytest.fixture
def accessibility_problems():
    """``accessibility_problems(page, ...)``: what ``assert_accessible`` would fail on, as a
    list of lines, for a test that checks many pages and reports them all at once."""
    return page_problems
