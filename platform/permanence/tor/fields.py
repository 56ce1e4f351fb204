"""Field types shared by the ``tor.yaml`` schemas, with messages a council officer can act on.

Marshmallow's stock messages ("Not a valid integer.") are replaced with ones
that say what is expected, and role references are checked against the core
roles plus the tenant's own (passed in through marshmallow's load context).
"""

from __future__ import annotations

from datetime import date
import re
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema
from marshmallow.experimental.context import Context

from ..core.workdays import DIRECTIONS, OFFSET_UNITS, Offset
from .rules import RuleError, parse_rule
from .vocabulary import CORE_ROLES, EVENTS

_ID = validate.Regexp(r"^[a-z0-9][a-z0-9_-]*$", error="ids use lower-case letters, digits, '-' and '_'; got {input!r}")


def one_of(choices, what: str) -> validate.OneOf:
    """A choice validator whose message lists what is allowed."""
    return validate.OneOf(choices, error=f"unknown {what} {{input!r}}; allowed: {{choices}}")


def Str(**kw) -> fields.String:
    return fields.String(error_messages={"invalid": "expected text"}, **kw)


def Int(**kw) -> fields.Integer:
    return fields.Integer(strict=True, error_messages={"invalid": "expected a whole number"}, **kw)


def Bool(**kw) -> fields.Boolean:
    return fields.Boolean(truthy={True}, falsy={False}, error_messages={"invalid": "expected true or false"}, **kw)


class _Date(fields.Date):
    """A date; one that is not (2024-13-45, "next week") is named in the message."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError:
            raise ValidationError(f"{value!r} is not a date; write a date like 2027-01-06") from None


def Date(**kw) -> fields.Date:
    return _Date(**kw)


class ReviewDate(fields.Field):
    """A date the ToR gives as a day, a month or a year ("Reviewed October 2024"): ``2024-10-15``,
    ``2024-10`` or ``2024``. Loads as ``(first day of the period, "day" | "month" | "year")``."""

    MESSAGE = "expected a date like 2024-10-15, a month like 2024-10 or a year like 2024"

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, date):
            return value, "day"
        text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
        match = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text)
        if not match:
            raise ValidationError(f"{self.MESSAGE}; got {value!r}")
        year, month, day = (int(g) if g else None for g in match.groups())
        try:
            return date(year, month or 1, day or 1), "day" if day else "month" if month else "year"
        except ValueError as err:
            raise ValidationError(f"{text!r} is not a date ({err}); {self.MESSAGE}") from None


def Time(**kw) -> fields.Time:
    return fields.Time(error_messages={"invalid": "expected a time like \"14:00\""}, **kw)


def Id(**kw) -> fields.String:
    return Str(validate=_ID, **kw)


def Tuple(inner: fields.Field, **kw) -> fields.List:
    return fields.List(inner, error_messages={"invalid": "expected a list"}, **kw)


def NestedList(schema, **kw) -> fields.List:
    return Tuple(fields.Nested(schema), **kw)


def Event(**kw) -> fields.String:
    return Str(validate=one_of(tuple(EVENTS), "event"), **kw)


def _known_role(value: str) -> None:
    roles = Context.get(default={}).get("roles", tuple(CORE_ROLES))
    if value not in roles:
        raise ValidationError(f"unknown role {value!r}; known roles: {', '.join(roles)} "
                              "(a council may add its own under 'roles')")


def RoleRef(**kw) -> fields.String:
    """A role id: a core role or one the tenant adds under ``roles`` (checked against the load context)."""
    return Str(validate=_known_role, **kw)


MEMBERS = "members"  # the body's own seated members, where a list of recipients may name them


def _known_role_or_members(value: str) -> None:
    if value != MEMBERS:
        try:
            _known_role(value)
        except ValidationError as exc:
            raise ValidationError(f"{exc.messages[0]}; or 'members' for the body's own members") from None


def RecipientRef(**kw) -> fields.String:
    """Who a record is sent to: a role (the child's own holder where the role is allocated per child),
    or ``members``: the body's seated members."""
    return Str(validate=_known_role_or_members, **kw)


class RuleField(fields.Field):
    """A cohort rule in the YAML form of :mod:`permanence.tor.rules`."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_rule(value)
        except RuleError as err:
            raise ValidationError(err.messages) from None


class StrictSchema(Schema):
    """Base of every schema here: unknown keys are errors, lists become tuples."""

    class Meta:
        unknown = RAISE

    target: Any = None

    @post_load
    def _build(self, data, **kwargs):
        data = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return self.target(**data) if self.target else data


class OffsetSchema(StrictSchema):
    """``{working_days: 5, direction: before}``: exactly one unit, and a direction (default after)."""

    working_days = Int(validate=validate.Range(min=0))
    days = Int(validate=validate.Range(min=0))
    weeks = Int(validate=validate.Range(min=0))
    months = Int(validate=validate.Range(min=0))
    direction = Str(load_default="after", validate=one_of(DIRECTIONS, "direction"))

    @validates_schema
    def _one_unit(self, data, **kwargs):
        units = [u for u in OFFSET_UNITS if u in data]
        if len(units) != 1:
            raise ValidationError(f"an offset has exactly one of: {', '.join(OFFSET_UNITS)}")

    @post_load
    def _build(self, data, **kwargs):
        unit = next(u for u in OFFSET_UNITS if u in data)
        return Offset(data[unit], unit, data["direction"])
