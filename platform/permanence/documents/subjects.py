"""What papers can belong to, and who may read them: one registry, one object rule.

A feature registers each kind of subject once with ``register_subject``; the object rule for
``Document`` (through ``accounts.permissions``) composes the subjects' criteria, so a paper is
visible exactly when its subject row satisfies its type's criterion for the member. A document
whose subject type is not registered is visible to nobody (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from sqlalchemy import and_, false, or_, select

from ..accounts.permissions import grant_visibility, register_policy
from ..accounts.roles import ROLES
from .models import Document


@dataclass(frozen=True)
class Subject:
    type: str
    model: Any
    criterion: Callable  # criterion(membership) -> SQL clause over ``model``, or None for every row
    paperwork: Callable[[Any], Sequence] | None = None  # the ToR paperwork items offered for a subject
    page: Callable[[Any], str] | None = None  # URL of the subject's page (uploads return there)
    label: Callable[[Any], str] | None = None  # how a person would name the subject


_subjects: dict[str, Subject] = {}


def register_subject(subject_type: str, model, criterion, *, paperwork=None, page=None, label=None) -> None:
    """Let papers be attached to rows of ``model`` under the name ``subject_type``.

    ``criterion(membership)`` returns an SQL clause over ``model`` selecting the rows whose papers
    the member may read, or None for all of them. Optional: ``paperwork(subject)`` lists the ToR
    paperwork items (objects with ``id``, ``label``, ``required``) to offer on the subject's page,
    ``page(subject)`` its URL, ``label(subject)`` its name in headings.
    """
    if not subject_type or len(subject_type) > 40:
        raise ValueError(f"subject type {subject_type!r} must be 1 to 40 characters")
    _subjects[subject_type] = Subject(subject_type, model, criterion, paperwork, page, label)


def subject(subject_type: str) -> Subject | None:
    return _subjects.get(subject_type)


_on_new_version: dict[str, list[Callable]] = {}


def on_new_version(subject_type: str):
    """Decorator: ``fn(version)`` is called by ``services.attach`` after each new version of a paper
    of ``subject_type`` is stored, in the same transaction (the agenda rebuilds the papers packs it
    is in). A feature above registers it; the documents package never names the feature."""

    def decorator(fn):
        _on_new_version.setdefault(subject_type, []).append(fn)
        return fn

    return decorator


def new_version_listeners(subject_type: str) -> list[Callable]:
    return list(_on_new_version.get(subject_type, ()))


def readable_documents(membership):
    """SQL clause over ``Document``: the papers whose subject the member is entitled to."""
    clauses = []
    for registered in _subjects.values():
        rows = select(registered.model.id)
        criterion = registered.criterion(membership)
        if criterion is not None:
            rows = rows.where(criterion)
        clauses.append(and_(Document.subject_type == registered.type, Document.subject_id.in_(rows)))
    return or_(*clauses) if clauses else false()


register_policy(Document)


def _for_one_role(role):
    # The rule depends on the member, not on which of their roles asks: the policy ORs every role's
    # clause, so only the member's first role contributes it (the others give None, which is skipped).
    def criterion(membership):
        return readable_documents(membership) if role == min(membership.roles) else None

    return criterion


for _role in ROLES:
    grant_visibility(Document, _role)(_for_one_role(_role))
