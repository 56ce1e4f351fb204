"""Forms of the minutes page. Every change carries the revision it was made from."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from .services import MAX_TEXT, REVISION_MISSING


class _Revisioned(FlaskForm):
    revision = IntegerField(widget=HiddenInput(), validators=[InputRequired(REVISION_MISSING)])


class MinutesForm(_Revisioned):
    text = TextAreaField("Minutes", validators=[
        DataRequired("Enter the minutes"),
        Length(max=MAX_TEXT, message=f"The minutes must be {MAX_TEXT:,} characters or fewer")])


class AssembleForm(FlaskForm):
    # Only replacing an edited draft needs the revision the person saw (and replace=yes).
    revision = IntegerField(widget=HiddenInput(), validators=[Optional()])
    replace = HiddenField()


class ApproveForm(_Revisioned):
    pass


class ReopenForm(FlaskForm):
    reason = TextAreaField("Reason for reopening", validators=[
        DataRequired("Enter the reason for reopening the minutes"),
        Length(max=1000, message="The reason must be 1000 characters or fewer")])


class CirculateForm(FlaskForm):
    confirm = HiddenField(default="yes")
