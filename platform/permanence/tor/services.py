"""Versions of a council's terms of reference: load, propose, activate, read back.

The flow is file -> validation (the pure engine, then enabled plugins) -> an
immutable :class:`TorVersion` row -> ``current_tor`` (parsed once per checksum
and cached) -> callers. Nothing here reads a Flask request or commits: views,
jobs and the CLI own the transaction.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
import difflib
import hashlib
from pathlib import Path
from threading import Lock

from sqlalchemy import func, select

from ..accounts.roles import permissions_for
from ..core.clock import london_today, utcnow
from ..core.context import tenant_context
from ..core.db import TransactionMemo
from ..core.schedule import run_on_activation
from ..extensions import db
from ..plugins import Candidate, available_plugins, call_hook
from ..tenancy import services as tenancy
from ..tenancy.models import TenantStatus
from . import ConfigError, TermsOfReference, TorConfigError, deadlines, load_tor_from_text, sittings
from .loader import TOR_FILENAME, line_of, read_tor_text
from .model import Exports, Imports
from .reminders import DEFAULTS as REMINDER_DEFAULTS, ReminderWording
from .timescales import STATUTORY_TIMESCALES
from .tracker import TrackerLayout, default_layout
from .versions import TorVersion, TorVersionStatus

REVIEW_REMINDER_DAYS = 30
CACHE_SIZE = 64


# --- Validation --------------------------------------------------------------------------------

def parse_tor(text: str, filename: str = TOR_FILENAME, *, safe_mode: bool = False) -> TermsOfReference:
    """Validate ``text`` with the engine, then with the plugins it enables; raises ``TorConfigError``.

    Plugin checks run only when the core validation passed, so a plugin always
    sees a well-formed configuration.
    """
    tor = load_tor_from_text(text, filename)
    errors = access_errors(tor) or plugin_errors(tor, safe_mode=safe_mode)
    if errors:
        raise TorConfigError(errors)
    return tor


# The ToR names who quality-assures referrals by role; the platform must let that role's access role do it.
QUALITY_ASSURANCE_PERMISSION = "referrals.quality_assure"


def access_errors(tor: TermsOfReference) -> list[ConfigError]:
    """Roles the ToR gives a duty the platform's access roles cannot carry out (so the rule could
    never take effect): a role named to quality-assure referrals whose access role may not."""
    errors = []
    for bi, body in enumerate(tor.bodies):
        for key in ("quality_assurance_by", "quality_assurance_fallback"):
            role_id = getattr(body.referral, key)
            role = tor.roles.get(role_id) if role_id else None
            if role is None or QUALITY_ASSURANCE_PERMISSION in permissions_for([role.access_role]):
                continue
            allowed = sorted(r.id for r in tor.roles.values()
                             if QUALITY_ASSURANCE_PERMISSION in permissions_for([r.access_role]))
            path = ("bodies", bi, "referral", key)
            errors.append(ConfigError(tor.filename, line_of(tor.locations, path), path,
                                      f"role {role_id!r} ({role.access_role.replace('_', ' ')} in the platform) "
                                      f"cannot quality-assure referrals; roles that can: {', '.join(allowed)}"))
    return errors


def plugin_errors(tor: TermsOfReference, *, safe_mode: bool = False) -> list[ConfigError]:
    """Errors returned by the enabled plugins' ``validate_terms_of_reference``, located by line."""
    results = call_hook("validate_terms_of_reference", enabled=tor.plugins.enabled, safe_mode=safe_mode,
                        tor=tor, settings=tor.plugins.settings)
    errors = []
    for result in results:
        for item in result or ():
            if isinstance(item, str):
                path, message = ("plugins",), item
            else:
                path, message = tuple(item[0]), item[1]
            errors.append(ConfigError(tor.filename, line_of(tor.locations, path), path, message))
    return errors


def plugin_descriptions(tor: TermsOfReference, *, safe_mode: bool = False) -> list[tuple[str, str]]:
    """Each enabled plugin with what it does for the council in English (its
    ``describe_terms_of_reference``), so the rendered ToR reads back the rules plugins carry out."""
    if not tor or not tor.plugins.enabled:
        return []
    if safe_mode:
        return [(name, "switched off: the platform runs in safe mode, with no plugin") for name in tor.plugins.enabled]
    installed = set(available_plugins())
    notes = []
    for name in tor.plugins.enabled:
        if name not in installed:
            notes.append((name, "enabled, but not installed on this platform"))
            continue
        said = [text for text in call_hook("describe_terms_of_reference", enabled=[name], tor=tor,
                                           settings=tor.plugins.settings) if text]
        notes.append((name, " ".join(said) or "enabled; it says nothing of what it does"))
    return notes


def plugin_cohort_candidates(tenant_id: int, tor: TermsOfReference, body, part, *,
                             safe_mode: bool = False) -> dict[int, Candidate]:
    """The children the tenant's enabled plugins propose for an agenda part, by child id, each with
    the source the proposal will name (two plugins naming one child: both sources). Raises
    ``PluginDataError`` when a plugin's data is unusable."""
    with tenant_context(tenant_id):
        results = call_hook("cohort_candidates", enabled=tor.plugins.enabled, safe_mode=safe_mode,
                            tenant_id=tenant_id, tor=tor, body=body, part=part, settings=tor.plugins.settings)
    found: dict[int, Candidate] = {}
    unnamed = f"put forward by the council's {', '.join(tor.plugins.enabled)} plugin"
    for result in results:
        for entry in result or ():
            candidate = entry if isinstance(entry, Candidate) else Candidate(int(entry), unnamed)
            known = found.get(candidate.child_id)
            if known is None:
                found[candidate.child_id] = candidate
            elif candidate.source not in known.source:
                found[candidate.child_id] = Candidate(candidate.child_id, f"{known.source}; {candidate.source}",
                                                      known.reason or candidate.reason)
    return dict(sorted(found.items()))


def missing_plugins(tor: TermsOfReference) -> list[str]:
    """Plugins the configuration enables that are not installed on this server (they are skipped)."""
    installed = set(available_plugins())
    return [name for name in tor.plugins.enabled if name not in installed]


# --- Reading -----------------------------------------------------------------------------------

_cache: OrderedDict[str, TermsOfReference] = OrderedDict()
_cache_lock = Lock()


def _parsed(version: TorVersion) -> TermsOfReference:
    """The parsed configuration of a stored version, parsed once per checksum.

    Stored text validated when it was loaded; re-parsing it cannot fail unless
    the format itself changed, which is a deploy-time error worth raising.
    """
    with _cache_lock:
        tor = _cache.get(version.checksum)
        if tor is not None:
            _cache.move_to_end(version.checksum)
            _checksums[version.id] = version.checksum
            return tor
    with tenant_context(version.tenant_id):  # the deferred text is read under its council's row-level security
        text = version.source_text
    tor = load_tor_from_text(text, version.filename)
    with _cache_lock:
        _cache[version.checksum] = tor
        _checksums[version.id] = version.checksum
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return tor


_ACTIVE = TransactionMemo("active_tor_versions", (TorVersion,))  # tenant id -> the version in force, or None


def active_version(tenant_id: int) -> TorVersion | None:
    """The council's version in force. Looked up once per transaction (a page asks for it a dozen
    times: every meeting's deadlines, the navigation, the layout) and held, so the session's weak
    identity map cannot drop it; a commit, a rollback or any change to a version forgets it."""

    def read():
        with tenant_context(tenant_id):
            return db.session.execute(
                select(TorVersion).where(TorVersion.status == TorVersionStatus.ACTIVE)).scalar_one_or_none()

    return _ACTIVE.get(tenant_id, read)


def current_tor(tenant_id: int) -> TermsOfReference | None:
    """The council's terms of reference in force, or None before its first activation."""
    version = active_version(tenant_id)
    return _parsed(version) if version is not None else None


def tracker_layout(tenant_id: int) -> TrackerLayout:
    """The council's tracker spreadsheet layout; before its first terms of reference, the default
    layout over the statutory timescales."""
    tor = current_tor(tenant_id)
    return tor.tracker_layout if tor is not None else default_layout(STATUTORY_TIMESCALES)


def import_policy(tenant_id: int) -> Imports:
    """How the council's imports treat the DfE's rules; before its first terms of reference, the
    platform's default (no finding keeps a child out)."""
    tor = current_tor(tenant_id)
    return tor.imports if tor is not None else Imports()


def export_policy(tenant_id: int) -> Exports:
    """How often the council's data for its analysts is written to the operator's folder; before its
    first terms of reference, never."""
    tor = current_tor(tenant_id)
    return tor.exports if tor is not None else Exports()


def tor_of(version: TorVersion) -> TermsOfReference:
    """The parsed configuration of any stored version (a proposal being previewed, an old one)."""
    return _parsed(version)


# version id -> checksum: a stored version's text never changes, and a version is never deleted (a
# meeting holds it, ondelete RESTRICT), so its id never names another text while the database lives.
_checksums: dict[int, str] = {}


def forget_parsed() -> None:
    """Forget every parsed version: for a process whose database is emptied under it (the tests)."""
    with _cache_lock:
        _cache.clear()
        _checksums.clear()


def tor_of_id(version_id: int) -> TermsOfReference:
    """The parsed configuration of the version with this id (a meeting's ``tor_version_id``),
    without loading the row (and its text) when this process has parsed it before."""
    checksum = _checksums.get(version_id)
    if checksum is not None:
        with _cache_lock:
            tor = _cache.get(checksum)
            if tor is not None:
                _cache.move_to_end(checksum)
                return tor
    version = db.session.get(TorVersion, version_id)
    if version is None:
        raise LookupError(f"no terms of reference version {version_id}")
    return _parsed(version)


def list_versions(tenant_id: int) -> list[TorVersion]:
    with tenant_context(tenant_id):
        return list(db.session.execute(select(TorVersion).order_by(TorVersion.number.desc())).scalars())


def get_version(tenant_id: int, version_id: int) -> TorVersion | None:
    with tenant_context(tenant_id):
        return db.session.execute(select(TorVersion).where(TorVersion.id == version_id)).scalar_one_or_none()


def previous_version(version: TorVersion) -> TorVersion | None:
    with tenant_context(version.tenant_id):
        return db.session.execute(
            select(TorVersion).where(TorVersion.number < version.number).order_by(TorVersion.number.desc()).limit(1)
        ).scalar_one_or_none()


# --- Writing -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoadResult:
    version: TorVersion
    created: bool  # False: the same text was already the active (or pending) version
    tor: TermsOfReference


def checksum_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def store_version(tenant_id: int, text: str, *, filename: str = TOR_FILENAME, loaded_by: str,
                  loaded_by_user_id: int | None = None, note: str = "", activate: bool = False,
                  safe_mode: bool = False, run_jobs: bool = False) -> LoadResult:
    """Validate and store a new version for the council; raises ``TorConfigError`` and stores nothing.

    Loading the text of the active version again (or of a pending proposal) is
    a no-op that returns it, so re-running ``tenants load`` or the demo is safe. ``run_jobs``: as
    ``activate_version``'s, when this activates a version (off: the demo and tests run their own).
    """
    tor = parse_tor(text, filename, safe_mode=safe_mode)
    with tenant_context(tenant_id):
        same = db.session.execute(
            select(TorVersion).where(TorVersion.checksum == tor.checksum,
                                     TorVersion.status != TorVersionStatus.SUPERSEDED)
            .order_by(TorVersion.number.desc()).limit(1)
        ).scalar_one_or_none()
        if same is not None:
            if activate and same.status != TorVersionStatus.ACTIVE:
                activate_version(same, run_jobs=run_jobs)
            return LoadResult(same, False, tor)
        number = (db.session.execute(select(func.max(TorVersion.number))).scalar_one() or 0) + 1
        version = TorVersion(tenant_id=tenant_id, number=number, source_text=text, checksum=tor.checksum,
                             filename=Path(filename).name[:255] or TOR_FILENAME, loaded_by=loaded_by[:254],
                             loaded_by_user_id=loaded_by_user_id, note=(note or "").strip()[:500],
                             status=TorVersionStatus.PROPOSED)
        db.session.add(version)
        db.session.flush()
        if activate:
            activate_version(version, run_jobs=run_jobs)
    return LoadResult(version, True, tor)


def activate_version(version: TorVersion, *, run_jobs: bool = True) -> TorVersion:
    """Put ``version`` in force: the previous active version and older proposals are superseded.

    ``run_jobs``: queue for the council the periodic jobs flagged ``on_activation`` (its sittings,
    the recompute, tracking bookings and proposals), which run after the commit rather than at night.
    Code that runs them itself (the demo) or tests that time them say ``False``."""
    with tenant_context(version.tenant_id):
        if version.status == TorVersionStatus.ACTIVE:
            return version
        if version.status == TorVersionStatus.SUPERSEDED:
            raise ValueError(f"version {version.number} was superseded; load its text again as a new version")
        older = db.session.execute(select(TorVersion).where(
            TorVersion.id != version.id,
            (TorVersion.status == TorVersionStatus.ACTIVE)
            | ((TorVersion.status == TorVersionStatus.PROPOSED) & (TorVersion.number < version.number)),
        )).scalars().all()
        for row in older:
            row.status = TorVersionStatus.SUPERSEDED
        db.session.flush()  # the partial unique index allows one active row at a time
        version.status = TorVersionStatus.ACTIVE
        version.activated_at = utcnow()
        db.session.flush()
        if run_jobs:
            run_on_activation(version.tenant_id)
    return version


def create_tenant_from_tor(slug: str, text: str, *, filename: str = TOR_FILENAME, loaded_by: str,
                           loaded_by_user_id: int | None = None, safe_mode: bool = False):
    """A draft council named from ``council.name`` with the text stored as its first, proposed version.

    Validates before creating anything: an invalid file leaves no tenant behind.
    Raises ``TorConfigError`` or ``tenancy.services.TenantError``.
    """
    tor = parse_tor(text, filename, safe_mode=safe_mode)
    tenant = tenancy.create_tenant(slug, tor.council.name[:200], status=TenantStatus.DRAFT)
    result = store_version(tenant.id, text, filename=filename, loaded_by=loaded_by,
                           loaded_by_user_id=loaded_by_user_id, safe_mode=safe_mode)
    return tenant, result


def activate_and_open(tenant, version: TorVersion) -> None:
    """Onboarding's last step: the version goes into force and the council opens to its users."""
    activate_version(version)
    if tenant.status != TenantStatus.ACTIVE:
        tenancy.set_tenant_status(tenant, TenantStatus.ACTIVE)


def load_folder(folder: str | Path, *, slug: str | None = None, activate: bool = True, loaded_by: str = "cli",
                safe_mode: bool = False, run_jobs: bool = False):
    """``permanence tenants load``: the council of ``<folder>/tor.yaml``, created if missing, and the file
    stored as a version. Returns ``(tenant, LoadResult)``; raises ``TorConfigError``/``TenantError``."""
    folder = Path(folder)
    path = folder / TOR_FILENAME
    text = read_tor_text(path)
    tor = parse_tor(text, str(path), safe_mode=safe_mode)
    slug = slug or folder.resolve().name
    tenant = tenancy.get_tenant(slug)
    if tenant is None:
        tenant = tenancy.create_tenant(slug, tor.council.name[:200],
                                       status=TenantStatus.ACTIVE if activate else TenantStatus.DRAFT)
    result = store_version(tenant.id, text, filename=str(path), loaded_by=loaded_by, activate=activate,
                           safe_mode=safe_mode, run_jobs=run_jobs)
    return tenant, result


def upcoming(tor: TermsOfReference, today: date, count: int = 6) -> dict:
    """For each panel, its next ``count`` sittings from ``today`` with each sitting's deadlines."""
    return {body.id: [(s, deadlines(body, s)) for s in sittings(body, today, count=count)]
            for body in tor.bodies if body.cadence is not None}


# --- Differences and review --------------------------------------------------------------------

@dataclass(frozen=True)
class DiffLine:
    kind: str  # "added", "removed", "context", "hunk"
    text: str
    old_line: int | None = None
    new_line: int | None = None


def diff_versions(old: TorVersion | None, new: TorVersion, context: int = 3) -> list[DiffLine]:
    """A unified diff of two versions' text, line-numbered on both sides, for reading, not patching."""
    old_lines = old.source_text.splitlines() if old is not None else []
    new_lines = new.source_text.splitlines()
    out: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        out.append(DiffLine("hunk", f"Lines {first[3] + 1} to {last[4]} of version {new.number}"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [DiffLine("context", new_lines[j], i + 1, j + 1) for i, j in zip(range(i1, i2), range(j1, j2))]
                continue
            out += [DiffLine("removed", old_lines[i], i + 1, None) for i in range(i1, i2)]
            out += [DiffLine("added", new_lines[j], None, j + 1) for j in range(j1, j2)]
    return out


@dataclass(frozen=True)
class ReviewStatus:
    due: date | None
    state: str  # "not_set", "ok", "due_soon", "overdue"
    days: int | None  # days until due (negative when overdue)

    @property
    def needs_attention(self) -> bool:
        return self.state in ("due_soon", "overdue")


def review_status(tor: TermsOfReference | None, today: date) -> ReviewStatus:
    """Whether the annual review of the terms of reference is due within 30 days or overdue."""
    due = tor.council.review_due if tor is not None else None
    if due is None:
        return ReviewStatus(None, "not_set", None)
    days = (due - today).days
    state = "overdue" if days < 0 else "due_soon" if days <= REVIEW_REMINDER_DAYS else "ok"
    return ReviewStatus(due, state, days)


def review_section(tenant_id: int, today: date | None = None) -> dict:
    """The tenant administrator's home-page section about the terms of reference."""
    tor = current_tor(tenant_id)
    return {"kind": "tor_review", "tor": tor, "review": review_status(tor, today or london_today())}


def loaded_at_text(when: datetime | None) -> str:
    return when.strftime("%-d %B %Y at %H:%M") if when else ""


def reminder_wording(tenant_id: int, kind: str) -> ReminderWording:
    """The council's wording of the reminder ``kind`` (the defaults before any terms are in force)."""
    tor = current_tor(tenant_id)
    return tor.reminders[kind] if tor is not None else REMINDER_DEFAULTS[kind]


def render_reminder(tenant_id: int, kind: str, values) -> tuple[str, str]:
    """The council's subject and text of the reminder ``kind``, filled in with ``values``."""
    return reminder_wording(tenant_id, kind).render(values)


def practice_themes(tenant_id: int) -> tuple:
    """The council's practice themes (the ToR in force's ``practice_themes``); none before its first ToR."""
    tor = current_tor(tenant_id)
    return tor.practice_themes if tor is not None else ()
