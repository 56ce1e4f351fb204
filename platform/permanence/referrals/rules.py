"""What a body's terms of reference say about referrals: who may refer and quality-assure, which
parts take referrals, the referral form and its answers, and when a referral or its papers are late.

Pure reading of the ToR plus the clock: no database writes, no Flask request.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation

from ..core.clock import LONDON
from ..tor import Deadline

MAX_TEXT = 2000
MAX_LONG_TEXT = 20000
# The referral cut-off: the ToR's "referrals" deadline; a council that sets only an "items to be
# added" cut-off (Redbridge) means the same thing by it.
REFERRAL_DEADLINE_KINDS = ("referrals", "added_items")
# Fields the form cannot hold: a "file" is uploaded with the papers below the answers.
NOT_ANSWERED_IN_FORM = ("file",)


class ReferralError(ValueError):
    """Input the terms of reference or the referral's state do not allow; ``field`` says which."""

    def __init__(self, field: str, message: str, *, errors: dict[str, str] | None = None, next_meeting=None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.errors = errors or {field: message}
        self.next_meeting = next_meeting


class NotAllowed(PermissionError):
    """The member's role, under this council's terms of reference, does not let them do this."""


def access_roles(tor, role_ids) -> frozenset[str]:
    """The platform access roles the ToR's role ids (``social-worker``...) are granted."""
    result = set()
    for role_id in role_ids or ():
        role = tor.roles.get(role_id) if role_id else None
        if role is not None:
            result.add(role.access_role)
    return frozenset(result)


def may_refer(tor, body, roles) -> bool:
    """The ToR's ``who_may_refer``; the panel administrator may always refer on someone's behalf."""
    return bool(set(roles) & (access_roles(tor, body.referral.who_may_refer) | {"panel_administrator"}))


def needs_quality_assurance(body) -> bool:
    return bool(body.referral.quality_assurance_by)


def quality_assurance_roles(tor, body) -> frozenset[str]:
    """Access roles of the ToR's ``quality_assurance_by`` (the team manager, usually)."""
    return access_roles(tor, (body.referral.quality_assurance_by,)) if needs_quality_assurance(body) else frozenset()


def fallback_roles(tor, body) -> frozenset[str]:
    """Access roles of who quality-assures when the child's team has no team manager (the ToR's
    ``quality_assurance_fallback``); none when the ToR names no one."""
    return access_roles(tor, (body.referral.quality_assurance_fallback,)) if needs_quality_assurance(body) \
        else frozenset()


def may_quality_assure(tor, body, roles) -> bool:
    """The member's role is the one the ToR names to quality-assure (an item asked of someone else
    by name is decided by ``services.may_quality_assure``)."""
    return bool(set(roles) & quality_assurance_roles(tor, body))


def completes_as_referral(body, part_id: str) -> bool:
    """Accepting a proposal in this part hands it to the social worker as a referral to complete
    (form, papers, quality assurance where named) instead of booking it at once."""
    return body.accepted_proposals_for(part_id) == "complete_as_referral"


def referral_parts(body) -> list:
    """The agenda parts that take referrals (entry route ``referral``)."""
    return [p for p in body.agenda_parts if "referral" in p.entry_routes]


# --- deadlines --------------------------------------------------------------------------------

def referral_deadline(deadlines: list[Deadline]) -> Deadline | None:
    for kind in REFERRAL_DEADLINE_KINDS:
        found = next((d for d in deadlines if d.kind == kind), None)
        if found is not None:
            return found
    return None


def papers_deadline(deadlines: list[Deadline]) -> Deadline | None:
    return next((d for d in deadlines if d.kind == "papers"), None)


def closes_at(deadline: Deadline) -> datetime:
    """The moment a deadline passes: its stated time, else the end of its day in London."""
    if deadline.due_at is not None:
        return deadline.due_at.astimezone(timezone.utc)
    return datetime.combine(deadline.due, time.max, tzinfo=LONDON).astimezone(timezone.utc)


def passed(deadline: Deadline | None, now: datetime) -> bool:
    return deadline is not None and now > closes_at(deadline)


def deadline_text(deadline: Deadline) -> str:
    """"Wednesday 9 December 2026" or "Friday 11 December 2026 at 17:00"."""
    text = f"{deadline.due:%A} {deadline.due.day} {deadline.due:%B %Y}"
    if deadline.due_at is not None:
        text += f" at {deadline.due_at.astimezone(LONDON):%H:%M}"
    return text


# --- the referral form -----------------------------------------------------------------------

def form_fields(body, part_id: str) -> list:
    """The ToR's referral form for a part: the body's fields then the part's, less file fields."""
    return [f for f in body.referral_form_for(part_id) if f.type not in NOT_ANSWERED_IN_FORM]


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:] if label[1:2].islower() or len(label) == 1 else label


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, list) and not value)


def _date(value):
    if isinstance(value, date):
        return value
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(str(value).strip(), fmt).date()
        except ValueError:
            continue
    return None


def _one(field, value, people: dict[int, str]):
    """The cleaned answer to one field, or raise ValueError with the message for the person."""
    label = field.label
    kind = field.type
    if kind in ("text", "long_text"):
        if not isinstance(value, str):
            raise ValueError(f"{label} must be text")
        limit = MAX_TEXT if kind == "text" else MAX_LONG_TEXT
        if len(value) > limit:
            raise ValueError(f"{label} must be {limit} characters or fewer")
        return value.strip()
    if kind == "date":
        day = _date(value)
        if day is None:
            raise ValueError(f"{label} must be a real date, for example 27/3/2027")
        return day.isoformat()
    if kind == "number":
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"{label} must be a number") from None
        if not number.is_finite():
            raise ValueError(f"{label} must be a number")
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "money":
        return money(value, label)
    if kind == "yes_no":
        text = str(value).strip().lower() if not isinstance(value, bool) else ("yes" if value else "no")
        if text not in ("yes", "no"):
            raise ValueError(f"Select yes or no for {_lower(label)}")
        return text
    if kind == "choice":
        if value not in field.options:
            raise ValueError(f"Select one of the options for {_lower(label)}")
        return value
    if kind == "choices":
        values = value if isinstance(value, list) else [value]
        wrong = [v for v in values if v not in field.options]
        if wrong:
            raise ValueError(f"Select only the options listed for {_lower(label)}")
        return [o for o in field.options if o in values]
    if kind == "person":
        try:
            person_id = int(value)
        except (TypeError, ValueError):
            person_id = None
        if person_id not in people:
            raise ValueError(f"Select a person from the list for {_lower(label)}")
        return person_id
    raise ValueError(f"{label} cannot be answered here")


def money(value, label: str) -> str:
    """An amount of money as it is kept: pounds with two decimals ("1250.50"), from "1250.5",
    "£1,250.50" or 1250.5; a positive amount with at most two decimals, else ValueError."""
    text = str(value).strip().replace(",", "").removeprefix("£").strip() if not isinstance(value, bool) else ""
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{label} must be an amount in pounds, for example 1250.50") from None
    if not amount.is_finite():
        raise ValueError(f"{label} must be an amount in pounds, for example 1250.50")
    if amount <= 0:
        raise ValueError(f"{label} must be more than £0")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{label} must be in pounds and pence, with at most 2 decimal places")
    if amount >= Decimal("1000000000"):
        raise ValueError(f"{label} must be less than £1,000,000,000")
    return f"{amount.quantize(Decimal('0.01'))}"


def pounds(amount) -> str:
    """A kept amount as a page says it: "£1,250.50"."""
    try:
        return f"£{Decimal(str(amount)):,.2f}"
    except InvalidOperation:
        return str(amount)


def required_message(field) -> str:
    if field.type in ("choice", "yes_no", "person"):
        return f"Select {_lower(field.label)}"
    if field.type == "choices":
        return f"Select at least one option for {_lower(field.label)}"
    return f"Enter {_lower(field.label)}"


def clean_answers(fields, answers, people: dict[int, str]) -> tuple[dict, dict[str, str]]:
    """The answers keyed by field id, checked against the ToR's form: (clean answers, errors by
    field id). Answers to fields the form does not have are an error, not silently kept."""
    answers = answers if isinstance(answers, dict) else {}
    clean, errors = {}, {}
    known = {f.id for f in fields}
    for field in fields:
        value = answers.get(field.id)
        if _empty(value):
            if field.required:
                errors[field.id] = required_message(field)
            continue
        try:
            clean[field.id] = _one(field, value, people)
        except ValueError as exc:
            errors[field.id] = str(exc)
    for extra in sorted(set(answers) - known):
        errors[str(extra)[:100]] = "The referral form for this part has no such question"
    return clean, errors


def answer_text(field, value, people: dict[int, str]) -> str:
    """How an answer reads on the referral page."""
    if value is None or value == "" or value == []:
        return "Not answered"
    if field.type == "date":
        day = _date(value)
        return f"{day.day} {day:%B %Y}" if day else str(value)
    if field.type == "yes_no":
        return "Yes" if value == "yes" else "No"
    if field.type == "choices":
        return ", ".join(value)
    if field.type == "money":
        return pounds(value)
    if field.type == "person":
        return people.get(value, "A former member")
    return str(value)
