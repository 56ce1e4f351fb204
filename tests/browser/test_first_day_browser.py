"""A council's first day, as a new user lives it: the app served the way ``make run`` serves it (its
own process, the embedded default: SQLite, jobs and the schedule in-process, e-mails printed to the
console), and nothing typed at a command line once it is up.

The central administrator onboards a council from its terms of reference and invites its first
administrator; the administrator follows the link the console printed, sets a password, signs in,
adds people from a CSV file, and sees the council's sittings with their deadlines.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NORTH_SHIRE = REPO / "tests" / "data" / "tor" / "north-shire" / "tor.yaml"
ADMIN_EMAIL, ADMIN_PASSWORD = "central.admin@example.org", "lantern-harbour-2027"
NEW_PASSWORD = "copper-meadow-kettle-2027"
LINK = re.compile(r"https?://[^\s]+/account/set-password/[^\s]+")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Console:
    """What the served app printed, read as it grows."""

    def __init__(self, path: Path):
        self.path = path

    def text(self) -> str:
        return self.path.read_text(errors="replace")

    def wait_for(self, pattern: re.Pattern, *, after: int = 0, timeout: float = 20.0) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = pattern.search(self.text(), after)
            if found:
                return found
            time.sleep(0.2)
        pytest.fail(f"the console never printed {pattern.pattern!r}; it printed:\n{self.text()[-3000:]}",
                    pytrace=False)


@pytest.fixture
def served(tmp_path):
    """``permanence run`` on a free port, in its own process, on a new SQLite database: (base URL,
    console). The environment is a new machine's: no BASE_URL, no REDIS_URL, no MAIL_SERVER."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"BASE_URL", "REDIS_URL", "MAIL_SERVER", "DATABASE_URL", "TEST_DATABASE_URL",
                          "TEST_REDIS_URL", "SCHEDULE_IN_PROCESS"}}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'permanence.sqlite'}", SECRET_KEY="first-day-test-key",
               JINJA_STRICT_UNDEFINED="1", PYTHONUNBUFFERED="1")
    permanence = str(BIN / "permanence")
    subprocess.run([permanence, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    subprocess.run([permanence, "users", "create-platform-admin", ADMIN_EMAIL, "Central Admin",
                    "--password", ADMIN_PASSWORD], env=env, check=True, capture_output=True, timeout=60)
    port = _free_port()
    log = tmp_path / "console.txt"
    with log.open("wb") as out:
        server = subprocess.Popen([permanence, "run", "--host", "127.0.0.1", "--port", str(port)],
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the app did not start:\n{log.read_text(errors='replace')}", pytrace=False)
                time.sleep(0.2)
        yield base, Console(log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


def test_a_council_is_live_the_day_it_is_onboarded(browser, served, tmp_path):
    base, console = served
    context = browser.new_context(base_url=base, locale="en-GB", timezone_id="Europe/London",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        _first_day(page, base, console, tmp_path)
    finally:
        (REPO / "test-results").mkdir(exist_ok=True)
        page.screenshot(path=str(REPO / "test-results" / "first_day.png"), full_page=True)
        context.close()


def _sign_in(page, email, password):
    page.context.clear_cookies()
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _first_day(page, base, console, tmp_path):
    assert "E-mails are printed to this console (MAIL_SERVER is not set)" in console.text()
    assert "periodic jobs run in this process" in console.text()

    # The central administrator onboards North Shire from its terms of reference.
    _sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto("/admin/tenants/new-from-terms-of-reference")
    page.get_by_label("Web address").fill("north-shire")
    page.get_by_label("Upload tor.yaml").set_input_files(str(NORTH_SHIRE))
    page.get_by_role("button", name="Check and store as a proposal").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Version 1 of the terms of reference")
    page.get_by_role("button", name="Activate and open North Shire Council (synthetic)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("North Shire Council (synthetic)")
    expect(page.locator(".govuk-summary-list__row", has_text="Status")).to_contain_text("Active")

    # ... and invites its first administrator, who is offered the roles for running the panel.
    page.get_by_label("Email address").fill("nina.admin@north-shire.example.org")
    page.get_by_label("Full name").fill("Nina Admin")
    page.get_by_label("Panel administrator").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("An invitation is on its way to nina.admin@north-shire.example.org")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # The invitation is printed on the console, and its link is to the address the app is served at.
    link = console.wait_for(LINK).group(0)
    assert link.startswith(base + "/account/set-password/"), link
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm the password").fill(NEW_PASSWORD)
    page.get_by_role("button", name=re.compile("Set (my )?password")).click()
    page.wait_for_load_state()

    _sign_in(page, "nina.admin@north-shire.example.org", NEW_PASSWORD)
    # Her home page: the council's set-up checklist, the terms of reference in force and her sign-in done.
    assert page.get_by_role("heading", name="Setting the council up").is_visible()
    assert "2 of 7 steps done" in page.content()

    # People from a CSV file: each gets an invitation on the console.
    people = tmp_path / "people.csv"
    people.write_text("name,email,team,roles\n"
                      "Sam Social,sam.social@north-shire.example.org,Permanence team,social_worker\n"
                      "Tess Manager,tess.manager@north-shire.example.org,Permanence team,team_manager\n")
    seen = len(console.text())
    page.goto("/north-shire/admin/users")
    page.get_by_role("link", name="Import users from a CSV file").click()
    page.get_by_label("CSV file").set_input_files(str(people))
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_load_state()
    users = page.locator("main").inner_text()
    assert "Sam Social" in users and "Tess Manager" in users, users
    invited = console.wait_for(re.compile(r"e-mail to sam\.social@north-shire\.example\.org"), after=seen)
    assert invited

    # The council's sittings and their deadlines, with no command typed: activation generated them.
    page.get_by_role("link", name="Meetings", exact=True).first.click()
    page.wait_for_load_state()
    assert "No meetings are scheduled yet" not in page.content()
    assert page.locator(".govuk-summary-card").count() > 0, "no sittings on the Meetings page"
    assert page.locator("[data-deadline]").count() > 0, "sittings without their deadlines"
