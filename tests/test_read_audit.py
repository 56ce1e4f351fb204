"""Every response that shows a child's identifying data records one read naming them.

The demo is walked as every role of two councils (``walk_support``: every link from the home page,
then every GET route of the URL map with the council's ids). After each response the test finds the
children it shows by their case numbers (references included) and full names, in the page or the
JSON, and asserts that the response recorded exactly one ``read`` event, by the signed-in user,
naming at least those children; a response that is not a 2xx records none. A page that shows a
child without noting the read (``audit.note_read``, or an ORM load of the child) fails here."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from permanence.accounts.models import User
from permanence.accounts.roles import ROLES
from permanence.audit.models import AuditEvent
from permanence.cases.models import Child
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.minutes.services import assemble
from permanence.panels.models import AgendaItem, Minutes
from walk_support import EXPENSIVE, QUERY, TRIES, URL_MAP_SKIP, Walk, load

COUNCILS = ["waltham-forest", "permanence-panel-pptm"]
USERS = [(slug, role) for slug in COUNCILS for role in ROLES]
# The audit log names records by their labels ("Child DEMO-0001"): the log's own subject, which only
# the tenant administrator reads (its export is an audited event of its own).
NOT_A_READ = {"audit.log", "audit.export"}
# A PDF's text is compressed: the children it shows are the agenda item's of its address.
PDF_ITEM = re.compile(r"/agenda-items/(\d+)/decision-record\.pdf$")


@pytest.fixture(autouse=True)
def _clean_database():
    """Overrides conftest's: the demo is loaded once for this module and emptied after its last walk."""
    yield


@pytest.fixture(scope="module")
def demo(app, empty_database):
    with pytest.MonkeyPatch.context() as patch:
        try:
            loaded = load(app, hasher_patch=patch.setattr)
            _assemble_minutes(app, loaded)
            yield loaded
        finally:
            empty_database()


def _assemble_minutes(app, demo) -> None:
    """The demo's draft minutes are a placeholder; assembled from the record they name the children,
    as a council's do, so the minutes pages and API are checked with children in them."""
    for slug in COUNCILS:
        council = demo.councils[slug]
        with app.app_context(), tenant_context(council.tenant_id):
            admin = db.session.execute(select(User).where(
                User.email == demo.people[(slug, "panel_administrator")].email)).scalar_one()
            for minutes in db.session.execute(select(Minutes)).scalars().all():
                assemble(minutes.meeting, admin)
            commit()


class Directory:
    """A council's children as a page names them: case number or full name -> child id."""

    def __init__(self, children):
        self.by_text = {}
        for child_id, case_number, first, last in children:
            self.by_text[case_number] = child_id
            self.by_text[f"{first} {last}"] = child_id
        names = sorted(self.by_text, key=len, reverse=True)
        self.pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")

    def shown(self, text: str) -> set[int]:
        return {self.by_text[m] for m in self.pattern.findall(text)}


def _text(response) -> str | None:
    if response.mimetype == "application/json":
        return json.dumps(response.get_json(silent=True), ensure_ascii=False)
    if response.mimetype.startswith("text/"):
        return html.unescape(response.get_data(as_text=True))
    return None


def _named(event: AuditEvent) -> set[int]:
    ids = set((event.changes or {}).get("ids", {}).get("Child", []))
    if event.entity_type == "Child" and event.entity_id:
        ids.add(int(event.entity_id))
    return ids


class AuditedWalk(Walk):
    """A walk that checks each response's read event (``problems``: one line each)."""

    def __init__(self, client, person, shared, *, app, tenant_id, user_id, directory):
        super().__init__(client, person, shared)
        self.app, self.tenant_id, self.user_id, self.directory = app, tenant_id, user_id, directory
        self.problems: list[str] = []
        self.checked: Counter = Counter()  # endpoint -> responses that showed children

    def _db(self, fn):
        with self.app.app_context(), tenant_context(self.tenant_id):
            try:
                return fn()
            finally:
                db.session.remove()

    def request(self, url: str, *, headers=None):
        last = self._db(lambda: db.session.execute(select(func.max(AuditEvent.id))).scalar() or 0)
        response = super().request(url, headers=headers)
        if response is None:
            return None
        endpoint = self._endpoint(url)
        reads = self._db(lambda: db.session.execute(
            select(AuditEvent).where(AuditEvent.id > last, AuditEvent.action == "read")).scalars().all())
        if not 200 <= response.status_code < 300:
            if reads:
                self.problems.append(f"GET {url} answered {response.status_code} and recorded a read")
            return response
        if endpoint in NOT_A_READ:
            return response
        shown = self._shown(url, response)
        if not shown:
            return response
        self.checked[endpoint] += 1
        if len(reads) != 1:
            self.problems.append(f"GET {url} ({endpoint}) shows children {sorted(shown)} "
                                 f"and recorded {len(reads)} read events")
            return response
        event = reads[0]
        missing = shown - _named(event)
        if event.actor_id != self.user_id:
            self.problems.append(f"GET {url} ({endpoint}): the read is by {event.actor_label}")
        if missing:
            self.problems.append(f"GET {url} ({endpoint}) shows children {sorted(missing)} its read does not name")
        return response

    def _shown(self, url: str, response) -> set[int]:
        item = PDF_ITEM.search(urlsplit(url).path)
        if item is not None and response.mimetype == "application/pdf":
            return self._db(lambda: {c.id for c in db.session.get(AgendaItem, int(item.group(1))).children})
        text = _text(response)
        return self.directory.shown(text) if text else set()


    def sweep(self, app, council) -> None:
        """Each GET route of the council not yet seen showing a child, with up to ``TRIES`` of its ids
        until one shows a child (the walk stops at the first answer, often an empty agenda)."""
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint in URL_MAP_SKIP | NOT_A_READ \
                    or rule.endpoint in self.checked or "tenant_slug" not in rule.arguments \
                    or self._refused_at_the_door(app, rule):
                continue
            for values in self._values(rule, council)[:TRIES]:
                url = rule.build(values, append_unknown=False)[1]
                if rule.endpoint in QUERY and council.ids.get("paper_child_id"):
                    url += "?" + urlencode(QUERY[rule.endpoint](council.ids))
                if EXPENSIVE.search(url) and not self._afford(url):
                    break
                api = "/api/" in url and self.person.api_secret
                self.request(url, headers={"Authorization": f"Bearer {self.person.api_secret}"} if api else None)
                if rule.endpoint in self.checked:
                    break


def _council(app, demo, slug):
    council = demo.councils[slug]
    with app.app_context(), tenant_context(council.tenant_id):
        children = db.session.execute(
            select(Child.id, Child.case_number, Child.first_name, Child.last_name)).all()
        users = dict(db.session.execute(select(User.email, User.id)).all())
        db.session.remove()
    return council, Directory(children), users


@pytest.fixture(scope="module")
def shared():
    return Counter()


@pytest.fixture(scope="module")
def covered():
    """Endpoints whose responses showed children and were checked, across the module's walks."""
    return Counter()


@pytest.mark.parametrize("key", USERS, ids=[f"{slug}-{role}" for slug, role in USERS])
def test_every_response_showing_a_child_records_one_read_naming_them(app, demo, shared, covered, key):
    person = demo.people[key]
    council, directory, users = _council(app, demo, key[0])
    w = AuditedWalk(app.test_client(), person, shared, app=app, tenant_id=council.tenant_id,
                    user_id=users[person.email], directory=directory)
    assert w.sign_in(demo.password)
    w.follow_links("/")
    w.url_map(app, council)
    if key[1] == "panel_administrator":  # sees every child of the council
        w.sweep(app, council)
    covered.update(w.checked)
    problems = w.problems + w.defects
    if problems:
        pytest.fail(f"{person.email}: {len(problems)} problems:\n" + "\n".join(problems), pytrace=False)


def test_the_walk_checked_every_kind_of_page_that_shows_a_child(covered):
    """The walks above met each page and API call the attacker's probe named, so none went unchecked."""
    expected = {
        "cases.children", "cases.child", "children_api.ChildListView", "children_api.ChildView",
        "tracker.tracker", "tracker.mine", "tracker_api.TrackerView", "tracker.drift_list", "tracker.drift",
        "referrals.index", "referrals.show", "referrals.meeting", "referrals_api.ReferralsView",
        "referrals_api.ReferralView", "referrals_api.ProposalsView",
        "agenda.agenda", "agenda.item", "agenda.papers_pack", "agenda_api.AgendaView",
        "meetings.meeting_record", "meetings.item_record", "meetings.sign_off", "meetings_api.NextAgendaView",
        "minutes.show", "minutes.decision", "minutes.decision_pdf", "minutes_api.DecisionRecordView",
        "minutes_api.MinutesView",
        "actions.mine", "actions.council", "actions.add",
        "tracking_meetings.upcoming", "tracking_meetings.meeting", "reminders_api.TrackingMeetingsView",
        "reminders_api.TrackingMeetingView", "reminders_api.DueRemindersView",
        "calendar_feed.ics", "imports.run", "imports.errors_csv", "exports.tracker_csv", "web.home",
    }
    if not covered:
        pytest.skip("run with the walks above")
    assert expected <= set(covered), f"not met: {sorted(expected - set(covered))}; met: {sorted(covered)}"
