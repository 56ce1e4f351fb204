"""Each role's home page says what to do next: the demo's due work for that role, soonest first, each
line a link that opens where the work is done (and the member may open it).

The demo is loaded once for the module (as ``permanence demo load`` makes it, fewer children); two
councils of different shapes are walked: Waltham Forest (a tracking meeting) and Redbridge (a
tracking panel with escalation ladders). Crafted checks below pin the rules the lines follow.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher, profiles
from sqlalchemy import select

from factories import PASSWORD

from permanence.accounts import services as accounts
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.demo.services import DEMO_PASSWORD, demo_email, load_demo
from permanence.extensions import db
from permanence.panels.models import Action, ActionStatus
from permanence.tenancy.services import get_tenant

COUNCILS = ("waltham-forest", "redbridge")
# The kinds of line each demo role must find on its home page (the demo's story gives each one).
EXPECTED = {
    "social_worker": {"Action", "Meeting"},
    "team_manager": {"Action"},
    "chair": {"Minutes", "Declaration", "Papers"},
    "vice_chair": {"Minutes", "Declaration"},
    "panel_administrator": {"Minutes"},
    "panel_member": {"Papers"},
    "iro": {"Drift"},
    "senior_manager": set(),  # "Drift" or "Escalation": checked below
    "tenant_admin": {"Users"},
}
ROW = re.compile(r'<tr class="govuk-table__row">\s*<td class="govuk-table__cell">(?P<when>.*?)</td>\s*'
                 r'<td class="govuk-table__cell"><a class="govuk-link" href="(?P<href>[^"]+)">(?P<what>.*?)</a>'
                 r'.*?</td>\s*<td class="govuk-table__cell">(?P<kind>[^<]*)</td>', re.S)


@pytest.fixture(autouse=True)
def _clean_database():
    """Overrides conftest's: the demo is loaded once for the module and emptied after its last test."""
    yield


@pytest.fixture(scope="module")
def demo(app, empty_database):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
        try:
            with app.app_context():
                load_demo(children_per_tenant=16)
                commit()
            yield
        finally:
            empty_database()


def _signed_in(app, email):
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"{email} could not sign in"
    return client


def _work_list(html: str) -> list[dict]:
    section = html.split('id="work"', 1)[1].split("<h2", 1)[0]
    lines = [m.groupdict() for m in ROW.finditer(section)]
    for line in lines:  # an abbreviation's first use is wrapped in <abbr>: read the words
        line["what"] = re.sub(r"<[^>]+>", "", line["what"])
    return lines


@pytest.mark.parametrize("slug", COUNCILS)
@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_demo_role_sees_its_due_work_and_every_line_opens(app, demo, slug, role):
    client = _signed_in(app, demo_email(role, slug))
    page = client.get(f"/{slug}/")
    assert page.status_code == 200
    lines = _work_list(page.get_data(as_text=True))
    kinds = {line["kind"] for line in lines}
    assert lines, f"{role} of {slug} has nothing to do on the home page"
    assert EXPECTED[role] <= kinds, f"{role} of {slug}: expected {EXPECTED[role]}, found {kinds}"
    if role == "senior_manager":
        assert kinds & {"Drift", "Escalation"}
    for line in lines:
        path = urlsplit(line["href"].replace("&amp;", "&"))
        opened = client.get(path.path, query_string=path.query)
        assert opened.status_code == 200, f"{role} of {slug}: '{line['what']}' links to {line['href']}, " \
                                          f"which answers {opened.status_code}"


def test_lines_are_soonest_first_and_overdue_is_said(app, demo):
    client = _signed_in(app, demo_email("social_worker", "redbridge"))
    lines = _work_list(client.get("/redbridge/").get_data(as_text=True))
    overdue = [n for n, line in enumerate(lines) if "Overdue" in line["when"]]
    assert overdue and overdue == list(range(len(overdue))), "overdue lines come first"
    assert "Send the updated care plan to the IRO" in lines[0]["what"]


def test_an_action_done_leaves_the_list(app, demo):
    """The list is the work as it stands: the social worker's overdue action, once done, is gone."""
    with app.app_context():
        tenant = get_tenant("redbridge")
        worker = accounts.find_user(demo_email("social_worker", "redbridge"))
    client = _signed_in(app, worker.email)
    before = [line["what"] for line in _work_list(client.get("/redbridge/").get_data(as_text=True))]
    with app.app_context(), tenant_context(tenant.id):
        overdue = db.session.execute(select(Action).where(
            Action.owner_id == worker.id, Action.status == ActionStatus.OPEN,
            Action.due_on < date.today())).scalars().all()
        assert overdue
        for action in overdue:
            action.status, action.completed_on = ActionStatus.DONE, date.today()
        db.session.commit()
    after = [line["what"] for line in _work_list(client.get("/redbridge/").get_data(as_text=True))]
    assert "Send the updated care plan to the IRO" in before
    assert "Send the updated care plan to the IRO" not in after


def test_my_children_are_apart_from_the_children_i_can_see(app, demo):
    client = _signed_in(app, demo_email("iro", "redbridge"))
    html = client.get("/redbridge/").get_data(as_text=True)
    found = re.search(r"Your children \((\d+)\)", html)
    assert found, "the IRO's home page names their own children"
    also = re.search(r"You can see (\d+) children in all", html)
    assert also is None or int(also.group(1)) > int(found.group(1))


def test_the_panel_administrator_sees_the_coming_sittings_with_their_counts(app, demo):
    client = _signed_in(app, demo_email("panel_administrator", "redbridge"))
    html = client.get("/redbridge/").get_data(as_text=True)
    table = html.split('id="sittings-table"', 1)[1].split("</table>", 1)[0]
    assert "Permanence Tracking Panel" in table
    assert re.search(r"Published|Not published", table)
    rows = re.findall(r"govuk-table__cell--numeric\">(\d+)<", table)
    assert rows and len(rows) % 3 == 0  # booked, waiting to be booked, papers missing for each sitting


def test_a_council_administrator_is_asked_to_confirm_a_role_nobody_may_grant_themselves(app, demo):
    client = _signed_in(app, demo_email("tenant_admin", "waltham-forest"))
    lines = _work_list(client.get("/waltham-forest/").get_data(as_text=True))
    assert any("Confirm or refuse the roles asked for Nia Newstart (demo)" in line["what"] for line in lines)


def test_nothing_due_says_so(app, demo, make_user):
    with app.app_context():
        tenant = get_tenant("knowsley")
    make_user(tenant, ["panel_member"], email="quiet.member@example.org")
    client = app.test_client()
    assert client.post("/sign-in", data={"email": "quiet.member@example.org", "password": PASSWORD}).status_code == 302
    html = client.get("/knowsley/").get_data(as_text=True)
    assert "Nothing is waiting for you" in html


def test_the_demo_load_prints_a_summary_not_its_e_mails(app, demo):
    """`permanence demo load` run again (it is idempotent) prints the users and a line per council."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "--- e-mail to" not in result.output
    assert "What each demo council holds now:" in result.output
    assert re.search(r"London Borough of Redbridge Children's Trust: \d+ children; \d+ sittings? in the next "
                     r"four weeks", result.output)
    assert len(result.output.splitlines()) < 70
