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

from ..accounts.roles import ADD_SITTINGS, ARRANGE_TRACKING, ASK_REVIEW, CONVENE_TRACKING, DECIDE, ROLE_PERMISSIONS

REQUEST = "requests.create"  # the platform permission a request needs
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
    yield from _duplicates(tor.memberships, ("memberships",), "shared membership")
    yield from _duplicates([t for t in tor.timescales if t.origin == "tenant"], ("timescales",), "timescale")
    yield from _duplicates(tor.escalation_ladders, ("escalation_ladders",), "escalation ladder")
    yield from _duplicates(tor.reporting, ("reporting",), "reporting duty")
    yield from _duplicates(tor.practice_themes, ("practice_themes",), "practice theme")
    body_ids = [b.id for b in tor.bodies]
    for i, duty in enumerate(tor.reporting):
        for j, body_id in enumerate(duty.bodies):
            if body_id not in body_ids:
                yield (("reporting", i, "bodies", j),
                       f"reporting duty {duty.id!r} reports on unknown body {body_id!r}; bodies: {', '.join(body_ids)}")
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
        yield from _membership(tor, body, path)
        yield from _cadence(body, path)
        yield from _follows(tor, body, path)
        yield from _extra_sittings(tor, body, path)
        yield from _convened_by(tor, body, path)
        yield from _meeting_days(tor, body, path)
        yield from _parts(body, path)
        yield from _requests(tor, body, path)
        yield from _referral(tor, body, path)
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
        yield from _between_sittings(tor, body, path)
        yield from _decision_review(tor, body, path)
        if body.escalation is not None and body.escalation not in ladder_ids:
            yield (path + ("escalation",), f"unknown escalation ladder {body.escalation!r}; "
                                           f"ladders: {', '.join(ladder_ids) or 'none defined'}")


def _able(tor: TermsOfReference, named, path: tuple, permission: str, doing: str) -> Iterator[Problem]:
    """Each ``(where, role_id)`` of ``named`` must map to an access role the platform lets do ``permission``."""
    able = [r for r, granted in ROLE_PERMISSIONS.items() if permission in granted]
    for where, role_id in named:
        role = tor.roles.get(role_id)
        if role is not None and role.access_role not in able:
            yield (path + where, f"role {role_id!r} (access role {role.access_role}) cannot {doing} in the platform; "
                                 f"name a role whose access role is one of: {', '.join(able)}")


def _between_sittings(tor: TermsOfReference, body: Body, path: tuple) -> Iterator[Problem]:
    rule = body.decisions_between_sittings
    if rule is None:
        return
    here = path + ("decisions_between_sittings",)
    if not body.outcomes:
        yield here, f"decisions between sittings need the body's outcomes; {body.id!r} lists none"
    outcome_ids = [o.id for o in body.outcomes]
    for i, outcome_id in enumerate(rule.outcomes):
        if body.outcomes and outcome_id not in outcome_ids:
            yield (here + ("outcomes", i),
                   f"unknown outcome {outcome_id!r}; outcomes of {body.id}: {', '.join(outcome_ids)}")
    yield from _able(tor, [(("by", i), r) for i, r in enumerate(rule.by)], here, DECIDE, "decide between sittings")


def _decision_review(tor: TermsOfReference, body: Body, path: tuple) -> Iterator[Problem]:
    review = body.decision_review
    if review is None:
        return
    here = path + ("decision_review",)
    if review.within.amount < 1:
        yield here + ("within",), "a review must be open for at least one day; give a number of 1 or more"
    if review.within.direction != "after":
        yield here + ("within", "direction"), "a review is asked for after the decision; set direction: after"
    yield from _able(tor, [(("who_may_ask", i), r) for i, r in enumerate(review.who_may_ask)], here, ASK_REVIEW,
                     "ask for a review")
    yield from _able(tor, [(("decided_by",), review.decided_by)], here, DECIDE, "decide a review")


def _membership(tor: TermsOfReference, body: Body, path: tuple) -> Iterator[Problem]:
    m = body.membership
    shared_ids = [s.id for s in tor.memberships]
    if m.shared and m.shared not in shared_ids:
        yield (path + ("membership", "use"), f"unknown shared membership {m.shared!r}; memberships: "
                                             f"{', '.join(shared_ids) or 'none defined (add them under memberships)'}")
        return
    if m.shared:
        # A seat or quorum of the shared membership is fixed where it is written: under memberships.
        base = tor.memberships[shared_ids.index(m.shared)].membership
        home = ("memberships", shared_ids.index(m.shared))
    else:
        base, home = m, path + ("membership",)

    def seat_path(group: str, si: int) -> tuple:
        own = len(getattr(base, group)) if m.shared else 0
        if m.shared and si >= own:
            return path + ("membership", group, si - own)
        return home + (group, si)

    part_ids = [p.id for p in body.agenda_parts]
    for group in ("chairs", "vice_chairs", "members"):
        for si, seat in enumerate(getattr(m, group)):
            for pi, part in enumerate(seat.not_required_for_parts):
                if part not in part_ids:
                    yield (seat_path(group, si) + ("not_required_for_parts", pi),
                           f"unknown agenda part {part!r}; parts of {body.id}: {', '.join(part_ids) or 'none'}")
    used_by = f" (as {body.id} uses it)" if m.shared else ""
    if m.quorum.minimum > len(m.seats):
        yield (home + ("quorum", "minimum"),
               f"quorum of {m.quorum.minimum} is more than the {len(m.seats)} seats listed{used_by}")
        return
    # Quorum is judged per agenda part, over the seats that sit for it: a part must be able to meet it.
    for part in body.agenda_parts:
        sitting = m.seats_for(part.id)
        if len(sitting) < m.quorum.minimum:
            yield (home + ("quorum", "minimum"),
                   f"agenda part {part.id!r}{' of ' + body.id if m.shared else ''} could never be quorate: only "
                   f"{len(sitting)} seats sit for it (the others are not_required_for_parts) and the quorum is "
                   f"{m.quorum.minimum}")
        for ri, required in enumerate(m.quorum.required_roles):
            if any(m.fills(s.role, required) for s in m.seats) and not any(m.fills(s.role, required) for s in sitting):
                yield (home + ("quorum", "required_roles", ri),
                       f"agenda part {part.id!r}{' of ' + body.id if m.shared else ''} could never be quorate: "
                       f"no {required} seat sits for it (not_required_for_parts)")


def _follows(tor: TermsOfReference, body: Body, path: tuple) -> Iterator[Problem]:
    """A body sitting in step with another: the other must be a panel with sittings, and following
    must not go round in a circle (A after B after A has no first sitting)."""
    follows = body.cadence.follows if body.cadence is not None else None
    if follows is None:
        return
    where = path + ("cadence", "follows", "body")
    by_id = {b.id: b for b in tor.bodies}
    leader = by_id.get(follows.body)
    if body.kind != "panel":
        yield path + ("cadence", "follows"), "only a panel's cadence can follow another body's sittings"
    elif follows.body == body.id:
        yield where, f"{body.id} cannot follow its own sittings; name another panel"
    elif leader is None:
        yield where, f"unknown body {follows.body!r}; bodies: {', '.join(by_id)}"
    elif leader.kind != "panel" or leader.cadence is None:
        yield where, (f"{follows.body!r} is a {leader.kind.replace('_', ' ')} held for each child, with no sittings "
                      "of its own to follow; name a panel")
    else:
        chain, current = [body.id], leader
        while current is not None and current.cadence is not None and current.cadence.follows is not None:
            chain.append(current.id)
            if current.cadence.follows.body in chain:
                circle = chain[chain.index(current.cadence.follows.body):] + [current.cadence.follows.body]
                yield where, ("the bodies follow each other in a circle (" + " follows ".join(circle)
                              + "), so none of them has a first sitting; give one of them a cadence of its own")
                return
            current = by_id.get(current.cadence.follows.body)


def _extra_sittings(tor: TermsOfReference, body: Body, path: tuple) -> Iterator[Problem]:
    """Who may add sittings: roles the platform lets add one."""
    if body.cadence is None:
        return
    adders = [r for r, granted in ROLE_PERMISSIONS.items() if ADD_SITTINGS in granted]
    for i, role_id in enumerate(body.cadence.extra_sittings_by):
        role = tor.roles.get(role_id)
        if role is not None and role.access_role not in adders:
            yield (path + ("cadence", "extra_sittings_by", i),
                   f"role {role_id!r} (access role {role.access_role}) cannot add sittings in the platform; name "
                   f"a role whose access role is one of: {', '.join(adders)}")


def _cadence(body: Body, path: tuple) -> Iterator[Problem]:
    if body.kind == "panel" and body.cadence is None:
        yield path + ("cadence",), "a panel needs a cadence (when it sits)"
    if body.kind == "tracking_meeting" and not body.per_child_cadence and not body.convened_by:
        yield (path + ("per_child_cadence",),
               "a tracking meeting needs per_child_cadence (when it is due for each child) or convened_by "
               "(who convenes it for one child when needed), or both")
    if body.kind == "tracking_meeting" and not body.agenda_parts:
        yield (path + ("agenda_parts",),
               "a tracking meeting needs an agenda part: each child's item is booked in the first, and its "
               "headings are the meeting's agenda")
    if body.kind != "tracking_meeting" and body.per_child_cadence:
        yield path + ("per_child_cadence",), "per_child_cadence is for a tracking meeting; a panel sits on its cadence"
    yield from _duplicates(body.per_child_cadence, path + ("per_child_cadence",), "cadence")


def _convened_by(tor: TermsOfReference, body: Body, path: tuple) -> Iterator[Problem]:
    """A meeting convened for one child when needed is a tracking meeting, convened by roles the
    platform lets convene one."""
    if not body.convened_by:
        return
    if body.kind != "tracking_meeting":
        yield (path + ("convened_by",), "convened_by is for a tracking meeting (held for one child); a panel "
                                        "sits on its cadence")
        return
    conveners = [r for r, granted in ROLE_PERMISSIONS.items() if CONVENE_TRACKING in granted]
    for i, role_id in enumerate(body.convened_by):
        role = tor.roles.get(role_id)
        if role is not None and role.access_role not in conveners:
            yield (path + ("convened_by", i),
                   f"role {role_id!r} (access role {role.access_role}) cannot convene meetings in the platform; "
                   f"name a role whose access role is one of: {', '.join(conveners)}")
    for i, role_id in enumerate(body.convened_by):
        if role_id in body.convened_by[:i]:
            yield path + ("convened_by", i), f"role {role_id!r} is named more than once"


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
        if "cohort_rule" in part.entry_routes and part.cohort is None and not part.takes_requests:
            yield part_path + ("entry_routes",), "entry route 'cohort_rule' needs a cohort rule on the part"
        yield from _duplicates(body.paperwork + part.paperwork, part_path + ("paperwork",), "paperwork")
        yield from _duplicates(part.referral_form, part_path + ("referral_form",), "form field")
        for fi, form_field in enumerate(part.referral_form):
            if form_field.type in ("choice", "choices") and not form_field.options:
                yield part_path + ("referral_form", fi, "options"), "a choice field needs options"


def _requests(tor: TermsOfReference, body: Body, path: tuple) -> Iterator[Problem]:
    """A requests part (``items: requests``) decides requests, not children's cases: no cohort and no
    child's entry route; it says what a request asks and who may ask. A children part takes none of
    the request keys (they would be shown and do nothing). A part's outcomes are the body's."""
    outcome_ids = [o.id for o in body.outcomes]
    arrangers = [r for r, granted in ROLE_PERMISSIONS.items() if REQUEST in granted]
    for pi, part in enumerate(body.agenda_parts):
        part_path = path + ("agenda_parts", pi)
        for oi, outcome_id in enumerate(part.outcomes):
            if outcome_id not in outcome_ids:
                yield (part_path + ("outcomes", oi),
                       f"unknown outcome {outcome_id!r}; outcomes of {body.id}: {', '.join(outcome_ids) or 'none'}")
        if not part.takes_requests:
            for key in ("request_form", "who_may_request"):
                if tor.given(part_path + (key,)):
                    yield (part_path + (key,), f"{key} is for a part whose items are requests; add items: requests "
                                               "to the part, or leave it out")
            for ri, route in enumerate(part.entry_routes):
                if route == "request":
                    yield (part_path + ("entry_routes", ri),
                           "entry route 'request' is for a part whose items are requests (items: requests)")
            continue
        if body.kind != "panel":
            yield (part_path + ("items",), "a tracking meeting is held for one child: its items are the child's; "
                                           "requests are decided at a panel's sittings")
        if tor.given(part_path + ("cohort",)):
            yield (part_path + ("cohort",), "requests are not children: a part whose items are requests has no "
                                            "cohort; leave it out")
        for ri, route in enumerate(part.entry_routes):
            if route != "request":
                yield (part_path + ("entry_routes", ri),
                       f"requests are not children: entry route {route!r} is for children's cases; a part whose "
                       "items are requests takes them by request (leave entry_routes out)")
        if tor.given(part_path + ("referral_form",)):
            yield (part_path + ("referral_form",), "a part whose items are requests asks its questions in "
                                                   "request_form, not referral_form")
        if not part.request_form:
            yield (part_path + ("items",), "say what a request asks: give request_form (for example what is asked "
                                           "for and the amount)")
        yield from _duplicates(part.request_form, part_path + ("request_form",), "form field")
        for fi, form_field in enumerate(part.request_form):
            if form_field.type in ("choice", "choices") and not form_field.options:
                yield part_path + ("request_form", fi, "options"), "a choice field needs options"
            if form_field.type == "file":
                yield (part_path + ("request_form", fi, "type"),
                       "a request cannot carry a file field; papers are uploaded to the item once it is made")
        for ri, role_id in enumerate(part.who_may_request):
            role = tor.roles.get(role_id)
            if role is not None and role.access_role not in arrangers:
                yield (part_path + ("who_may_request", ri),
                       f"role {role_id!r} (access role {role.access_role}) cannot make requests in the platform; "
                       f"name a role whose access role is one of: {', '.join(arrangers)}")


def _referral(tor: TermsOfReference, body: Body, path: tuple) -> Iterator[Problem]:
    referral = body.referral
    if not any("referral" in part.entry_routes for part in body.agenda_parts):
        # Who may refer, and to whom, would be shown and do nothing: the page would contradict the agenda.
        for key in ("who_may_refer", "submit_to"):
            if tor.given(path + ("referral", key)):
                yield (path + ("referral", key),
                       f"{key} is given, but no agenda part of {body.id!r} takes referrals; add referral to a "
                       "part's entry_routes, or leave it out")
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
