"""Forms of the tracker: its filters, and acknowledging or escalating drift."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..core.db import MAX_ID
from .drift import MAX_TEXT
from .listing import DIRECTIONS, SORTS
from .models import DECISIONS


class TrackerFilterForm(FlaskForm):
    """The tracker's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    body = SelectField("Panel or meeting", choices=[], validate_choice=True, default="")
    team = SelectField("Team", choices=[], default="")
    worker = SelectField("Social worker", choices=[], default="")
    legal_status = SelectField("Legal status", choices=[], default="")
    plan_route = SelectField("Plan route", choices=[], default="")
    drift = BooleanField("Only children with drift")
    sort = HiddenField(default="next_due")
    direction = HiddenField(default="asc")
    page = IntegerField("Page", default=1,
                        validators=[Optional(), NumberRange(min=1, max=MAX_ID, message="The page must be a whole number from 1")])

    def validate_sort(self, field):
        if field.data and field.data not in SORTS:
            raise ValidationError(f"Sort by one of: {', '.join(SORTS)}")

    def validate_direction(self, field):
        if field.data and field.data not in DIRECTIONS:
            raise ValidationError("Sort direction must be asc or desc")


class AcknowledgeForm(FlaskForm):
    decision = RadioField("What was decided", choices=list(DECISIONS.items()), validate_choice=False,
                          validators=[InputRequired(message="Select what was decided")])
    note = TextAreaField("Note of the decision",
                         validators=[DataRequired(message="Enter what was decided and why"),
                                     Length(max=MAX_TEXT, message=f"The note must be {MAX_TEXT} characters or fewer")])


class EscalateForm(FlaskForm):
    reason = TextAreaField("Reason for escalating",
                           validators=[DataRequired(message="Enter the reason for escalating"),
                                       Length(max=MAX_TEXT,
                                              message=f"The reason must be {MAX_TEXT} characters or fewer")])
