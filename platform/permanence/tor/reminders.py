"""The ``reminders:`` section of ``tor.yaml``: which reminders a council sends, how many working
days ahead, and in its own words.

Each kind has a subject and a body written with named placeholders (``{child}``,
``{meeting_date}``, ...). Only the placeholders listed for the kind are allowed, as bare names:
no attribute access, indexing, conversion or format spec, so a template can never reach into
an object or pad a value to any length. Anything else is a configuration error on its line.
Rendering is ``str.format_map`` over a dict holding exactly those names.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from string import Formatter
from types import MappingProxyType
from typing import Mapping

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from .fields import Bool, Int, Str, StrictSchema

CHILD = "the child's initials and case number (each child's, for a sibling group): never the full name by e-mail"
# The placeholders each kind may use, with what each stands for (shown in docs/tor-format.md).
PLACEHOLDERS: Mapping[str, Mapping[str, str]] = {
    "referral_deadline": {
        "name": "the person written to", "child": CHILD, "panel": "the body's name",
        "meeting_date": "the date of the meeting", "deadline": "the referral deadline", "part": "the agenda part",
        "status": "where the referral is (draft, awaiting quality assurance, returned, proposed)",
        "link": "a link to the item"},
    "papers_missing": {
        "name": "the person written to", "child": CHILD, "panel": "the body's name",
        "meeting_date": "the date of the meeting", "deadline": "the papers deadline",
        "papers": "the missing papers, one a line", "link": "a link to the item"},
    "minutes_due": {
        "name": "the person written to", "panel": "the body's name", "meeting_date": "the date of the meeting",
        "deadline": "the minutes deadline", "link": "a link to the meeting"},
    "actions_due": {
        "name": "the person written to", "child": "the child's initials and case number", "action": "what was agreed",
        "deadline": "the date the action is due", "panel": "the body that agreed it",
        "link": "a link to the person's actions"},
    "tracking_meeting_booked": {
        "name": "the person written to", "child": "the child's initials and case number",
        "panel": "the tracking meeting's name",
        "meeting_date": "the date of the meeting", "reason": "why it was booked",
        "headings": "the agenda headings, one a line", "link": "a link to the meeting"},
}
KINDS = tuple(PLACEHOLDERS)
TIMED = ("referral_deadline", "papers_missing", "minutes_due", "actions_due")  # have days_before


@dataclass(frozen=True)
class ReminderWording:
    """One kind of reminder: whether it is sent, how far ahead (working days), and its words."""

    kind: str
    enabled: bool
    days_before: int
    subject: str
    body: str
    source: str = ""

    def render(self, values: Mapping[str, object]) -> tuple[str, str]:
        """The subject (one line) and body with the placeholders filled from ``values``."""
        allowed = PLACEHOLDERS[self.kind]
        safe = {k: "" if values.get(k) is None else str(values.get(k)) for k in allowed}
        subject = " ".join(self.subject.format_map(safe).split())
        return subject, self.body.format_map(safe)


DEFAULTS: Mapping[str, ReminderWording] = {
    "referral_deadline": ReminderWording(
        "referral_deadline", True, 2,
        "{panel}: referral for {child} due by {deadline}",
        "Dear {name},\n\nThe referral for {child} to the {panel} on {meeting_date} ({part}) is {status}. "
        "It must be submitted by {deadline}.\n\n{link}\n"),
    "papers_missing": ReminderWording(
        "papers_missing", True, 2,
        "{panel}: papers for {child} needed by {deadline}",
        "Dear {name},\n\n{child} is on the agenda of the {panel} on {meeting_date}. These papers are not "
        "in yet and are due by {deadline}:\n\n{papers}\n\n{link}\n"),
    "minutes_due": ReminderWording(
        "minutes_due", True, 1,
        "{panel}: minutes of {meeting_date} due by {deadline}",
        "Dear {name},\n\nThe minutes of the {panel} on {meeting_date} have not been circulated yet. "
        "They are due by {deadline}.\n\n{link}\n"),
    "actions_due": ReminderWording(
        "actions_due", True, 3,
        "Action for {child} due {deadline}",
        "Dear {name},\n\nThis action agreed at the {panel} for {child} is due on {deadline}:\n\n{action}\n\n"
        "{link}\n"),
    "tracking_meeting_booked": ReminderWording(
        "tracking_meeting_booked", True, 0,
        "{panel} for {child} on {meeting_date}",
        "Dear {name},\n\nA {panel} for {child} is booked for {meeting_date}. {reason}\n\n"
        "The meeting will consider:\n{headings}\n\n{link}\n"),
}


@dataclass(frozen=True)
class Reminders:
    """Every kind, with the council's own settings laid over the defaults."""

    kinds: Mapping[str, ReminderWording] = field(default_factory=lambda: MappingProxyType(dict(DEFAULTS)))
    source: str = ""

    def __getitem__(self, kind: str) -> ReminderWording:
        return self.kinds[kind]


def placeholder_errors(template: str, kind: str) -> list[str]:
    """What is wrong with the placeholders of ``template`` for ``kind`` (empty when all is well)."""
    allowed = PLACEHOLDERS[kind]
    try:
        parsed = list(Formatter().parse(template))
    except ValueError:
        return ["a brace is not matched: write a placeholder as {child}, and a literal brace as {{ or }}"]
    problems = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in allowed:
            problems.append(f"unknown placeholder {{{name}}}; {kind} may use: "
                            + ", ".join(f"{{{p}}}" for p in allowed))
        elif spec or conversion:
            problems.append(f"write {{{name}}} on its own, without a format or conversion")
    return problems


def _kind_schema(kind: str):
    class KindSchema(StrictSchema):
        enabled = Bool(load_default=None)
        days_before = Int(load_default=None, validate=validate.Range(min=0, max=60))
        subject = Str(load_default=None, validate=validate.Length(min=1, max=200))
        body = Str(load_default=None, validate=validate.Length(min=1, max=5000))
        source = Str(load_default=None)

        @validates_schema
        def _placeholders(self, data, **kwargs):
            errors = {key: problems for key in ("subject", "body")
                      if data.get(key) and (problems := placeholder_errors(data[key], kind))}
            if kind not in TIMED and data.get("days_before") is not None:
                errors["days_before"] = [f"{kind} is sent when it happens; it has no days_before"]
            if errors:
                raise ValidationError(errors)

        @post_load
        def _build(self, data, **kwargs):
            given = {k: v for k, v in data.items() if v is not None}
            return replace(DEFAULTS[kind], **given)

    KindSchema.__name__ = f"{kind.title().replace('_', '')}ReminderSchema"
    return KindSchema


class RemindersSchema(StrictSchema):
    """``reminders:`` with one optional entry per kind; a kind left out keeps the defaults."""

    source = Str(load_default="")
    referral_deadline = fields.Nested(_kind_schema("referral_deadline"), load_default=None)
    papers_missing = fields.Nested(_kind_schema("papers_missing"), load_default=None)
    minutes_due = fields.Nested(_kind_schema("minutes_due"), load_default=None)
    actions_due = fields.Nested(_kind_schema("actions_due"), load_default=None)
    tracking_meeting_booked = fields.Nested(_kind_schema("tracking_meeting_booked"), load_default=None)

    @post_load
    def _build(self, data, **kwargs):
        kinds = dict(DEFAULTS)
        kinds.update({k: v for k, v in data.items() if k in KINDS and v is not None})
        return Reminders(kinds=MappingProxyType(kinds), source=data.get("source", ""))
