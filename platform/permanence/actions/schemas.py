"""Marshmallow schemas of the actions API. Load schemas check types; the services check meaning
(SMART, the owner a member of the council, who may update)."""

from marshmallow import Schema, fields, validate

from ..core.clock import london_today
from ..core.schemas import Int, UpdateSchema
from ..panels.models import ActionStatus

STATUSES = [s.value for s in ActionStatus]


class ActionSchema(Schema):
    """A SMART action: what, who, by when, and where it stands. Only ``status`` and ``progress``
    change after it is agreed (PATCH); the rest is read-only."""

    id = Int(dump_only=True)
    agenda_item_id = Int(allow_none=True, dump_only=True)
    child_id = Int(allow_none=True, dump_only=True, metadata={"description": "None for a sibling group's item"})
    description = fields.Str(dump_only=True)
    owner_id = Int(allow_none=True, dump_only=True)
    owner_name = fields.Function(lambda a: a.owner.name if a.owner else None)
    due_on = fields.Date(dump_only=True)
    status = fields.Function(lambda a: a.status.value, metadata={"description": "open, done or cancelled"})
    overdue = fields.Method("_overdue", metadata={"description": "Open and past its due date (today in London)"})
    progress = fields.Str()
    completed_on = fields.Date(allow_none=True, dump_only=True)

    def _overdue(self, action):
        return action.overdue_on(london_today())


# Load schemas check types only; the services check meaning and say which field is wrong (422), after
# the item or action is found, so another council's id is a 404 whatever the body holds.
class ActionCreateSchema(Schema):
    description = fields.Str(load_default=None, metadata={"description": "Required; specific: 15 to 2000 characters"})
    owner_id = Int(load_default=None, allow_none=True,
                          metadata={"description": "Required; a member of the council"})
    due_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "Required; today or later"})


class ActionUpdateSchema(UpdateSchema):
    """The action's new status and progress note; the rest of the action as GET shows it is accepted
    and ignored."""

    resource_schema = ActionSchema

    status = fields.Str(load_default=None, metadata={"description": "Required: open, done or cancelled"})
    progress = fields.Str(load_default="", metadata={"description": "Up to 2000 characters"})


class ActionQuerySchema(Schema):
    mine = fields.Bool(load_default=False, metadata={"description": "Only the token user's own actions"})
    status = fields.Str(validate=validate.OneOf(STATUSES))
    overdue = fields.Bool(load_default=False, metadata={"description": "Only open actions past their due date"})
    owner_id = Int(validate=validate.Range(min=1))
    body_id = fields.Str(validate=validate.Length(max=100))
    page = Int(load_default=1, validate=validate.Range(min=1))
    per_page = Int(load_default=100, validate=validate.Range(min=1, max=500))
