"""Each person's choice, per kind of notice, between an e-mail straight away and the daily digest.

Stored per council (``NotificationPreference``: no row is straight away). Who an address belongs to
is the accounts package's to say (it sits above this one): it hands its answer in with
``find_people_with`` at start-up, as ``tenancy`` hands ``core.schedule`` the open councils.
Nobody sets another person's choices: the page passes the signed-in person's own id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import select

from ..core.context import current_tenant_id
from ..extensions import db
from . import kinds
from .models import NotificationPreference

_person_of: Callable[[str], int | None] = lambda address: None  # noqa: E731  (set by accounts.init_app)


def find_people_with(lookup: Callable[[str], int | None]) -> None:
    """``lookup(address)`` -> the id of the person with that e-mail address, or None."""
    global _person_of
    _person_of = lookup


class PreferenceError(ValueError):
    """A choice that cannot be saved, with the field (the kind) it is about, for the page."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def held_for_digest(to_address: str, kind_id: str) -> bool:
    """Whether a notice of this kind to this address waits for the person's daily digest."""
    if kinds.kind(kind_id).always_immediate or current_tenant_id() is None:
        return False
    choosers = set(db.session.execute(select(NotificationPreference.user_id).where(
        NotificationPreference.kind == kind_id, NotificationPreference.mode == kinds.DIGEST_MODE)).scalars())
    return bool(choosers) and _person_of(to_address) in choosers


def preferences_of(user_id: int) -> dict[str, str]:
    """The person's choice for every kind on the page (the always-immediate ones: immediate)."""
    saved = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.mode).where(
        NotificationPreference.user_id == user_id)).all())
    return {k.id: kinds.IMMEDIATE if k.always_immediate else saved.get(k.id, kinds.IMMEDIATE)
            for k in kinds.choosable()}


def check_choices(choices: Mapping[str, str]) -> dict[str, str]:
    """The choices a form sent, checked: every kind a person may choose needs one of the two modes;
    a kind that does not exist, or one always sent straight away, cannot be set. Raises
    ``PreferenceError`` on the first problem found, naming the kind."""
    for kind_id, mode in choices.items():
        known = kinds.KINDS.get(kind_id)
        if known is None or not known.choosable:
            raise PreferenceError(kind_id, f"There is no kind of notice called '{kind_id[:40]}'. Choose from the list.")
        if known.always_immediate and mode != kinds.IMMEDIATE:
            raise PreferenceError(kind_id, f"Notices of '{known.label}' are always sent straight away; they "
                                           "cannot wait for the daily digest.")
        if mode not in kinds.MODES:
            raise PreferenceError(kind_id, f"Choose straight away or the daily digest for {known.label.lower()}.")
    cleaned = {}
    for known in kinds.choosable():
        if known.always_immediate:
            continue
        if known.id not in choices:
            raise PreferenceError(known.id, f"Choose straight away or the daily digest for {known.label.lower()}.")
        cleaned[known.id] = choices[known.id]
    return cleaned


def save_preferences(user_id: int, choices: Mapping[str, str]) -> list[str]:
    """Save the person's own choices (checked by ``check_choices``); returns the kinds changed."""
    cleaned = check_choices(choices)
    rows = {row.kind: row for row in db.session.execute(select(NotificationPreference).where(
        NotificationPreference.user_id == user_id)).scalars()}
    changed = []
    for kind_id, mode in cleaned.items():
        row = rows.get(kind_id)
        if row is None:
            if mode == kinds.IMMEDIATE:
                continue  # no row is straight away
            db.session.add(NotificationPreference(user_id=user_id, kind=kind_id, mode=mode))
            changed.append(kind_id)
        elif row.mode != mode:
            row.mode = mode
            changed.append(kind_id)
    db.session.flush()
    return changed
