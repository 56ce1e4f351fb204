"""Cross-reference checks that need the whole terms of reference at once.

The schemas check each value on its own; these checks make sure the pieces
fit together: every agenda part, body and ladder referred to is defined, ids
are unique, each kind of body has what it needs and deadlines point the right
way. (Roles are checked while loading, against the core roles plus the
tenant's own.) Each check yields ``(path, message)`` so the
loader can attach the line number.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Iterator

from ..accounts.roles import ARRANGE_TRACKING, ROLE_PERMISSIONS
from .model import Body, TermsOfReference
from .timescales import STATUTORY_TIMESCALES
from .tracker import tracker_errors

Problem = tuple[tuple, str]
SIGN_OFF = "meetings.sign_off"
BEFORE_KINDS = ("referrals", "papers", "agenda_circulation", "added_items")
AFTER_KINDS = ("minutes", "record")


def cross_reference_errors(tor: TermsOfReference) -> list[Problem]:
    """Every cross-reference problem in ``tor``, in document order."""
    return [*_tenant_roles(tor), *_unique_top_level(tor), *_bodies(tor), *tracker_errors(tor)]


def _duplicates(items: Iterable, path: tuple, what: str, key=lambda x: x.id) -> Iterator[Problem]:
    items = list(items)
    counts = Counter(key(x) for x in items)
    seen = set()
    for i, item in enumerate(items):
        k = key(item)
        if counts[k] > 1 and k in seen:
            yield path + (i, "id") if what != "plugin" else path + (i,), f"{what} id {k!r} is used more than once"
        seen.add(k)


def _tenant_roles(tor: TermsOfReference) -> Iterator[Problem]:
    ids = list(tor.tenant_roles)
    yield from _duplicates(ids, ("roles",), "role", key=lambda x: x)


def _unique_top_level(tor: TermsOfReference) -> Iterator[Problem]:
    yield from _duplicates(tor.bodies, ("bodies",), "body")
    yield from _duplicates([t for t in tor.timescales if t.origin == "tenant"], ("timescales",), "timescale")
    yield from _duplicates(tor.escalation_ladders, ("escalation_ladders",), "escalation ladder")
    yield from _duplicates(tor.reporting, ("reporting",), "reporting duty")
    yield from _duplicates(tor.sections, ("sections",), "section")
    yield from _duplicates(tor.plugins.enabled, ("plugins", "enabled"), "plugin", key=lambda x: x)
    statutory_ids = [t.id for t in STATUTORY_TIMESCALES]
    for i, rule_id in enumerate(tor.statutory_timescales.disable):
        if rule_id not in statutory_ids:
            yield (("statutory_timescales", "disable", i),
                   f"unknown statutory timescale {rule_id!r}; statutory timescales: {', '.join(statutory_ids)}")


def _bodies(tor: TermsOfReference) -> Iterator[Problem]:
    body_ids = [b.id for b in tor.bodies]
    signers = [r for r, granted in ROLE_PERMISSIONS.items() if SIGN_OFF in granted]
    ladder_ids = [ladder.id for ladder in tor.escalation_ladders]
    for bi, body in enumerate(tor.bodies):
        path = ("bodies", bi)
        yield from _membership(body, path)
        yield from _cadence(body, path)
        yield from _meeting_days(tor, body, path)
        yield from _parts(body, path)
        yield from _referral(body, path)
        yield from _deadlines(body, path)
        yield from _duplicates(body.outcomes, path + ("outcomes",), "outcome")
        dates = [(oi, di, d) for oi, o in enumerate(body.outcomes) for di, d in enumerate(o.sets_dates)]
        seen_dates: dict[str, tuple] = {}
        for oi, di, agreed in dates:
            if agreed.id in seen_dates and seen_dates[agreed.id][1] != agreed.label:
                yield (path + ("outcomes", oi, "sets_dates", di, "id"),
                       f"date id {agreed.id!r} is already set by outcome {seen_dates[agreed.id][0]!r} with the label "
                       f"{seen_dates[agreed.id][1]!r}: one date id is one milestone of the child, so give it the "
                       "same label or a new id")
            seen_dates.setdefault(agreed.id, (body.outcomes[oi].id, agreed.label))
        for oi, outcome in enumerate(body.outcomes):
            yield from _duplicates(outcome.sets_dates, path + ("outcomes", oi, "sets_dates"), "date")
            signer = tor.roles.get(outcome.requires_sign_off_by) if outcome.requires_sign_off_by else None
            if signer is not None and signer.access_role not in signers:
                yield (path + ("outcomes", oi, "requires_sign_off_by"),
                       f"role {outcome.requires_sign_off_by!r} (access role {signer.access_role}) cannot agree a "
                       "recommendation in the platform, so the outcome would wait for ever; name a role whose "
                       f"access role is one of: {', '.join(signers)} (under 'roles' a council may give a role "
                       "another, e.g. {id: agency-adviser, label: Agency adviser, access_role: senior_manager})")
            seated = {s.role for s in body.membership.seats} if body.membership is not None else set()
            for ri, role in enumerate(outcome.only_when.present if outcome.only_when else ()):
                if role not in seated:
                    yield (path + ("outcomes", oi, "only_when", "present", ri),
                           f"no seat of the {body.id} has the role {role!r}, so nobody could be recorded present in "
                           f"it; seats' roles: {', '.join(sorted(seated)) or 'none'}")
            if outcome.refers_to_body is not None and outcome.refers_to_body not in body_ids:
                yield (path + ("outcomes", oi, "refers_to_body"),
                       f"unknown body {outcome.refers_to_body!r}; bodies: {', '.join(body_ids)}")
        if body.escalation is not None and body.escalation not in ladder_ids:
            yield (path + ("escalation",), f"unknown escalation ladder {body.escalation!r}; "
                                           f"ladders: {', '.join(ladder_ids) or 'none defined'}")


def _membership(body: Body, path: tuple) -> Iterator[Problem]:
    m = body.membership
    part_ids = [p.id for p in body.agenda_parts]
    for group in ("chairs", "vice_chairs", "members"):
        for si, seat in enumerate(getattr(m, group)):
            for pi, part in enumerate(seat.not_required_for_parts):
                if part not in part_ids:
                    yield (path + ("membership", group, si, "not_required_for_parts", pi),
                           f"unknown agenda part {part!r}; parts of {body.id}: {', '.join(part_ids) or 'none'}")
    if m.quorum.minimum > len(m.seats):
        yield (path + ("membership", "quorum", "minimum"),
               f"quorum of {m.quorum.minimum} is more than the {len(m.seats)} seats listed")
        return
    # Quorum is judged per agenda part, over the seats that sit for it: a part must be able to meet it.
    for part in body.agenda_parts:
        sitting = m.seats_for(part.id)
        if len(sitting) < m.quorum.minimum:
            yield (path + ("membership", "quorum", "minimum"),
                   f"agenda part {part.id!r} could never be quorate: only {len(sitting)} seats sit for it "
                   f"(the others are not_required_for_parts) and the quorum is {m.quorum.minimum}")
        for ri, required in enumerate(m.quorum.required_roles):
            if any(m.fills(s.role, required) for s in m.seats) and not any(m.fills(s.role, required) for s in sitting):
                yield (path + ("membership", "quorum", "required_roles", ri),
                       f"agenda part {part.id!r} could never be quorate: no {required} seat sits for it "
                       f"(not_required_for_parts)")


def _cadence(body: Body, path: tuple) -> Iterator[Problem]:
    if body.kind == "panel" and body.cadence is None:
        yield path + ("cadence",), "a panel needs a cadence (when it sits)"
    if body.kind == "tracking_meeting" and not body.per_child_cadence:
        yield path + ("per_child_cadence",), "a tracking meeting needs per_child_cadence (how often per child)"
    yield from _duplicates(body.per_child_cadence, path + ("per_child_cadence",), "cadence")


def _meeting_days(tor: TermsOfReference, body: Body, path: tuple) -> Iterator[Problem]:
    """Days agreed per team are for tracking meetings, by roles the platform lets arrange them."""
    days = body.meeting_days
    if days is None:
        return
    if body.kind != "tracking_meeting":
        yield path + ("meeting_days",), "meeting_days is for tracking meetings; a panel sits on its cadence"
        return
    arrangers = [r for r, granted in ROLE_PERMISSIONS.items() if ARRANGE_TRACKING in granted]
    named = [(("agreed_by",), days.agreed_by), *((("supported_by", i), r) for i, r in enumerate(days.supported_by))]
    for where, role_id in named:
        role = tor.roles.get(role_id)
        if role is not None and role.access_role not in arrangers:
            yield (path + ("meeting_days", *where),
                   f"role {role_id!r} (access role {role.access_role}) cannot arrange tracking meetings in the "
                   f"platform; name a role whose access role is one of: {', '.join(arrangers)}")


def _parts(body: Body, path: tuple) -> Iterator[Problem]:
    yield from _duplicates(body.agenda_parts, path + ("agenda_parts",), "agenda part")
    yield from _duplicates(body.paperwork, path + ("paperwork",), "paperwork")
    yield from _duplicates(body.referral_form, path + ("referral_form",), "form field")
    for pi, part in enumerate(body.agenda_parts):
        part_path = path + ("agenda_parts", pi)
        if "cohort_rule" in part.entry_routes and part.cohort is None:
            yield part_path + ("entry_routes",), "entry route 'cohort_rule' needs a cohort rule on the part"
        yield from _duplicates(body.paperwork + part.paperwork, part_path + ("paperwork",), "paperwork")
        yield from _duplicates(part.referral_form, part_path + ("referral_form",), "form field")
        for fi, form_field in enumerate(part.referral_form):
            if form_field.type in ("choice", "choices") and not form_field.options:
                yield part_path + ("referral_form", fi, "options"), "a choice field needs options"


def _referral(body: Body, path: tuple) -> Iterator[Problem]:
    referral = body.referral
    fallback = referral.quality_assurance_fallback
    if fallback is not None and referral.quality_assurance_by is None:
        yield (path + ("referral", "quality_assurance_fallback"),
               "a fallback for quality assurance needs quality_assurance_by (who quality-assures first)")
    elif fallback is not None and fallback == referral.quality_assurance_by:
        yield (path + ("referral", "quality_assurance_fallback"),
               f"the fallback must be another role than quality_assurance_by ({fallback!r})")


def _deadlines(body: Body, path: tuple) -> Iterator[Problem]:
    for i, deadline in enumerate(body.deadlines):
        direction = deadline.offset.direction
        if deadline.kind in BEFORE_KINDS and direction != "before":
            yield (path + ("deadlines", i, "offset", "direction"),
                   f"a {deadline.kind} deadline comes before the meeting; set direction: before")
        if deadline.kind in AFTER_KINDS and direction != "after":
            yield (path + ("deadlines", i, "offset", "direction"),
                   f"a {deadline.kind} deadline comes after the meeting; set direction: after")
