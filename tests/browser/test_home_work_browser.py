"""Each demo role's home page in Chromium, for two councils: it lists that role's due work from the
demo's story, soonest first, and each line's link opens a page that works for that person. Pages
pass axe-core at the widths ``accessibility_problems`` checks; screenshots of each home page at
desktop (1280 px) and tablet (768 px) widths are saved to ``test-results/`` for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

from permanence.accounts.roles import ROLES
from permanence.core.jobs import commit
from permanence.demo.services import DEMO_PASSWORD, PLATFORM_ADMIN_EMAIL, demo_email, load_demo

RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"
COUNCILS = ("redbridge", "waltham-forest")


def test_each_demo_role_of_two_councils_sees_what_to_do_next(app, browser, server_url, sign_in,
                                                            accessibility_problems):
    with app.app_context():
        load_demo(children_per_tenant=10)
        commit()
    RESULTS_DIR.mkdir(exist_ok=True)
    problems, empty, opened = [], [], 0
    for slug in COUNCILS:
        for role in ROLES:
            context = browser.new_context(base_url=server_url, locale="en-GB", timezone_id="Europe/London",
                                          viewport={"width": 1280, "height": 900})
            context.set_default_timeout(15_000)
            page = context.new_page()
            try:
                sign_in(page, demo_email(role, slug), DEMO_PASSWORD)
                page.goto(f"/{slug}/")
                rows = page.locator("#work-list tbody tr")
                if rows.count() == 0:
                    empty.append(f"{role} of {slug}")
                    continue
                first = rows.first.locator("a").first
                assert first.is_visible()
                for width in (1280, 768):
                    page.set_viewport_size({"width": width, "height": 900})
                    page.screenshot(path=str(RESULTS_DIR / f"home_{slug}_{role}_{width}.png"), full_page=True)
                problems.extend(f"[{role} of {slug} home] {line}" for line in accessibility_problems(page))
                hrefs = [a.get_attribute("href") for a in page.locator("#work-list tbody tr a").all()]
                for href in dict.fromkeys(hrefs):
                    response = page.goto(href)
                    opened += 1
                    if response.status >= 400:
                        problems.append(f"[{role} of {slug}] {href} answers {response.status}")
            finally:
                context.close()
    print(f"{opened} links from the home pages opened")
    assert not empty, "no work listed for: " + ", ".join(empty)
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


def test_the_central_administrator_lands_on_the_councils_with_their_activity_and_the_jobs(
        app, page, sign_in):
    with app.app_context():
        load_demo(children_per_tenant=1)
        commit()
    sign_in(page, PLATFORM_ADMIN_EMAIL, DEMO_PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == "Councils"
    assert "Scheduled jobs:" in page.locator("#job-health").inner_text()
    header = [h.inner_text() for h in page.locator("thead th").all()]
    assert {"Users", "Last sign-in", "Last change"} <= set(header)
    assert page.get_by_role("link", name="Knowsley").is_visible()
