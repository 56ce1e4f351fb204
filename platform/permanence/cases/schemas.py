"""Marshmallow schemas for children: one to read, one to write."""

from marshmallow import Schema, fields, validate


class ChildSchema(Schema):
    """A child as the API shows it."""

    id = fields.Int(dump_only=True)
    case_number = fields.Str()
    first_name = fields.Str()
    last_name = fields.Str()
    date_of_birth = fields.Date(allow_none=True)
    expected_date_of_birth = fields.Date(allow_none=True)
    sex = fields.Str(allow_none=True)
    ethnicity = fields.Str(allow_none=True)
    team_id = fields.Int(allow_none=True)
    social_worker_id = fields.Int(allow_none=True)
    team_manager_id = fields.Int(allow_none=True)
    iro_id = fields.Int(allow_none=True)
    sibling_group_id = fields.Int(allow_none=True)


class ChildUpdateSchema(Schema):
    """Fields a member may change on a child's record."""

    case_number = fields.Str(validate=validate.Length(min=1, max=40))
    first_name = fields.Str(validate=validate.Length(min=1, max=100))
    last_name = fields.Str(validate=validate.Length(min=1, max=100))
    date_of_birth = fields.Date(allow_none=True)
    expected_date_of_birth = fields.Date(allow_none=True)
    sex = fields.Str(allow_none=True, validate=validate.OneOf(["M", "F", "U"]))
    ethnicity = fields.Str(allow_none=True, validate=validate.Length(max=4))


class ChildQuerySchema(Schema):
    q = fields.Str(validate=validate.Length(max=100))
    page = fields.Int(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Int(load_default=50, validate=validate.Range(min=1, max=200))
