"""The one convention of the API's load schemas: what a GET shows, its PUT or PATCH takes back.

Each resource has a schema that dumps it (``ActionSchema``) and a schema that loads a change to it
(``ActionUpdateSchema``), as the house style asks. A client that reads a resource, changes a field
and sends the whole body back must not be refused for the fields it could not change. So an
update schema names the schema of the resource it changes (``resource_schema``) and takes over
that schema's read-only fields (``dump_only``, and Function or Method fields) as read-only fields
of its own: the OpenAPI document lists them as ``readOnly`` in the request body, and loading
drops them. Any other field the schema does not know is still a 422 naming it, so a misspelt
field is never silently ignored.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import ClassVar

from marshmallow import Schema, fields, pre_load
from marshmallow.schema import SchemaMeta

from .db import MAX_ID


class Int(fields.Integer):
    """An integer field of the API: whole numbers only, and no bigger than the database's INTEGER
    columns hold, so an out-of-range id or page is a 422 naming the field, not a database error."""

    default_error_messages = {"too_large": f"Must be a whole number no larger than {MAX_ID:,}."}

    def _validated(self, value):
        value = super()._validated(value)
        if value is not None and abs(value) > MAX_ID:
            raise self.make_error("too_large")
        return value


def _keys(fields) -> set[str]:
    return {field.data_key or name for name, field in fields.items()}


def _read_only_copy(field):
    """The field as a read-only field of another schema (a Method field's method stays behind)."""
    if isinstance(field, fields.Method):
        return fields.Raw(dump_only=True, data_key=field.data_key, metadata=dict(field.metadata))
    return copy.deepcopy(field)


class _UpdateSchemaMeta(SchemaMeta):
    @classmethod
    def get_declared_fields(mcs, klass, cls_fields, inherited_fields, dict_cls=dict):
        """marshmallow's hook for fields computed from the class: the resource's read-only fields."""
        declared = super().get_declared_fields(klass, cls_fields, inherited_fields, dict_cls)
        resource = getattr(klass, "resource_schema", None)
        if resource is None:
            return declared
        read_only = {name: _read_only_copy(field) for name, field in resource._declared_fields.items()
                     if field.dump_only and name not in declared}
        return dict_cls({**read_only, **declared})


class UpdateSchema(Schema, metaclass=_UpdateSchemaMeta):
    """Base of a PUT or PATCH body: the resource's GET output is accepted as it stands.

    Set ``resource_schema`` to the schema the resource's GET dumps; its read-only fields are
    accepted and ignored. A nested body names its own: the rows of an attendance list are an
    ``UpdateSchema`` of the row schema."""

    resource_schema: ClassVar[type[Schema] | None] = None

    @pre_load
    def _drop_read_only(self, data, **kwargs):
        if not isinstance(data, Mapping):
            return data
        read_only = _keys(self.dump_fields) - _keys(self.load_fields)
        return {key: value for key, value in data.items() if key not in read_only}
