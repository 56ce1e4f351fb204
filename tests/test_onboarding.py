"""A new council's onboarding checklist, driven through the pages as the central administrator and
the council's first administrator would: every step starts not done and becomes done as its work
is done, on both people's pages; every link in the checklist opens for the person shown it; the
central administrator's invitation offers the roles the terms of reference name for running the
panel, so the first administrator sees Meetings and Children without giving themselves anything."""

from __future__ import annotations

import io
import re
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import select

from text_support import plain
from permanence.accounts.models import GrantStatus, Membership, RoleGrant, User
from permanence.audit.models import AuditEvent
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.notifications.models import EmailMessage
from permanence.tenancy.models import Tenant

REPO = Path(__file__).resolve().parents[1]
NORTH_SHIRE = (REPO / "tests" / "data" / "tor" / "north-shire" / "tor.yaml").read_text()
PASSWORD = "correct horse battery staple"  # factories' password for made users
NEW_PASSWORD = "plum orchard lantern seventeen"
TODAY = date(2026, 12, 1)  # a Tuesday; North Shire's panel sits on Thursday 10 December

STEPS = ["tor", "admin", "teams", "seats", "users", "children", "agenda"]

# One child under two, looked after since July 2025: the panel's early permanence part proposes them.
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nNS1,F,01/06/2025,WBRI,,,\n"
EPISODES = ("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
            "NS1,01/07/2025,S,C2,N1,U1,PR1,,,,,,\n")
REVIEWS = "CHILD,DOB,REVIEW,REVIEW_CODE\n"


def sign_in(client, email, password):
    client.post("/sign-out")
    return client.post("/sign-in", data={"email": email, "password": password}, follow_redirects=True)


def checklist(html: str, list_id: str = "onboarding") -> dict[str, dict]:
    """The task list as the page shows it: for each step, done or not, its words and its link."""
    block = re.search(rf'<ul class="govuk-task-list" id="{list_id}">(.*?)</ul>', html, re.S)
    assert block, "no checklist on the page"
    steps = {}
    for item in re.finditer(r'<li class="govuk-task-list__item[^"]*" data-step="(\w+)" data-done="(yes|no)">(.*?)</li>',
                            block.group(1), re.S):
        key, done, body = item.groups()
        href = re.search(r'href="([^"]+)"', body)
        status = re.search(r'govuk-task-list__status"[^>]*>(.*?)</div>', body, re.S).group(1)
        steps[key] = {"done": done == "yes", "text": unescape(" ".join(re.sub(r"<[^>]+>", " ", plain(body)).split())),
                      "href": href.group(1).replace("&amp;", "&") if href else None,
                      "status": " ".join(re.sub(r"<[^>]+>", " ", plain(status)).split())}
    assert list(steps) == STEPS
    # What the reader sees matches the marker the test reads.
    assert all((s["status"] == "Completed") == s["done"] for s in steps.values())
    return steps


def done(steps) -> list[str]:
    return [key for key, step in steps.items() if step["done"]]


def links_open(client, steps) -> None:
    for key, step in steps.items():
        if step["href"]:
            response = client.get(step["href"])
            assert response.status_code == 200, (key, step["href"], response.status_code)


def emails_to(app, tenant_id, address):
    with app.app_context(), tenant_context(tenant_id):
        return [(m.subject, m.body) for m in db.session.execute(
            select(EmailMessage).where(EmailMessage.to_address == address).order_by(EmailMessage.id)).scalars()]


def set_password_from_invitation(app, client, tenant_id, address):
    subject, body = next(m for m in emails_to(app, tenant_id, address) if m[0].startswith("You have been invited"))
    path = re.search(r"(/account/set-password/\S+)", body).group(1)
    client.post("/sign-out")
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "Your password is set" in response.text


def nav(html: str) -> list[str]:
    block = re.search(r'<nav class="app-navigation".*?</nav>', html, re.S).group(0)
    return [" ".join(re.sub(r"<[^>]+>", " ", plain(a)).split()) for a in re.findall(r"<a [^>]*>(.*?)</a>", block, re.S)]


@pytest.fixture
def central(make_user, travel):
    travel(TODAY)
    return make_user(None, (), platform_admin=True, email="central@example.org", name="Cee Central")


def onboard(client, central):
    """The central administrator signs in, lands on the councils and creates North Shire from its file."""
    landing = sign_in(client, central.email, PASSWORD)
    assert landing.request.path == "/admin/tenants" and "<h1 class=\"govuk-heading-l\">Councils</h1>" in landing.text
    created = client.post("/admin/tenants/new-from-terms-of-reference",
                          data={"slug": "north-shire", "tor_file": (io.BytesIO(NORTH_SHIRE.encode()), "tor.yaml")},
                          content_type="multipart/form-data")
    assert created.status_code == 302
    return created.headers["Location"]


def tenant_id_of(app, slug="north-shire"):
    with app.app_context():
        return db.session.execute(select(Tenant.id).where(Tenant.slug == slug)).scalar_one()


def setup_cell(client):
    """What the councils list says of North Shire's set-up."""
    page = client.get("/admin/tenants").text
    return re.search(r'data-setup="north-shire">([^<]*)<', page).group(1)


def test_each_step_is_done_as_its_work_is_done_on_both_checklists(app, client, central, work_jobs):
    preview = onboard(client, central)
    tenant_id = tenant_id_of(app)
    council_page = f"/admin/tenants/{tenant_id}"

    # A new council: nothing done, on the list and on its page.
    assert setup_cell(client) == "0 of 7 steps done"
    steps = checklist(client.get(council_page).text)
    assert done(steps) == []
    assert steps["tor"]["text"].startswith("Put the terms of reference in force Version 1 is loaded and waiting")
    assert steps["tor"]["href"] == preview  # where the central administrator checks and activates it
    assert steps["admin"]["href"] == f"{council_page}#invite"
    # What only the council can do shows who does it, and no link the central administrator cannot open.
    for key in ("teams", "seats", "users", "children", "agenda"):
        assert steps[key]["href"] is None and "Done by the council" in steps[key]["text"], key
    links_open(client, steps)

    # The terms of reference go into force.
    activate = re.search(r'action="([^"]+/activate)"', client.get(preview).text).group(1)
    assert client.post(activate).status_code == 302
    steps = checklist(client.get(council_page).text)
    assert done(steps) == ["tor"] and "Version 1 in force since 1 December 2026" in steps["tor"]["text"]
    assert setup_cell(client) == "1 of 7 steps done"
    links_open(client, steps)

    # The first administrator is invited with the panel administrator's role, and signs in.
    invited = client.post(council_page, data={"email": "nina@north-shire.example.org", "name": "Nina Admin",
                                              "roles": ["panel_administrator"]}, follow_redirects=True)
    assert "An invitation is on its way to nina@north-shire.example.org" in invited.text
    steps = checklist(invited.text)
    assert not steps["admin"]["done"] and "Nina Admin invited, not signed in yet" in steps["admin"]["text"]
    work_jobs()
    set_password_from_invitation(app, client, tenant_id, "nina@north-shire.example.org")
    home = sign_in(client, "nina@north-shire.example.org", NEW_PASSWORD)
    assert home.request.path == "/north-shire/"
    steps = checklist(home.text)
    assert done(steps) == ["tor", "admin"] and "2 of 7 steps done" in home.text
    assert "Nina Admin signed in on 1 December 2026" in steps["admin"]["text"]
    assert steps["teams"]["href"] == "/north-shire/admin/teams"
    assert steps["children"]["href"] == "/north-shire/imports/"
    assert steps["seats"]["href"] == "/north-shire/panels/pop/members"
    # Activating the terms of reference generated the sittings at once: the step is the first one's agenda.
    assert steps["agenda"]["href"] == "/north-shire/meetings/1/agenda"
    assert "Permanence Oversight Panel, 10 December 2026: 0 items booked, agenda not published yet" \
        in steps["agenda"]["text"]
    links_open(client, steps)

    # A team.
    added = client.post("/north-shire/admin/teams", data={"name": "Children in Care 1"}, follow_redirects=True)
    assert "Children in Care 1 is added" in added.text
    assert client.post("/north-shire/admin/teams", data={"name": "children in care 1"}).status_code == 200
    steps = checklist(client.get("/north-shire/").text)
    assert done(steps) == ["tor", "admin", "teams"] and "1 team: Children in Care 1" in steps["teams"]["text"]

    # A user: the IRO manager, whose role waits for a second administrator; having access is enough.
    client.post("/north-shire/admin/users/new", data={"email": "ivor@north-shire.example.org", "name": "Ivor Iro",
                                                      "team": "0", "roles": ["iro"]})
    steps = checklist(client.get("/north-shire/").text)
    assert done(steps) == ["tor", "admin", "teams", "users"]
    assert "2 people have access: 1 signed in, 1 not yet" in steps["users"]["text"]

    # The seats the ToR requires: the chair (Nina) and the IRO manager (Ivor); the solicitor's is optional.
    with app.app_context():
        ids = dict(db.session.execute(select(User.email, User.id)).all())
    assert "0 of 3 seats filled, 2 required seats vacant" in steps["seats"]["text"]
    client.post("/north-shire/panels/pop/members", data={"user_id": ids["nina@north-shire.example.org"], "seat": "0",
                                                         "active": "y"})
    steps = checklist(client.get("/north-shire/").text)
    assert not steps["seats"]["done"] and "1 of 3 seats filled, 1 required seat vacant" in steps["seats"]["text"]
    client.post("/north-shire/panels/pop/members", data={"user_id": ids["ivor@north-shire.example.org"], "seat": "1",
                                                         "active": "y"})
    steps = checklist(client.get("/north-shire/").text)
    assert done(steps) == ["tor", "admin", "teams", "seats", "users"]
    assert "Permanence Oversight Panel: 2 of 3 seats filled" in steps["seats"]["text"]

    # A child, from the council's SSDA903 extract.
    response = client.post("/north-shire/imports/ssda903", data={
        "header": (io.BytesIO(HEADER.encode()), "header.csv"), "episodes": (io.BytesIO(EPISODES.encode()),
                                                                            "episodes.csv"),
        "reviews": (io.BytesIO(REVIEWS.encode()), "reviews.csv"), "ssda903_mode": "all_or_nothing"},
        content_type="multipart/form-data")
    assert response.status_code == 302
    work_jobs()
    steps = checklist(client.get("/north-shire/").text)
    assert done(steps) == ["tor", "admin", "teams", "seats", "users", "children"]
    assert "1 child on the platform" in steps["children"]["text"]

    # The first sitting's agenda: the child is proposed, booked and the agenda published.
    steps = checklist(client.get("/north-shire/").text)
    assert "Permanence Oversight Panel, 10 December 2026: 0 items booked, agenda not published yet" \
        in steps["agenda"]["text"]
    agenda = steps["agenda"]["href"]
    meeting_id = int(re.search(r"/meetings/(\d+)/agenda", agenda).group(1))
    links_open(client, steps)
    client.post(f"/north-shire/meetings/{meeting_id}/referrals")
    proposals = client.get(f"/north-shire/meetings/{meeting_id}/referrals").text
    item_id = re.search(r'action="/north-shire/referrals/(\d+)/book"', proposals).group(1)
    assert client.post(f"/north-shire/referrals/{item_id}/book").status_code == 302
    steps = checklist(client.get("/north-shire/").text)
    assert not steps["agenda"]["done"] and "1 item booked, agenda not published yet" in steps["agenda"]["text"]
    assert client.post(f"/north-shire/meetings/{meeting_id}/agenda/publish").status_code == 302

    # Every step done: the council's home folds the list away; the central administrator sees it too.
    home = client.get("/north-shire/").text
    assert '<span class="govuk-details__summary-text">Set-up complete</span>' in home
    assert "Setting the council up" not in home
    assert done(checklist(home)) == STEPS
    sign_in(client, central.email, PASSWORD)
    assert setup_cell(client) == "Set-up complete"
    steps = checklist(client.get(council_page).text)
    assert done(steps) == STEPS
    assert "1 child on the platform" in steps["children"]["text"]
    links_open(client, steps)


def test_the_invitation_offers_the_tors_roles_for_running_the_panel(app, client, central, work_jobs):
    preview = onboard(client, central)
    tenant_id = tenant_id_of(app)
    client.post(re.search(r'action="([^"]+/activate)"', client.get(preview).text).group(1))
    page = client.get(f"/admin/tenants/{tenant_id}").text
    offered = dict(re.findall(r'<input class="govuk-checkboxes__input" id="roles-\d+" name="roles" type="checkbox" '
                              r'value="(\w+)">\s*<label[^>]*>([^<]*)</label>', unescape(page)))
    assert offered == {
        "panel_administrator": "Panel administrator: keeps the panel's bookings, agendas, papers and minutes",
        "senior_manager": "Senior manager: Head of Children in Care chairs the Permanence Oversight Panel",
    }
    # Only the roles on offer: a role the ToR does not name for running the panel is refused.
    refused = client.post(f"/admin/tenants/{tenant_id}", data={"email": "nina@north-shire.example.org",
                                                               "name": "Nina Admin", "roles": ["social_worker"]})
    assert refused.status_code == 200
    assert "Choose only roles the terms of reference name for running the panel" in refused.text
    with app.app_context():
        assert db.session.execute(select(User).where(User.email == "nina@north-shire.example.org")).first() is None

    response = client.post(f"/admin/tenants/{tenant_id}", data={
        "email": "nina@north-shire.example.org", "name": "Nina Admin",
        "roles": ["panel_administrator", "senior_manager"]}, follow_redirects=True)
    assert "Nina Admin also has these roles now: Panel administrator, Senior manager" in response.text
    with app.app_context(), tenant_context(tenant_id):
        grant = db.session.execute(select(RoleGrant)).scalar_one()
        assert (grant.status, sorted(grant.roles), grant.requested_by_id, grant.decided_by_id) == (
            GrantStatus.CONFIRMED, ["panel_administrator", "senior_manager"], central.id, central.id)
        assert db.session.execute(select(AuditEvent).where(AuditEvent.entity_type == "RoleGrant")).first()
        # The central administrator holds nothing here.
        assert db.session.execute(select(Membership).where(Membership.user_id == central.id)).first() is None
    work_jobs()
    told = emails_to(app, tenant_id, "nina@north-shire.example.org")
    assert any(subject.startswith("Roles given with your invitation") and "Panel administrator, Senior manager"
               in body for subject, body in told)

    # Nina signs in and sees Meetings and Children at once, having granted herself nothing.
    set_password_from_invitation(app, client, tenant_id, "nina@north-shire.example.org")
    home = sign_in(client, "nina@north-shire.example.org", NEW_PASSWORD)
    assert "Children" in nav(home.text) and "Meetings" in nav(home.text)
    assert client.get("/north-shire/meetings/").status_code == 200
    assert client.get("/north-shire/children/").status_code == 200
    with app.app_context(), tenant_context(tenant_id):
        assert not db.session.execute(select(RoleGrant).where(RoleGrant.requested_by_id != central.id)).first()

    # Once the council has an administrator, a second one's roles wait for them to confirm.
    sign_in(client, central.email, PASSWORD)
    response = client.post(f"/admin/tenants/{tenant_id}", data={
        "email": "otto@north-shire.example.org", "name": "Otto Other", "roles": ["panel_administrator"]},
        follow_redirects=True)
    assert "Panel administrator for Otto Other wait for an administrator of North Shire Council (synthetic) to " \
           "confirm them" in response.text
    with app.app_context(), tenant_context(tenant_id):
        otto = db.session.execute(select(Membership).join(User).where(
            User.email == "otto@north-shire.example.org")).scalar_one()
        assert otto.roles == {"tenant_admin"}
        pending = db.session.execute(select(RoleGrant).where(RoleGrant.membership_id == otto.id)).scalar_one()
        assert pending.status == GrantStatus.PENDING and pending.requested_by_id == central.id


def test_an_administrator_invited_with_no_roles_is_shown_who_does_the_rest(app, client, central, work_jobs):
    preview = onboard(client, central)
    tenant_id = tenant_id_of(app)
    client.post(re.search(r'action="([^"]+/activate)"', client.get(preview).text).group(1))
    client.post(f"/admin/tenants/{tenant_id}", data={"email": "nina@north-shire.example.org", "name": "Nina Admin"})
    work_jobs()
    set_password_from_invitation(app, client, tenant_id, "nina@north-shire.example.org")
    home = sign_in(client, "nina@north-shire.example.org", NEW_PASSWORD)
    assert "Meetings" not in nav(home.text) and "Children" not in nav(home.text)
    steps = checklist(home.text)
    # Links only to what she may open; the panel's steps say who does them.
    assert steps["teams"]["href"] and steps["users"]["href"]
    for key in ("seats", "children", "agenda"):
        assert steps[key]["href"] is None and "Done by the council's panel administrator" in steps[key]["text"], key
    links_open(client, steps)


def test_only_the_councils_administrators_see_the_checklist(app, client, tenant_a, make_user, login):
    login(make_user(tenant_a, ["social_worker"]))
    assert 'class="govuk-task-list"' not in client.get("/council-a/").text
    assert client.get("/council-a/admin/teams").status_code == 403
    login(make_user(tenant_a, ["tenant_admin"]))
    assert 'class="govuk-task-list"' in client.get("/council-a/").text
    assert client.get("/council-a/admin/teams").status_code == 200


def test_the_central_administrator_still_reaches_the_council_chooser_when_asked(client, central):
    sign_in(client, central.email, PASSWORD)
    assert client.get("/").headers["Location"].endswith("/admin/tenants")
    assert client.get("/tenants").headers["Location"].endswith("/admin/tenants")
    assert client.get("/tenants?stay=1").status_code == 200
