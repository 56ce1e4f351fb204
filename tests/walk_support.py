"""The walk of what users reach: the demo loaded once, each demo user signed in through the form,
every same-site link followed breadth-first from the home page, then every GET route of the URL
map with ids from the demo. ``tests/test_walk.py`` runs it; the figures go in the test summary.

A walk fails on:
- a 5xx, or an exception (a template's undefined name is one: tests run Jinja strictly);
- a link on a page that answers 404 or 403 to the user who was shown it.
A route of the URL map that answers 403 or 404 to a role that may not use it is fine.

Bounds, so every CI run can afford it: pages whose paths differ only in numeric ids (or random
tokens) are visited at most ``PER_PATTERN`` times per user; expensive downloads (PDF, XLSX) once
per council in the whole walk; a URL-map route is tried with at most ``TRIES`` ids, and a route the
user's role is refused at the door (its declared permission) once in the whole walk, not per user,
and an API route once per council, by the first member permitted to use it.
"""

from __future__ import annotations

import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from argon2 import PasswordHasher, profiles
from werkzeug.exceptions import HTTPException
from sqlalchemy import select

from permanence.accounts import services as accounts
from permanence.accounts.models import Membership
from permanence.accounts.permissions import PLATFORM_ADMIN, PUBLIC, SIGNED_IN, declared_access
from permanence.accounts.roles import ROLES, permissions_for
from permanence.agenda.feed import new_feed_token
from permanence.cases.models import Child
from permanence.core.clock import london_today
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.demo.services import DEMO_TENANTS, PLATFORM_ADMIN_EMAIL, demo_email, load_demo
from permanence.documents.models import Document
from permanence.documents.services import attach
from permanence.exports.services import as_csv, tracker_rows
from permanence.extensions import db
from permanence.imports.models import ImportKind, ImportRun, ImportStatus, pack
from permanence.imports.services import start_tracker_upload
from permanence.panels.models import Action, AgendaItem, Declaration, ItemStatus, Meeting, PanelMember
from permanence.tenancy.services import get_tenant
from permanence.tor.services import current_tor, tracker_layout
from permanence.tor.versions import TorVersion
from permanence.tracker.models import Drift

PER_PATTERN = 2
TRIES = 6
SKIP = re.compile(r"^/sign-out$|^/static/")
EXPENSIVE = re.compile(r"\.(pdf|xlsx)$")
# Routes the walk does not request from the URL map: files, the OpenAPI document (generated per
# request; the API's own tests read it) and the sign-out.
URL_MAP_SKIP = {"static", "api-docs.openapi_json", "api-docs.openapi_redoc", "api-docs.openapi_swagger_ui",
                "accounts.sign_out"}
PAPER_TEXT = b"Fictional paper for the walking test.\n"

WALK_STATS = pytest.StashKey[dict]()


@dataclass
class Person:
    email: str
    role: str
    slug: str | None
    permissions: frozenset = frozenset()
    api_secret: str | None = None
    feed_token: str | None = None
    password_token: str | None = None


@dataclass
class Council:
    slug: str
    tenant_id: int
    ids: dict[str, list] = field(default_factory=dict)  # URL argument -> candidate values, best first


@dataclass
class Demo:
    password: str
    councils: dict[str, Council]
    people: dict[tuple[str | None, str], Person]


# --- loading ------------------------------------------------------------------------------------

def load(app, *, hasher_patch) -> Demo:
    """The demo (as ``permanence demo load`` makes it) and, in each council, what a first week of use
    adds and the demo lacks: a paper on a child and one on an agenda item, a tracker upload waiting
    for its mapping and an import with rows to correct; for each member an API token, a calendar
    feed and a set-password link.

    ``hasher_patch(obj, name, value)`` swaps in Argon2's cheapest parameters for the load and the
    walk: 92 hashes at production cost take half a minute and prove nothing here."""
    hasher_patch(accounts, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
    with app.app_context():
        credentials = load_demo()
        commit()
        councils, people = {}, {}
        admin = accounts.find_user(PLATFORM_ADMIN_EMAIL)
        people[(None, "platform_admin")] = Person(admin.email, "platform_admin", None,
                                                  password_token=accounts.password_link_token(admin))
        for slug in DEMO_TENANTS:
            tenant = get_tenant(slug)
            with tenant_context(tenant.id):
                _add_first_week(tenant.id, {role: accounts.find_user(demo_email(role, slug)) for role in ROLES})
                for role in ROLES:
                    user = accounts.find_user(demo_email(role, slug))
                    membership = db.session.execute(
                        select(Membership).where(Membership.user_id == user.id)).scalar_one()
                    _, secret = accounts.create_api_token(user, "walking test")
                    people[(slug, role)] = Person(user.email, role, slug, permissions_for({role}),
                                                  api_secret=secret,
                                                  feed_token=new_feed_token(membership),
                                                  password_token=accounts.password_link_token(user))
                councils[slug] = Council(slug, tenant.id, _candidates(tenant.id))
                commit()
    return Demo(credentials["password"], councils, people)


def _add_first_week(tenant_id: int, users: dict) -> None:
    sw, admin = users["social_worker"], users["panel_administrator"]
    children = db.session.execute(select(Child).where(Child.social_worker_id == sw.id).order_by(Child.id)).scalars()
    child = children.first()
    if child is not None:
        attach("child", child, paperwork_id="other", title="Walking test note", filename="note.txt",
               data=PAPER_TEXT, uploaded_by=sw)
    item = db.session.execute(select(AgendaItem).where(AgendaItem.status == ItemStatus.BOOKED)
                              .order_by(AgendaItem.id)).scalars().first()
    if item is not None:
        attach("agenda_item", item, paperwork_id="other", title="Walking test paper", filename="paper.txt",
               data=PAPER_TEXT, uploaded_by=sw)
    layout = tracker_layout(tenant_id)
    rows = tracker_rows(db.session.execute(select(Child).order_by(Child.id).limit(2)).scalars().all(), layout,
                        london_today())
    start_tracker_upload("tracker.csv", as_csv(layout, rows).encode(), all_or_nothing=True,
                         created_by_id=admin.id, layout=layout)
    blob, names = pack({"spreadsheet": ("tracker.csv", b"Case number\nDEMO-0001\nDEMO-0001\n")})
    db.session.add(ImportRun(kind=ImportKind.TRACKER, status=ImportStatus.DONE, uploads=blob, file_names=names,
                             created_by_id=admin.id,
                             errors=[{"file": "tracker.csv", "row": 3, "column": "A (Case number)",
                                      "reason": "case number DEMO-0001 is also on row 2"}],
                             result={"written": False, "created": 0, "updated": 0, "skipped": []}))
    db.session.flush()


_ITEM_ORDER = ["heard", "booked", "submitted", "draft", "late_pending", "awaiting_qa", "returned", "proposed",
               "deferred", "declined", "withdrawn", "dismissed"]


def _candidates(tenant_id: int) -> dict[str, list]:
    """For each id argument of the URL map, real rows of this council, the fullest first (a held
    meeting before an empty one), one per kind, so a route finds a row it can show."""

    def ids(query, limit=4):
        return list(dict.fromkeys(db.session.execute(query.limit(limit)).scalars()))

    items = db.session.execute(select(AgendaItem.id, AgendaItem.status, AgendaItem.meeting_id)
                               .order_by(AgendaItem.id)).all()
    by_status = {}
    for item_id, status, _ in items:
        by_status.setdefault(status.value, item_id)
    # Meetings: each body's fullest (heard items, then any items) before the rest, so a route for one
    # kind of meeting (a panel's minutes, a tracking meeting) finds one in its first tries.
    fullness = Counter()
    for _, status, meeting_id in items:
        fullness[meeting_id] += 100 if status == ItemStatus.HEARD else 1
    meetings = db.session.execute(select(Meeting.id, Meeting.body_id).order_by(Meeting.date, Meeting.id)).all()
    ranked = sorted(meetings, key=lambda m: -fullness[m.id])
    fullest_per_body = list({m.body_id: m.id for m in reversed(ranked)}.values())
    fullest_per_body.sort(key=lambda m: -fullness[m])
    tor = current_tor(tenant_id)
    watched = Child.social_worker_id.is_not(None) | Child.iro_id.is_not(None) | Child.team_manager_id.is_not(None)
    return {
        "child_id": list(dict.fromkeys(ids(select(Child.id).where(watched).order_by(Child.id), 3)
                                       + ids(select(Child.id).order_by(Child.id), 1))),
        "meeting_id": list(dict.fromkeys(fullest_per_body + [m.id for m in ranked[:4]]))[:10],
        "agenda_item_id": [by_status[s] for s in _ITEM_ORDER if s in by_status],
        "drift_id": ids(select(Drift.id).order_by(Drift.id), 2),
        "action_id": ids(select(Action.id).order_by(Action.id), 2),
        "import_run_id": ids(select(ImportRun.id).order_by(ImportRun.id), 2),
        "membership_id": ids(select(Membership.id).order_by(Membership.id), 2),
        "panel_member_id": ids(select(PanelMember.id).order_by(PanelMember.id), 1),
        "declaration_id": ids(select(Declaration.id).order_by(Declaration.id), 1),
        "tor_version_id": ids(select(TorVersion.id).where(TorVersion.tenant_id == tenant_id)
                              .order_by(TorVersion.id.desc()), 3),
        "tenant_id": [tenant_id],
        "body": [b.id for b in tor.bodies] if tor else [],
        "paper_token": list(db.session.execute(select(Document.token).order_by(Document.id)).scalars()),
        "paper_child_id": ids(select(Document.subject_id).where(Document.subject_type == "child"), 1),
    }


# --- walking ------------------------------------------------------------------------------------

class _Links(HTMLParser):
    """The page's links, and each GET form as the address a user gets by submitting it with what
    it offers: its defaults, the first choice of a radio group or a list with none chosen."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self._form = None  # (action, fields, radios) of the GET form being read
        self._select = None  # [name, chosen value, first non-empty value]
        self._option = None  # [value or None (use its text), selected, text]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
        elif tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        elif tag == "form" and (a.get("method") or "get").lower() == "get":
            self._form = (a.get("action") or "", [], {})
        elif self._form is None or not a.get("name") or "disabled" in a:
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self._form[1].append((a["name"], a.get("value", "on")))
                    self._form[2][a["name"]] = None
                elif kind == "radio":
                    self._form[2].setdefault(a["name"], a.get("value", "on"))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self._form[1].append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = [a["name"], None, None]
        elif tag == "textarea":
            self._form[1].append((a["name"], ""))

    def handle_data(self, data):
        if self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            value, selected, text = self._option
            value = text.strip() if value is None else value
            if selected and self._select[1] is None:
                self._select[1] = value
            if value and self._select[2] is None:
                self._select[2] = value
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, chosen, first = self._select
            self._form[1].append((name, chosen if chosen is not None else first or ""))
            self._select = None
        elif tag == "form" and self._form is not None:
            action, fields, radios = self._form
            fields += [(name, value) for name, value in radios.items() if value is not None]
            self.hrefs.append(action.split("?")[0] + "?" + urlencode(fields))
            self._form = None


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def pattern(url: str) -> str:
    """What a page is, not which row: numbers and random tokens become N and T, query values go."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$|\.)", "/N", parts.path)
    path = re.sub(r"/[A-Za-z0-9_-]{32,}(?=/|$|\.)", "/T", path)
    keys = ",".join(sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}))
    return f"{path}?{keys}" if keys else path


# Routes that read their subject from the query string, and where the demo has one.
QUERY = {
    "documents.upload": lambda ids: {"subject_type": "child", "subject_id": ids["paper_child_id"][0]},
    "papers_api.PaperListView": lambda ids: {"subject_type": "child", "subject_id": ids["paper_child_id"][0]},
}


@dataclass
class Walk:
    """One user's walk; ``defects`` says what a user would meet, one line each."""

    client: object
    person: Person
    shared: Counter  # the whole walk's: expensive downloads made, routes refused at the door, URL-map 404s
    pages: int = 0
    linked: int = 0  # of the pages, those reached by links and forms
    defects: list[str] = field(default_factory=list)
    seen: set = field(default_factory=set)
    reached: set = field(default_factory=set)  # endpoints that answered something other than 404

    def request(self, url: str, *, headers=None):
        self.pages += 1
        self.seen.add(url)
        try:
            response = self.client.get(url, headers=headers or {})
        except Exception as exc:  # noqa: BLE001 - every failure of a page is a finding, with its cause
            self.defects.append(f"GET {url}: {type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:300]}")
            return None
        if response.status_code != 404:
            self.reached.add(self._endpoint(url))
        if response.status_code == 200 and EXPENSIVE.search(urlsplit(url).path):
            self.shared[("expensive", pattern(url))] += 1
        return response

    def _endpoint(self, url: str) -> str | None:
        try:
            return self.client.application.url_map.bind("localhost").match(urlsplit(url).path, method="GET")[0]
        except HTTPException:
            return None

    def sign_in(self, password: str) -> bool:
        """Through the sign-in form, with the CSRF token it carries."""
        page = self.client.get("/sign-in")
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
        response = self.client.post("/sign-in", data={"email": self.person.email, "password": password,
                                                       "csrf_token": match.group(1) if match else ""}, csrf=False)
        if response.status_code != 302 or "/sign-in" in response.headers.get("Location", ""):
            self.defects.append(f"sign-in as {self.person.email} failed ({response.status_code})")
            return False
        return True

    def follow_links(self, start: str = "/") -> None:
        """Breadth-first over same-site links, GET only, each path pattern at most PER_PATTERN times."""
        per_pattern = Counter()
        queue = deque([(start, None)])
        queued = {start}
        while queue:
            url, shown_on = queue.popleft()
            key = pattern(url)
            if per_pattern[key] >= PER_PATTERN:
                continue
            if not self._afford(url):
                continue
            per_pattern[key] += 1
            self.linked += 1
            response = self.request(url)
            if response is None:
                continue
            status = response.status_code
            if status >= 500:
                self.defects.append(f"GET {url} answered {status}" + (f" (linked from {shown_on})" if shown_on else ""))
            elif status in (403, 404) and shown_on is not None:
                self.defects.append(f"{shown_on} links to {url}, which answers {status}")
            if status in (301, 302, 303, 307, 308):
                targets = [response.headers["Location"]]
            elif status == 200 and response.mimetype == "text/html":
                targets = links_of(response.text)
            else:
                continue
            for href in targets:
                full = urljoin("http://localhost" + url, href)
                parts = urlsplit(full)
                if parts.netloc != "localhost" or parts.scheme not in ("http", "https"):
                    continue
                local = parts.path + (f"?{parts.query}" if parts.query else "")
                if SKIP.search(parts.path) or local in queued:
                    continue
                queued.add(local)
                queue.append((local, url))

    def _afford(self, url: str) -> bool:
        """An expensive download is made once in the whole walk for each pattern (per council)."""
        return not EXPENSIVE.search(urlsplit(url).path) or not self.shared[("expensive", pattern(url))]

    def _refused_at_the_door(self, app, rule) -> bool:
        """The route's declared access refuses this user before its view runs (a permission their
        role lacks, central administration for a council member): the same code for every route
        and every user, so the walk asks once per route, not once per user."""
        access = declared_access(app.view_functions.get(rule.endpoint), "GET", rule.endpoint)
        if access in (PUBLIC, SIGNED_IN):
            return False
        if access == PLATFORM_ADMIN:
            return self.person.slug is not None
        return self.person.slug is None or access not in self.person.permissions

    def url_map(self, app, council: Council | None, admin_councils: list[Council] = ()) -> None:
        """Every GET route the links did not reach, with this council's ids (the central
        administrator: each council's). 403 and 404 are answers here, not failures."""
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint in URL_MAP_SKIP or rule.endpoint in self.reached:
                continue
            tenant_route = "tenant_slug" in rule.arguments
            if tenant_route and council is None:
                continue
            refused = self._refused_at_the_door(app, rule)
            if refused:
                self.shared[("door", rule.endpoint)] += 1
                if self.shared[("door", rule.endpoint)] > 1:
                    continue
            elif "/api/" in rule.rule and council is not None:
                # The API serialises what the pages show: once per council, by the first member
                # permitted (in ROLES order the panel administrator, who sees every child, comes early).
                self.shared[("api", council.slug, rule.endpoint)] += 1
                if self.shared[("api", council.slug, rule.endpoint)] > 1:
                    continue
            for scope in ([council] if tenant_route or council is not None else admin_councils):
                for values in self._values(rule, scope)[:TRIES]:
                    url = rule.build(values, append_unknown=False)[1]
                    if rule.endpoint in QUERY and scope is not None and scope.ids.get("paper_child_id"):
                        url += "?" + urlencode(QUERY[rule.endpoint](scope.ids))
                    if ("not found", url) in self.shared:
                        continue  # no such row for this route in this council: another user found so
                    if url in self.seen or not self._afford(url):
                        break
                    api = "/api/" in url
                    headers = {"Authorization": f"Bearer {self.person.api_secret}"} if api and self.person.api_secret \
                        else None
                    response = self.request(url, headers=headers)
                    if response is None:
                        break
                    if response.status_code >= 500:
                        self.defects.append(f"GET {url} answered {response.status_code} ({rule.endpoint})")
                    if response.status_code != 404:
                        break
                    if not refused:
                        self.shared[("not found", url)] += 1

    def _values(self, rule, council: Council | None) -> list[dict]:
        """Values for the rule's arguments: the first argument's candidates in turn, the others fixed."""
        args = sorted(rule.arguments - {"tenant_slug"})
        base = {"tenant_slug": council.slug} if council is not None and "tenant_slug" in rule.arguments else {}
        options = {}
        for arg in args:
            if arg == "token":
                options[arg] = self._tokens(rule.endpoint, council)
            else:
                options[arg] = list(council.ids.get(arg, [])) if council is not None else []
            if not options[arg]:
                return []  # the demo has no such row: nothing to request
        if not args:
            return [base]
        first, rest = args[0], args[1:]
        return [{**base, first: value, **{a: options[a][0] for a in rest}} for value in options[first]]

    def _tokens(self, endpoint: str, council: Council | None) -> list[str]:
        if endpoint == "calendar_feed.ics":
            return [self.person.feed_token] if self.person.feed_token else []
        if endpoint == "accounts.set_password":
            return [self.person.password_token] if self.person.password_token else []
        if council is not None and endpoint in ("documents.download", "papers_api.PaperView",
                                                 "papers_api.PaperContentView"):
            return council.ids.get("paper_token", [])
        return []


def walk(app, demo: Demo, key: tuple[str | None, str], shared: Counter) -> Walk:
    person = demo.people[key]
    client = app.test_client()
    w = Walk(client, person, shared)
    if not w.sign_in(demo.password):
        return w
    w.follow_links("/")
    if person.slug is None:
        w.url_map(app, None, list(demo.councils.values()))
    else:
        w.url_map(app, demo.councils[person.slug])
    return w


def record(config, w: Walk, seconds: float) -> None:
    stats = config.stash.setdefault(WALK_STATS, {"pages": 0, "linked": 0, "users": 0, "roles": set(),
                                                 "councils": set(), "seconds": 0.0})
    stats["pages"] += w.pages
    stats["linked"] += w.linked
    stats["users"] += 1
    stats["roles"].add(w.person.role)
    stats["seconds"] += seconds
    if w.person.slug:
        stats["councils"].add(w.person.slug)


def summary(stats: dict) -> str:
    return (f"walked {stats['pages']:,} pages ({stats['linked']:,} by links, the rest from the URL map) as "
            f"{stats['users']} users ({len(stats['roles'])} roles) in {len(stats['councils'])} councils, "
            f"{stats['seconds']:.0f} s")


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


# A module that imports these two fixtures loads the demo once and keeps it for all its tests.

@pytest.fixture(autouse=True)
def _clean_database():
    """Overrides conftest's: the demo is loaded once for the module and emptied after its last test."""
    yield


@pytest.fixture(scope="module")
def demo(app, empty_database):
    with pytest.MonkeyPatch.context() as patch:
        try:
            yield load(app, hasher_patch=patch.setattr)
        finally:
            empty_database()
