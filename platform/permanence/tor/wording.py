"""Plain English for the parts of a terms of reference that are stored as codes.

The rendered terms of reference must read like the council's own document, so
recurrences ("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"), offsets and policy codes are
turned into the sentences an officer would write. Pure Python, like the rest
of the engine.
"""

from __future__ import annotations

import re

from ..core.workdays import Offset
from .model import Cadence, DeadlineRule
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
    """"Every two weeks on Wednesday, 14:00 to 17:00" from the cadence's RFC 5545 rule."""
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
    end = cadence.end_time
    if end is None:
        from datetime import datetime, date

        end = (datetime.combine(date.min, cadence.start_time) + cadence.duration).time()
    times = f"{cadence.start_time.strftime('%H:%M')} to {end.strftime('%H:%M')}"
    return f"{every} {when}, {times}".replace("  ", " ").replace(" ,", ",")

DEADLINE_KINDS = DEADLINE_LABELS
BODY_KINDS = {"panel": "Panel", "tracking_meeting": "Tracking meeting held for each child"}
TRIGGERS = {"milestone_overdue": "when a timescale is missed", "action_overdue": "when an action is overdue",
            "chair_decision": "when the chair decides"}
FIELD_TYPES = {"text": "Short text", "long_text": "Long text", "date": "Date", "number": "Number",
               "yes_no": "Yes or no", "choice": "One of a list", "choices": "Any of a list", "file": "Document",
               "person": "Person"}
CIRCULATION_TO = {"members": "panel members", "presenters": "presenters", "invited_experts": "invited experts",
                  "partner_agencies": "partner agencies", "social_worker": "the social worker",
                  "team_manager": "the team manager"}


def join_words(words) -> str:
    words = [w for w in words if w]
    return _join(words) if words else ""


def sentence(text: str) -> str:
    """Capitalise the first letter only (Jinja's ``capitalize`` would lower-case "E1" to "e1")."""
    return text[:1].upper() + text[1:] if text else text


def role_in_sentence(label: str) -> str:
    """A role's label inside a sentence: "Legal advisor" reads "legal advisor", "Head of Service" stays."""
    return label[:1].lower() + label[1:] if label[1:] == label[1:].lower() else label


def present_words(roles, role_label) -> str:
    """``["legal-adviser"]`` -> "a legal advisor is recorded present"; ``role_label`` names each role."""
    names = [f"a {role_in_sentence(role_label(r))}" for r in roles]
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
