"""Plain English for the parts of a terms of reference that are stored as codes.

The rendered terms of reference must read like the council's own document, so
recurrences ("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"), offsets and policy codes are
turned into the sentences an officer would write. Pure Python, like the rest
of the engine.
"""

from __future__ import annotations

from datetime import date, datetime
import re

from ..core.workdays import Offset
from .model import Body, Cadence, ChildCadence, DeadlineRule, role_label
from .reminders import TIMED
from .rules import explain
from .schedule import DEADLINE_LABELS
from .vocabulary import EVENTS

_DAYS = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday",
         "SA": "Saturday", "SU": "Sunday"}
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
            10: "ten", 11: "eleven", 12: "twelve"}
_UNITS = {"working_days": ("working day", "working days"), "days": ("day", "days"), "weeks": ("week", "weeks"),
          "months": ("month", "months")}
BANK_HOLIDAY_POLICIES = {
    "skip": "A sitting that falls on a bank holiday does not take place.",
    "next_working_day": "A sitting that falls on a bank holiday moves to the next working day.",
    "previous_working_day": "A sitting that falls on a bank holiday moves to the previous working day.",
}
LATE_POLICIES = {
    "refuse": "Late referrals are not accepted.",
    "accept_flagged_late": "Late referrals are accepted and marked as late.",
    "chair_discretion": "Late referrals are at the chair's discretion.",
}
ENTRY_ROUTES = {
    "referral": "referral by the child's social worker or team manager",
    "cohort_rule": "proposed automatically for every child who meets the rule",
    "agreed_at_previous_meeting": "agreed at a previous meeting to come back",
    "raised_by_member": "raised by a panel member",
    "request": "a request made through the platform",
}
VENUES = {"online": "Online", "in_person": "In person", "hybrid": "Hybrid (in person and online)"}
FREQUENCIES = {"monthly": "Monthly", "quarterly": "Quarterly", "six_monthly": "Every six months",
               "annual": "Annually", "ad_hoc": "When asked"}


def number_words(n: int) -> str:
    return _NUMBERS.get(n, str(n))


def offset_words(offset: Offset, event: str | None = "the meeting") -> str:
    """"five working days before the meeting", "within 3 months", "on the day of the meeting"."""
    singular, plural = _UNITS[offset.unit]
    if offset.amount == 0:
        return f"on the day of {event}" if event else "the same day"
    amount = f"{number_words(offset.amount)} {singular if offset.amount == 1 else plural}"
    if event is None:
        return amount
    return f"{amount} {offset.direction} {event}"


def deadline_words(rule: DeadlineRule) -> str:
    text = offset_words(rule.offset)
    if rule.time is not None:
        text += f", by {rule.time.strftime('%H:%M')}"
    return text[0].upper() + text[1:]


def _byday(value: str) -> list[tuple[int | None, str]]:
    out = []
    for item in value.split(","):
        match = re.fullmatch(r"([+-]?\d+)?([A-Z]{2})", item.strip())
        if match:
            out.append((int(match.group(1)) if match.group(1) else None, _DAYS.get(match.group(2), match.group(2))))
    return out


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def cadence_words(cadence: Cadence) -> str:
    """"Every two weeks on Wednesday, 14:00 to 17:00" from the cadence's RFC 5545 rule; "Straight after
    each sitting of the Adoption Panel, for 45 minutes" for one that follows another body; "At least
    ..." when the cadence is a minimum."""
    text = _following_words(cadence) if cadence.follows is not None else _rule_words(cadence)
    if cadence.at_least:
        text = "At least " + text[0].lower() + text[1:]
    return text


def extra_sittings_words(cadence: Cadence, tor) -> str:
    """"the Chair and the Panel Administrator may add sittings", or "" when the cadence is fixed."""
    if not cadence.at_least:
        return ""
    if not cadence.extra_sittings_by:
        return "more sittings may be added when needed"
    names = [f"the {role_label(tor, r)}" for r in cadence.extra_sittings_by]
    return f"{_join(names)} may add sittings"


def _time_words(cadence: Cadence) -> str:
    if cadence.start_time is None:
        minutes = int(cadence.duration.total_seconds() // 60)
        hours, rest = divmod(minutes, 60)
        length = " and ".join(w for w in (f"{number_words(hours)} hour{'s' if hours != 1 else ''}" if hours else "",
                                          f"{rest} minute{'s' if rest != 1 else ''}" if rest else "") if w)
        return f"for {length}"
    end = cadence.end_time
    if end is None:
        end = (datetime.combine(date.min, cadence.start_time) + cadence.duration).time()
    return f"{cadence.start_time.strftime('%H:%M')} to {end.strftime('%H:%M')}"


def _following_words(cadence: Cadence) -> str:
    follows = cadence.follows
    other = f"each sitting of the {follows.leader.name}" if follows.leader is not None else \
        f"each sitting of {follows.body}"
    if cadence.start_time is None:
        gap = f"{number_words(follows.gap_minutes)} minutes after" if follows.gap_minutes else "Straight after"
        return f"{gap} {other} ends, {_time_words(cadence)}"
    if follows.next is not None:
        when = f"On the first {_DAYS[follows.next]} after {other}"
    elif follows.offset.amount == 0:
        when = f"On the day of {other}"
    else:
        when = offset_words(follows.offset, other)
        when = when[0].upper() + when[1:]
    return f"{when}, {_time_words(cadence)}"


def _rule_words(cadence: Cadence) -> str:
    parts = dict(p.split("=", 1) for p in cadence.rrule.split(";") if "=" in p)
    freq = parts.get("FREQ", "")
    interval = int(parts.get("INTERVAL", "1") or 1)
    days = _byday(parts.get("BYDAY", ""))
    unit = {"DAILY": ("day", "days"), "WEEKLY": ("week", "weeks"), "MONTHLY": ("month", "months"),
            "YEARLY": ("year", "years")}.get(freq, ("period", "periods"))
    every = f"Every {unit[0]}" if interval == 1 else f"Every {number_words(interval)} {unit[1]}"
    if freq == "WEEKLY" and interval == 1:
        every = "Weekly"
    if freq == "MONTHLY" and interval == 1:
        every = "Monthly"
    if days and all(n is not None for n, _ in days):
        when = "on the " + _join([f"{_ORDINALS.get(n, f'{n}th')} {day}" for n, day in days])
        if freq == "MONTHLY":
            when += " of the month"
    elif days:
        when = "on " + _join([day for _, day in days])
    elif parts.get("BYMONTHDAY"):
        when = "on day " + _join(parts["BYMONTHDAY"].split(",")) + " of the month"
    else:
        when = ""
    return f"{every} {when}, {_time_words(cadence)}".replace("  ", " ").replace(" ,", ",")

DEADLINE_KINDS = DEADLINE_LABELS
BODY_KINDS = {"panel": "Panel", "tracking_meeting": "Tracking meeting held for each child"}
TRIGGERS = {"milestone_overdue": "when a timescale is missed", "action_overdue": "when an action is overdue",
            "chair_decision": "when the chair decides"}
FIELD_TYPES = {"text": "Short text", "long_text": "Long text", "date": "Date", "number": "Number",
               "yes_no": "Yes or no", "choice": "One of a list", "choices": "Any of a list", "file": "Document",
               "person": "Person", "money": "An amount of money (£)"}
CIRCULATION_TO = {"members": "panel members", "presenters": "presenters", "invited_experts": "invited experts",
                  "partner_agencies": "partner agencies", "social_worker": "the social worker",
                  "team_manager": "the team manager"}


def join_words(words, glue: str = "and") -> str:
    words = [w for w in words if w]
    if not words:
        return ""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {glue} " + words[-1]


def event_words(name: str | None) -> str:
    """An event as the ToR would say it ("care proceedings were issued"), never its code."""
    return EVENTS.get(name or "", (name or "").replace("_", " "))


def _a(words: str) -> str:
    return ("an " if words[:1].lower() in "aeiou" else "a ") + words


def between_sittings_words(tor, body) -> str:
    """"Between sittings, the head of service or service manager may decide for one child when a decision
    cannot wait; the decision is reported to the next sitting."""
    rule = body.decisions_between_sittings
    who = join_words([role_in_sentence(tor, r) for r in rule.by], "or")
    text = f"Between sittings, the {who} may decide for one child when a decision cannot wait"
    if rule.outcomes:
        labels = {o.id: o.label for o in body.outcomes}
        text += ", reaching one of: " + join_words([f"“{labels.get(o, o)}”" for o in rule.outcomes], "or")
    if rule.reported_to_next_sitting:
        return text + "; the decision is reported to the next sitting."
    return text + "; the decision is recorded on the child's record and not reported to a sitting."


def decision_review_words(tor, body) -> str:
    """"A social worker or independent reviewing officer may ask for a decision to be reviewed within ten
    working days; the head of service decides."""
    review = body.decision_review
    who = join_words([role_in_sentence(tor, r) for r in review.who_may_ask], "or")
    text = (f"{sentence(_a(who))} may ask for a decision to be reviewed within {offset_words(review.within, None)}; "
            f"the {role_in_sentence(tor, review.decided_by)} decides")
    if review.may_refer:
        return text + " (upholding it, changing it or referring it to the next sitting)."
    return text + " (upholding or changing it)."


def takes_referrals(body) -> bool:
    """Whether any agenda part of ``body`` takes referrals (entry route ``referral``)."""
    return any("referral" in part.entry_routes for part in body.agenda_parts)


def request_part_words(tor, body, part) -> str:
    """A requests part in one sentence: "requests, not children's cases; asked by a social worker or
    team manager; the request asks: what is asked for, amount (£); decisions: agreed, agreed with
    conditions (the conditions written down), not agreed"."""
    askers = join_words([role_in_sentence(tor, r) for r in part.who_may_request], "or")
    asks = ", ".join(f.label[:1].lower() + f.label[1:] if f.label[1:2].islower() else f.label
                     for f in part.request_form)
    decisions = ", ".join((o.label[:1].lower() + o.label[1:] if o.label[1:2].islower() else o.label)
                          + (" (the conditions written down)" if o.needs_conditions else "")
                          for o in body.outcomes_for(part.id))
    text = f"requests, not children's cases; asked by {'an' if askers[:1] in 'aeiou' else 'a'} {askers}"
    text += f"; the request asks: {asks}" if asks else ""
    return text + (f"; decisions: {decisions}" if decisions else "")


def entry_route_words(tor, body, route: str) -> str:
    """How children reach a part, with the referrers the body names ("referral by the social worker
    or team manager"), so the part and the Referrals section say the same thing."""
    if route == "referral":
        referrers = [role_in_sentence(tor, r) for r in body.referral.who_may_refer]
        return "referral by the " + join_words(referrers, "or")
    return ENTRY_ROUTES[route]


def escalation_when(step) -> str:
    """"after ten working days" / "the same day", for a step of an escalation ladder."""
    if step.after.amount == 0:
        return "the same day"
    return "after " + offset_words(step.after, None)


REMINDER_KINDS = {
    "referral_deadline": ("Referral not yet submitted", "the referral deadline", "To the social worker and team "
                          "manager of a child whose referral is not submitted"),
    "papers_missing": ("Papers missing", "the papers deadline", "To whoever must provide papers still missing"),
    "minutes_due": ("Minutes not yet circulated", "the minutes deadline", "To the person who takes the minutes"),
    "actions_due": ("Action due", "the day the action is due", "To the person the action is for"),
    "tracking_meeting_booked": ("Tracking meeting booked", None, "To the people invited to a child's tracking "
                                "meeting"),
}


# The deadline kinds each reminder counts back from (a council's "items to be added" cut-off is its
# referral deadline, as the referrals read it).
_REMINDED_DEADLINE = {"referral_deadline": ("referrals", "added_items"), "papers_missing": ("papers",),
                      "minutes_due": ("minutes",)}


def reminder_without_deadline(tor, kind: str) -> str:
    """Why a reminder of ``kind`` is never sent: its deadline is set for no body (Knowsley sets no
    referral deadline, so nobody is reminded of one); else an empty string."""
    kinds = _REMINDED_DEADLINE.get(kind)
    if kinds is None or any(d.kind in kinds for body in tor.bodies for d in body.deadlines):
        return ""
    return f"the terms of reference set no {REMINDER_KINDS[kind][1].removeprefix('the ')}"


def reminder_when(wording) -> str:
    """When a reminder goes: "Two working days before the referral deadline", "When it is booked"."""
    if wording.kind not in TIMED:
        return "When it is booked"
    before = REMINDER_KINDS[wording.kind][1]
    if wording.days_before == 0:
        return f"On {before}"
    return sentence(offset_words(Offset(wording.days_before, "working_days", "before"), before))


def sentence(text: str) -> str:
    """Capitalise the first letter only (Jinja's ``capitalize`` would lower-case "E1" to "e1")."""
    return text[:1].upper() + text[1:] if text else text


def role_words(label: str) -> str:
    """A role's label inside a sentence: "Team manager" as "team manager", a label with capitals of
    its own ("Head of Service", "CAMHS representative") as the council wrote it."""
    return label[:1].lower() + label[1:] if label[1:] == label[1:].lower() else label


def role_in_sentence(tor, role_id: str) -> str:
    """A role of the ToR inside a sentence ("the head of service decides")."""
    return role_words(role_label(tor, role_id))


def once_words(cadence: ChildCadence) -> str:
    """"Once, within ten working days after the child became looked after, where the child is ...":
    a meeting held once per occurrence of an event."""
    text = f"Once, within {offset_words(cadence.within, EVENTS.get(cadence.after, cadence.after))}"
    if cadence.when is not None:
        text += f", where {explain(cadence.when)}"
    return text


def convened_words(tor, body: Body) -> str:
    """"Convened for one child when needed by the team manager or the service manager"."""
    names = [f"the {role_in_sentence(tor, r)}" for r in body.convened_by]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f"Convened for one child when needed by {joined}"


def present_words(roles, role_label) -> str:
    """``["legal-adviser"]`` -> "a legal advisor is recorded present"; ``role_label`` names each role."""
    names = [f"a {role_words(role_label(r))}" for r in roles]
    return f"{_join(names)} {'is' if len(names) == 1 else 'are'} recorded present" if names else ""


def condition_words(condition, role_label) -> str:
    """An outcome's ``only_when`` in English: "Offered only when a legal advisor is recorded present at
    the sitting (for the item's part of the agenda), and only for children where ..."."""
    parts = []
    if condition.present:
        parts.append(f"when {present_words(condition.present, role_label)} at the sitting (for the item's part of "
                     "the agenda)")
    if condition.when is not None:
        parts.append(f"for children where {explain(condition.when)}")
    return "Offered only " + ", and only ".join(parts) + "."


def agreed_dates_words(dates) -> str:
    """An outcome's ``sets_dates`` in English: what the meeting agrees a date for, and what meets it."""
    each = [f"{d.label} (met by {EVENTS.get(d.met_by, d.met_by)} after the meeting)" for d in dates]
    return ("The meeting agrees a date for " + _join(each) + "; each date becomes a milestone in the child's "
            "tracker, overdue the day after it. A later meeting may set the date again: the latest date agreed "
            "counts.")
