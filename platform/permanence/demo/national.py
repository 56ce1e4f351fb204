"""A national data set for measuring the platform at scale: N fictional councils of varied sizes,
each with its terms of reference, people for every role, children with up to five years of
history, five years of panel sittings with their heard items, decisions, actions and papers, and
the audit trail such a council builds up.

Deterministic from a seed: the same seed gives the same councils, sizes, case numbers
(``NAT-0001-00042``) and counts. Everything is fictional (Faker ``en_GB``; names carry no real
person's details; case numbers start ``NAT-``; every e-mail is at ``example.org``).

Rows go in by bulk: one multi-row INSERT per table and council in batches (SQLAlchemy Core;
the children with RETURNING for their ids), not one ORM object at a time. Each council's rows are
written inside ``tenant_context(tenant_id)`` with ``tenant_id`` set, so PostgreSQL's row-level
security accepts them. The insert bypasses the ORM flush, so the audit mechanism records nothing
of the load itself: the audit events written are the synthetic five-year trail.

``build_national`` yields after each council; the caller commits (the ``permanence demo national``
command does, with a progress bar). The tracker's milestones are computed per council by the
nightly job when ``tracker=True`` (the ``small`` preset's default); for the national size they are
left to the nightly recompute (``permanence jobs run tracker-nightly``), which is far slower than
the load itself (see docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
import hashlib
import json
import math
from pathlib import Path
import random
from typing import Collection, Iterator

from faker import Faker
from flask import current_app
from sqlalchemy import Enum, func, insert, inspect, select, text

from ..accounts import services as accounts
from ..accounts.roles import ROLES
from ..audit.models import AuditEvent
from ..cases.models import (Adoption, CarePeriod, CareProceedings, Child, ChildFlag, LegalStatus, PermanencePlan,
                            Placement, PreProceedings, Review)
from ..core import provenance
from ..core.clock import london_today
from ..core.context import tenant_context
from ..documents.models import Document, DocumentVersion
from ..extensions import db
from ..panels.models import Action, ActionStatus, AgendaItem, ItemStatus, Meeting
from ..panels.services import _from_sitting, generate_meetings, panel_bodies
from ..tenancy import services as tenancy
from ..tenancy.models import TenantStatus
from ..tor import sittings
from ..tor.services import active_version, load_folder, parse_tor, tor_of
from ..tracker.models import Milestone
from ..tracker.jobs import nightly_tracker_job
from ..tracker.services import fill_tracker_lines
from .histories import SITUATIONS, add_history
from .meetings import agree_demo_tracking_days, load_meeting_demo
from .services import _demo_user

PRESETS = {
    "small": {"councils": 3, "children_per_council_mean": 100, "tracker": True},
    "national": {"councils": 150, "children_per_council_mean": 667, "tracker": False},
}
BATCH = 5000
HISTORY = (("care_periods", CarePeriod), ("legal_statuses", LegalStatus), ("placements", Placement),
           ("reviews", Review), ("plans", PermanencePlan), ("proceedings", CareProceedings),
           ("pre_proceedings", PreProceedings), ("adoptions", Adoption), ("flags", ChildFlag))
TEAM_NAMES = ("Children in Care 1", "Children in Care 2", "Children in Care 3", "Permanence", "Leaving Care",
              "Disabled Children", "Court and Proceedings", "Assessment")
ETHNICITIES = ("WBRI", "WBRI", "WBRI", "WOTH", "MWBC", "MWBA", "ABAN", "APKN", "BAFR", "BCRB", "OOTH")
PAPER = b"%PDF-1.4\n% Fictional panel paper generated for load testing. No real child or family.\n%%EOF\n"
READ_PAGES = ("/children/", "/tracker/", "/agenda/", "/papers/")


@dataclass(frozen=True)
class CouncilPlan:
    index: int  # 1-based
    slug: str
    name: str
    children: int
    tor_folder: Path


def tor_folders() -> list[Path]:
    """The five seed councils' ToR and the synthetic ones under ``tests/data/tor`` that load cleanly
    and give every panel an agenda part."""
    seeds = Path(current_app.config["TENANTS_FOLDER"])
    candidates = sorted(p for p in seeds.iterdir() if (p / "tor.yaml").is_file())
    synthetic = seeds.parent / "tests" / "data" / "tor"
    if synthetic.is_dir():
        candidates += sorted(p for p in synthetic.iterdir() if (p / "tor.yaml").is_file())
    usable = []
    for folder in candidates:
        try:
            tor = parse_tor((folder / "tor.yaml").read_text(encoding="utf-8"),
                            safe_mode=current_app.config["SAFE_MODE"])
        except Exception:  # noqa: BLE001 - a synthetic ToR that does not load is simply not used
            continue
        if all(body.agenda_parts for body in panel_bodies(tor)):  # the current cycle needs each panel's parts
            usable.append(folder)
    return usable


def council_sizes(councils: int, mean: int, seed: int) -> list[int]:
    """``councils`` sizes averaging ``mean``, skewed as England's are: many of a few hundred children,
    a few of about three times the mean (log-normal, sigma 0.6, clipped), the total exactly
    ``councils * mean``."""
    rng = random.Random(f"sizes-{seed}")
    low, high = max(10, int(mean * 0.25)), int(mean * 3.2)
    raw = [min(high, max(low, mean * math.exp(rng.gauss(-0.18, 0.6)))) for _ in range(councils)]
    scale = councils * mean / sum(raw)
    sizes = [max(low, round(r * scale)) for r in raw]
    sizes[sizes.index(max(sizes))] += councils * mean - sum(sizes)
    return sizes


def plan_councils(councils: int, mean: int, seed: int) -> list[CouncilPlan]:
    folders = tor_folders()
    return [CouncilPlan(index=n, slug=f"national-{n:04d}", name=f"National test council {n:04d} (fictional)",
                        children=size, tor_folder=folders[(n - 1) % len(folders)])
            for n, size in enumerate(council_sizes(councils, mean, seed), start=1)]


def only_councils(plans: list[CouncilPlan], only: str | None) -> list[CouncilPlan]:
    """The plans ``only`` names: council numbers separated by commas (``58``, ``3,58``) or
    ``largest``; None or empty: all. A council built alone is the same council as in the whole set
    (its size, ToR, slug and rows come from its number and the seed), so a benchmark can compare
    it alone with it among the others. Raises ``ValueError`` for a number outside the plan."""
    if not only or not only.strip():
        return plans
    if only.strip() == "largest":
        return [max(plans, key=lambda plan: (plan.children, -plan.index))]
    try:
        wanted = {int(part) for part in only.split(",") if part.strip()}
    except ValueError:
        raise ValueError(f"--only takes council numbers separated by commas, or 'largest', not {only[:40]!r}") \
            from None
    outside = sorted(n for n in wanted if not 1 <= n <= len(plans))
    if outside or not wanted:
        named = ", ".join(map(str, outside)) or repr(only[:40])
        raise ValueError(f"no council {named} in a plan of {len(plans)}")
    return [plan for plan in plans if plan.index in wanted]


def build_national(*, councils: int, children_per_council_mean: int, seed: int = 1, years: int = 5,
                   tracker: bool = False, today: date | None = None,
                   only: Collection[int] | None = None) -> Iterator[tuple[CouncilPlan, dict]]:
    """Create the councils that do not exist yet; yields ``(plan, counts)`` after each (the caller
    commits). A council whose slug exists already is skipped (counts empty), so a stopped run resumes.
    ``only``: build just the councils of these numbers (1-based) of the plan of ``councils``."""
    today = today or london_today()
    for plan in plan_councils(councils, children_per_council_mean, seed):
        if only is not None and plan.index not in only:
            continue
        if tenancy.get_tenant(plan.slug) is not None:
            yield plan, {}
            continue
        yield plan, _build_council(plan, seed=seed, years=years, tracker=tracker, today=today)


def _build_council(plan: CouncilPlan, *, seed: int, years: int, tracker: bool, today: date) -> dict:
    tenant = tenancy.create_tenant(plan.slug, plan.name, status=TenantStatus.ACTIVE)
    load_folder(plan.tor_folder, slug=plan.slug, activate=True, safe_mode=current_app.config["SAFE_MODE"])
    generate_meetings(tenant.id, today)
    rng = random.Random(f"council-{seed}-{plan.index}")
    fake = Faker("en_GB")
    fake.seed_instance(seed * 100_000 + plan.index)
    counts: dict[str, int] = {}
    with tenant_context(tenant.id):
        users, teams = _people(plan, fake, rng)
        children = _children(plan, tenant.id, fake, rng, users, teams, today, years, counts)
        _history_of_panels(plan, tenant.id, rng, users, children, years, today, counts)
        _audit_trail(tenant.id, rng, users, children, years, today, counts)
        db.session.flush()
        load_meeting_demo(tenant.id, users, today)  # the current cycle: seats, a held meeting, the next sitting
        agree_demo_tracking_days(tenant.id, users)
        if tracker:
            nightly_tracker_job(today.isoformat())
        else:
            fill_tracker_lines(today)  # the tracker's columns now; the milestones at the nightly run
    return counts


def _people(plan: CouncilPlan, fake, rng) -> tuple[dict, list]:
    team_count = max(2, min(len(TEAM_NAMES), plan.children // 250 + 1))
    teams = [accounts.get_or_create_team(name) for name in TEAM_NAMES[:team_count]]
    users = {}
    for role in ROLES:
        user = _demo_user(f"{role.replace('_', '.')}@{plan.slug}.example.org", f"{fake.name()} (fictional)")
        team = teams[0] if role in {"social_worker", "team_manager"} else None
        accounts.add_membership(user, [role], team=team, job_title=ROLES[role])
        users[role] = user
    db.session.flush()
    return users, teams


def _columns(model) -> tuple[str, ...]:
    return tuple(attr.key for attr in inspect(model).column_attrs)


def _scalar_default(model, key: str):
    """What the column gets when the ORM object left it unset (its scalar default, else None)."""
    default = model.__table__.c[key].default
    return default.arg if default is not None and default.is_scalar else None


def _insert(model, rows: list[dict]) -> None:
    """Rows whose ids nobody needs back. On PostgreSQL one INSERT ... SELECT FROM
    json_populate_recordset per batch (COPY is refused under row-level security; one JSON
    parameter is far cheaper than thousands of bound ones); elsewhere multi-row INSERTs."""
    if not rows:
        return
    table = model.__table__
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(table), rows[start:start + BATCH])
        return
    given = list(rows[0])
    defaults = {c.name: (c.default.arg(None) if c.default.is_callable else c.default.arg)
                for c in table.columns if c.name not in given and c.default is not None}
    names = given + list(defaults)
    enums = {name: table.c[name].type.bind_processor(connection.dialect) for name in names
             if isinstance(table.c[name].type, Enum)}
    columns = ", ".join(connection.dialect.identifier_preparer.quote(name) for name in names)
    statement = text(f"INSERT INTO {table.name} ({columns}) SELECT {columns} "
                     f"FROM json_populate_recordset(NULL::{table.name}, CAST(:rows AS json))")
    for start in range(0, len(rows), BATCH):
        batch = []
        for row in rows[start:start + BATCH]:
            row = {**row, **defaults}
            for name, process in enums.items():
                if row[name] is not None:
                    row[name] = process(row[name]) if process else row[name].name
            batch.append(row)
        connection.execute(statement, {"rows": json.dumps(batch, default=_json_value)})


def _json_value(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return "\\x" + value.hex()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _children(plan, tenant_id, fake, rng, users, teams, today, years, counts) -> list[tuple[int, Child]]:
    """Bulk-insert the children and their histories; returns ``(id, transient child)`` pairs."""
    transient = []
    for n in range(1, plan.children + 1):
        sex = rng.choice("MF")
        child = Child(
            case_number=f"NAT-{plan.index:04d}-{n:05d}",
            first_name=fake.first_name_male() if sex == "M" else fake.first_name_female(),
            last_name=fake.last_name(), date_of_birth=today - timedelta(days=rng.randint(30, 17 * 365)),
            sex=sex, ethnicity=rng.choice(ETHNICITIES))
        add_history(child, rng, rng.randrange(len(SITUATIONS)), today)
        _earlier_episode(child, rng, today - timedelta(days=int(years * 365.25)))
        team = teams[n % len(teams)]
        transient.append((child, {
            "team_id": team.id,
            "social_worker_id": users["social_worker"].id if n % 7 == 0 else None,
            "team_manager_id": users["team_manager"].id if team is teams[0] else None,
            "iro_id": users["iro"].id if n % 5 == 0 else None,
        }))
    child_columns = ("case_number", "first_name", "last_name", "date_of_birth", "expected_date_of_birth", "sex",
                     "ethnicity")
    rows = [{"tenant_id": tenant_id, **{c: getattr(child, c) for c in child_columns}, **extra}
            for child, extra in transient]
    ids = []
    for start in range(0, len(rows), BATCH):
        ids += db.session.connection().execute(
            insert(Child.__table__).returning(Child.__table__.c.id, sort_by_parameter_order=True),
            rows[start:start + BATCH]).scalars().all()
    counts["children"] = len(ids)
    origin, detail = provenance.current()  # as the demo's rows are written: by a person
    for relation, model in HISTORY:
        keys = [k for k in _columns(model)
                if k not in {"id", "child_id", "tenant_id", "created_at", "updated_at", "origin", "origin_detail"}]
        defaults = {k: _scalar_default(model, k) for k in keys}
        history = [{"tenant_id": tenant_id, "child_id": child_id, "origin": origin, "origin_detail": detail,
                    **{k: row.__dict__.get(k, defaults[k]) for k in keys}}
                   for child_id, (child, _) in zip(ids, transient) for row in getattr(child, relation)]
        _insert(model, history)
        counts[model.__tablename__] = len(history)
    return [(child_id, child) for child_id, (child, _) in zip(ids, transient)]


def _earlier_episode(child, rng, first: date) -> None:
    """Three children in five whose present episode began two years or more into the period were
    looked after before (section 20, in foster care, reviewed on the statutory cycle) and went home."""
    if not child.care_periods or rng.random() >= 0.6:
        return
    entered = child.care_periods[0].start
    born = child.date_of_birth or entered
    start = max(first, born) + timedelta(days=rng.randint(0, 200))
    end = start + timedelta(days=rng.randint(300, 800))
    if end > entered - timedelta(days=60):
        return
    child.care_periods.insert(0, CarePeriod(start=start, end=end, category_of_need="N1", reason_ceased="E4A"))
    child.legal_statuses.insert(0, LegalStatus(code="V2", start=start, end=end, s20_entry="planned"))
    child.placements.insert(0, Placement(place="U6", provider="PR1", start=start, end=end,
                                         reason_for_change="CLOSE"))
    day, gap = start + timedelta(days=rng.randint(12, 26)), 91
    while day < end:
        child.reviews.insert(0, Review(held_on=day, participation=rng.choice(["PN1", "PN3", "PN5", "PN6"])))
        day, gap = day + timedelta(days=gap), 182


def _history_of_panels(plan, tenant_id, rng, users, children, years, today, counts) -> None:
    """Every panel's sittings from ``years`` ago to nine weeks ago, each hearing some of the
    council's children (about one heard item per two children over the period) with an outcome,
    a decision, two actions and a paper."""
    version = active_version(tenant_id)
    tor = tor_of(version)
    bodies = [b for b in panel_bodies(tor) if b.outcomes and b.agenda_parts]
    start, until = today - timedelta(days=int(years * 365.25)), today - timedelta(weeks=9)
    meetings = []
    for body in bodies:
        # A ToR's cadence starts when it took effect, so the past is its next year of sittings
        # moved back a whole number of 52-week years (the same weekdays).
        year = sittings(body, today, until=today + timedelta(weeks=52, days=-1))
        seen = set()
        for back in range(years + 1, 0, -1):
            shift = timedelta(weeks=52 * back)
            for sitting in year:
                if not start <= sitting.date - shift <= until or sitting.date - shift in seen:
                    continue
                seen.add(sitting.date - shift)
                meeting = _from_sitting(sitting, version.id, by_hand=False)
                row = {k: getattr(meeting, k) for k in ("body_id", "tor_version_id", "venue", "status",
                                                        "added_by_hand")}
                row.update(tenant_id=tenant_id, quorate=True, date=meeting.date - shift,
                           sitting_date=meeting.sitting_date - shift,
                           starts_at=meeting.starts_at - shift if meeting.starts_at else None,
                           ends_at=meeting.ends_at - shift if meeting.ends_at else None)
                meetings.append((body, row))
    counts["meetings"] = len(meetings)
    if not meetings:
        return
    meeting_ids = db.session.connection().execute(
        insert(Meeting.__table__).returning(Meeting.__table__.c.id, sort_by_parameter_order=True),
        [row for _, row in meetings]).scalars().all()
    per_meeting = max(1, round(len(children) / 2 / len(meetings)))
    items, item_meta = [], []
    for meeting_id, (body, meeting) in zip(meeting_ids, meetings):
        part = body.agenda_parts[0]
        outcomes = [o for o in body.outcomes if o.only_when is None] or list(body.outcomes)
        held_at = meeting["starts_at"] or datetime.combine(meeting["date"], time(10), tzinfo=timezone.utc)
        for position in range(rng.randint(max(1, per_meeting - 2), per_meeting + 2)):
            child_id, child = children[rng.randrange(len(children))]
            outcome = outcomes[rng.randrange(len(outcomes))]
            items.append({
                "tenant_id": tenant_id, "meeting_id": meeting_id, "part_id": part.id, "child_id": child_id,
                "entry_route": part.entry_routes[0], "status": ItemStatus.HEARD, "position": position,
                "minutes_allowed": part.minutes_per_item, "presenter_id": users["social_worker"].id,
                "discussion": f"The panel heard the update on {child.first_name}'s plan (fictional record).",
                "care_plan_confirmed": True, "legal_status_confirmed": True, "outcome_id": outcome.id,
                "decision": f"{outcome.label}. Progress to be reported at the next review.",
                "next_review_on": meeting["date"] + timedelta(weeks=12),
                "recorded_by_id": users["panel_administrator"].id, "recorded_at": held_at, "practice_themes": [],
                "answers": {}})
            item_meta.append((child_id, meeting["date"]))
    item_ids = []
    for begin in range(0, len(items), BATCH):
        item_ids += db.session.connection().execute(
            insert(AgendaItem.__table__).returning(AgendaItem.__table__.c.id, sort_by_parameter_order=True),
            items[begin:begin + BATCH]).scalars().all()
    counts["agenda_items"] = len(item_ids)
    actions, documents = [], []
    for item_id, (child_id, held_on) in zip(item_ids, item_meta):
        for description, owner, weeks in (("Send the updated care plan to the IRO", "social_worker", 2),
                                          ("Report progress on family finding to the panel", "team_manager", 8)):
            due = held_on + timedelta(weeks=weeks)
            done = due < today - timedelta(days=rng.randint(0, 30))
            actions.append({"tenant_id": tenant_id, "agenda_item_id": item_id, "child_id": child_id,
                            "description": description, "owner_id": users[owner].id, "due_on": due,
                            "status": ActionStatus.DONE if done else ActionStatus.OPEN,
                            "completed_on": due - timedelta(days=rng.randint(0, 10)) if done else None})
        documents.append({"tenant_id": tenant_id, "subject_type": "agenda_item", "subject_id": item_id,
                          "paperwork_id": "other", "slot": "other:panel report", "title": "Panel report",
                          "current_version": 1, "created_by_id": users["social_worker"].id})
    _insert(Action, actions)
    counts["actions"] = len(actions)
    document_ids = []
    for begin in range(0, len(documents), BATCH):
        document_ids += db.session.connection().execute(
            insert(Document.__table__).returning(Document.__table__.c.id, sort_by_parameter_order=True),
            documents[begin:begin + BATCH]).scalars().all()
    digest = hashlib.sha256(PAPER).hexdigest()
    _insert(DocumentVersion, [
        {"tenant_id": tenant_id, "document_id": document_id, "number": 1, "filename": "panel-report.pdf",
         "media_type": "application/pdf", "size": len(PAPER), "sha256": digest, "content": PAPER,
         "uploaded_by_id": users["social_worker"].id,
         "uploaded_at": datetime.combine(held_on - timedelta(days=7), time(9), tzinfo=timezone.utc)}
        for document_id, (_, held_on) in zip(document_ids, item_meta)])
    counts["documents"] = len(document_ids)


def _audit_trail(tenant_id, rng, users, children, years, today, counts) -> None:
    """About 22 events a child over the period: its record created and changed, and members reading it."""
    people = list(users.values())
    first = today - timedelta(days=int(years * 365.25))
    events = []

    def at(day: date) -> datetime:
        return datetime.combine(day, time(8), tzinfo=timezone.utc) + timedelta(minutes=rng.randint(0, 600))

    for child_id, child in children:
        entered = max(first, child.care_periods[0].start if child.care_periods else today - timedelta(days=60))
        span = max(1, (today - entered).days)
        label = f"{child.first_name} {child.last_name}"
        events.append({"tenant_id": tenant_id, "at": at(entered), "actor_id": users["social_worker"].id,
                       "actor_label": users["social_worker"].email, "action": "create", "entity_type": "Child",
                       "entity_id": str(child_id), "summary": label, "changes": None})
        for _ in range(rng.randint(2, 8)):
            events.append({"tenant_id": tenant_id, "at": at(entered + timedelta(days=rng.randrange(span))),
                           "actor_id": users["social_worker"].id, "actor_label": users["social_worker"].email,
                           "action": "update", "entity_type": rng.choice(("Child", "Review", "Placement",
                                                                          "LegalStatus", "PermanencePlan")),
                           "entity_id": str(child_id), "summary": label, "changes": None})
        for _ in range(rng.randint(10, 20)):
            reader = people[rng.randrange(len(people))]
            events.append({"tenant_id": tenant_id, "at": at(entered + timedelta(days=rng.randrange(span))),
                           "actor_id": reader.id, "actor_label": reader.email, "action": "read",
                           "entity_type": "Child", "entity_id": str(child_id),
                           "summary": label,
                           "changes": {"ids": {"Child": [child_id]}, "page": rng.choice(READ_PAGES)}})
    events.sort(key=lambda e: e["at"])
    _insert(AuditEvent, events)
    counts["audit_events"] = len(events)


TOTALLED = (("children", Child), ("reviews", Review), ("legal statuses", LegalStatus), ("placements", Placement),
            ("care periods", CarePeriod), ("meetings", Meeting), ("agenda items", AgendaItem), ("actions", Action),
            ("documents", Document), ("milestones", Milestone), ("audit events", AuditEvent))


def refresh_statistics() -> None:
    """PostgreSQL's planner statistics after a bulk load: without them it takes a council's
    2,000 children for 60 and picks nested loops that read millions of rows (a home page 2.4 s
    instead of 0.4 s). Autovacuum would get there in its own time; a benchmark must not wait."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def totals(plans: list[CouncilPlan]) -> dict[str, int]:
    """Rows the planned councils hold, table by table (counted council by council, in its scope)."""
    out = dict.fromkeys([label for label, _ in TOTALLED], 0)
    for plan in plans:
        tenant = tenancy.get_tenant(plan.slug)
        if tenant is None:
            continue
        with tenant_context(tenant.id):
            for label, model in TOTALLED:
                out[label] += db.session.execute(select(func.count(model.id))).scalar_one()
    return out
