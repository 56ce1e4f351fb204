"""Recording audit events: one mechanism for every feature.

Creates, changes (with before and after values) and deletes of any model marked
``__audit__ = True`` are recorded from the ORM flush, so no view writes audit
code. Reads of sensitive records (``__audit_reads__ = True``: a child) are noted
for the request (``note_read``): every such row the ORM loads while answering a
request, and what ``accounts.permissions.load_or_404`` loads. The web shell
records them as ONE read event per successful response (``flush_reads``), naming
every record shown, so a list of 200 children is one event listing 200 ids.
"""

from __future__ import annotations

import csv
import enum
import io
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from urllib.parse import quote

from flask import g, has_request_context
from sqlalchemy import Text, and_, cast, event, inspect, insert, or_, select
from sqlalchemy.orm import Mapper, Session

from ..core import context
from ..core.clock import utcnow
from ..extensions import db
from .models import AuditEvent

REDACTED = "[redacted]"


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(value)} bytes>"
    return value


def _row(action, *, tenant_id, entity_type=None, entity_id=None, summary="", changes=None, actor=None):
    actor = actor or context.current_actor()
    return {
        "tenant_id": tenant_id,
        "at": utcnow(),
        "actor_id": actor.user_id,
        "actor_label": actor.label,
        "ip": actor.ip,
        "action": action,
        "entity_type": entity_type,
        "entity_id": None if entity_id is None else str(entity_id),
        "summary": (summary or "")[:500],
        "changes": changes,
    }


def record(action: str, *, entity=None, entity_type=None, entity_id=None, summary="", tenant_id=None,
           changes=None, actor=None) -> None:
    """Record one event now, in the current transaction."""
    if entity is not None:
        entity_type = entity_type or type(entity).__name__
        entity_id = entity_id if entity_id is not None else getattr(entity, "id", None)
        tenant_id = tenant_id if tenant_id is not None else getattr(entity, "tenant_id", None)
        summary = summary or _describe(entity)
    if tenant_id is None:
        tenant_id = context.current_tenant_id()
    db.session.connection().execute(
        insert(AuditEvent.__table__),
        [_row(action, tenant_id=tenant_id, entity_type=entity_type, entity_id=entity_id,
              summary=summary, changes=changes, actor=actor)],
    )


# --- reads: one event per response -------------------------------------------------------------

_NOTED = "_audit_reads"  # on flask.g: {model: set of ids} the response shows
_PAUSED = "_audit_reads_paused"  # on flask.g: inside not_shown()


def note_read(model, ids) -> None:
    """Note that the response being built shows these records of ``model`` (one marked
    ``__audit_reads__``). Only a request shows a record to a person: outside one (a job, the
    command line) nothing is noted."""
    if not has_request_context() or g.get(_PAUSED) or not getattr(model, "__audit_reads__", False):
        return
    noted = g.setdefault(_NOTED, {})
    noted.setdefault(model, set()).update(i for i in ids if i is not None)


def note_shown(objs) -> None:
    """Note the sensitive records these objects show: themselves (``__audit_reads__``) or those
    they name (``__audit_reads_through__``: an agenda item names its children)."""
    for obj in objs:
        model = type(obj)
        note_read(model, (obj.id,))
        for related in getattr(obj, getattr(model, "__audit_reads_through__", ""), None) or ():
            note_read(type(related), (related.id,))


@contextmanager
def not_shown():
    """Records loaded inside are worked with, not shown (a cohort rule's candidates, the slots of
    items a member may not see): nothing is noted. The session keeps them loaded, so the caller
    notes what it does show (``note_shown``) as a later load of them records nothing."""
    if not has_request_context():
        yield
        return
    g.setdefault(_PAUSED, 0)
    setattr(g, _PAUSED, getattr(g, _PAUSED) + 1)
    try:
        yield
    finally:
        setattr(g, _PAUSED, getattr(g, _PAUSED) - 1)


def discard_reads() -> None:
    """A response that failed or moved on (not a 2xx) showed nothing."""
    g.pop(_NOTED, None)


def flush_reads(where: str = "") -> None:
    """Record what the response showed as one ``read`` event (called by the web shell for a
    2xx response, before its commit). One record: the event names it, as a record's own read
    always has; several: ``changes["ids"]`` lists them by model and the summary counts them."""
    noted = {m: ids for m, ids in g.pop(_NOTED, {}).items() if ids}
    if not noted:
        return
    ids = {m.__name__: sorted(v) for m, v in sorted(noted.items(), key=lambda kv: kv[0].__name__)}
    where = quote(where[:300], safe="/?=&%:+-_.~")  # the address as sent, no bracket or comma of its own
    changes = {"ids": ids, "page": where}
    entity_type = next(iter(ids)) if len(ids) == 1 else None
    if len(noted) == 1 and len(next(iter(noted.values()))) == 1:
        model, (ident,) = next(iter(noted.items()))
        obj = db.session.get(model, ident)
        record("read", entity_type=entity_type, entity_id=ident,
               summary=_describe(obj) if obj is not None else f"{model.__name__} {ident}", changes=changes)
        return
    counted = ", ".join(f"{len(v)} {_plural(m)}" for m, v in noted.items())
    record("read", entity_type=entity_type, summary=f"Read {counted}: {where}", changes=changes)


def _plural(model) -> str:
    return getattr(model, "__audit_reads_plural__", f"{model.__name__} records")


@event.listens_for(Mapper, "load")
def _note_loaded(obj, context):
    """Every sensitive row loaded while answering a request is taken as shown by it: a page that
    loads a child to name it needs no audit code, whichever query loaded it."""
    if getattr(type(obj), "__audit_reads__", False):
        note_read(type(obj), (obj.id,))


@event.listens_for(Mapper, "refresh")
def _note_refreshed(obj, context, attrs):
    if getattr(type(obj), "__audit_reads__", False):
        note_read(type(obj), (obj.id,))


def _describe(obj) -> str:
    describe = getattr(obj, "audit_label", None)
    if describe is not None:
        return describe() if callable(describe) else str(describe)
    return f"{type(obj).__name__} {getattr(obj, 'id', '')}".strip()


def _excluded(obj) -> set[str]:
    return set(getattr(obj, "__audit_exclude__", ())) | {"updated_at", "created_at"}


def _redacted(obj) -> set[str]:
    return set(getattr(obj, "__audit_redact__", ())) | {"password_hash"}


def _snapshot(obj) -> dict:
    mapper = inspect(obj).mapper
    skip, redact = _excluded(obj), _redacted(obj)
    out = {}
    for attr in mapper.column_attrs:
        if attr.key in skip:
            continue
        out[attr.key] = REDACTED if attr.key in redact else _plain(getattr(obj, attr.key))
    return out


def _diff(obj) -> dict:
    state = inspect(obj)
    skip, redact = _excluded(obj), _redacted(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        if attr.key in skip:
            continue
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before == after:
            continue
        if attr.key in redact:
            changes[attr.key] = {"before": REDACTED, "after": REDACTED}
        else:
            changes[attr.key] = {"before": _plain(before), "after": _plain(after)}
    return changes


@event.listens_for(Session, "after_flush")
def _audit_flush(session, flush_context):
    rows = []
    for obj in session.new:
        if getattr(obj, "__audit__", False):
            rows.append(_row("create", tenant_id=getattr(obj, "tenant_id", None), entity_type=type(obj).__name__,
                             entity_id=obj.id, summary=_describe(obj), changes={"after": _snapshot(obj)}))
    for obj in session.dirty:
        if getattr(obj, "__audit__", False) and session.is_modified(obj, include_collections=False):
            changes = _diff(obj)
            if changes:
                rows.append(_row("update", tenant_id=getattr(obj, "tenant_id", None),
                                 entity_type=type(obj).__name__, entity_id=obj.id, summary=_describe(obj),
                                 changes=changes))
    for obj in session.deleted:
        if getattr(obj, "__audit__", False):
            rows.append(_row("delete", tenant_id=getattr(obj, "tenant_id", None), entity_type=type(obj).__name__,
                             entity_id=obj.id, summary=_describe(obj), changes={"before": _snapshot(obj)}))
    if rows:
        session.connection().execute(insert(AuditEvent.__table__), rows)


def events_query(*, action=None, entity_type=None, entity_id=None, actor_id=None, since=None, until=None):
    """The tenant's audit events, newest first, filtered as the admin asked."""
    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        stmt = stmt.where(_names_record(str(entity_id)))
    if actor_id:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if since:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(since, datetime.min.time()).astimezone())
    if until:
        stmt = stmt.where(AuditEvent.at < datetime.combine(until, datetime.max.time()).astimezone())
    return stmt


def _names_record(ident: str):
    """The event is about record ``ident``, or is a read whose list of ids holds it (the ids are
    stored as JSON text, ``[3, 17, 20]``; the page beside them is percent-encoded, so no bracket,
    comma or space of it can match)."""
    if not ident.isdigit():
        return AuditEvent.entity_id == ident
    listed = cast(AuditEvent.changes, Text)
    return or_(AuditEvent.entity_id == ident,
               and_(AuditEvent.action == "read", AuditEvent.entity_id.is_(None),
                    or_(*(listed.like(f"%{pattern}%") for pattern in
                          (f"[{ident}]", f"[{ident},", f" {ident},", f" {ident}]")))))


CSV_COLUMNS = ("at", "actor_label", "ip", "action", "entity_type", "entity_id", "summary", "changes")


def events_as_csv(events) -> str:
    import json

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for e in events:
        writer.writerow([e.at.isoformat(), e.actor_label, e.ip or "", e.action, e.entity_type or "",
                         e.entity_id or "", e.summary, json.dumps(e.changes, sort_keys=True) if e.changes else ""])
    return buffer.getvalue()
