"""Forms for adding an action to an agenda item and updating one's progress."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..panels.forms import DateRequired, DayField
from ..panels.models import ActionStatus
from .services import MAX_TEXT, MIN_DESCRIPTION, STATUS_LABELS

STATUS_CHOICES = [(s.value, STATUS_LABELS[s]) for s in ActionStatus]


class AddActionForm(FlaskForm):
    description = TextAreaField("What is to be done", validators=[
        DataRequired("Enter what is to be done"),
        Length(min=MIN_DESCRIPTION, max=MAX_TEXT,
               message=f"Describe what is to be done in {MIN_DESCRIPTION} to {MAX_TEXT} characters, so it is specific")])
    owner_id = SelectField("Who will do it",
                           description="The person who must do it: they see it on their home page and are told when "
                                       "it is due.",
                           coerce=lambda v: int(v) if v else None,
                           validators=[DataRequired("Select who will do it")])
    due_on = DayField("Due by", validators=[DateRequired("Enter the date the action is due")])
    next = HiddenField()


class UpdateActionForm(FlaskForm):
    status = SelectField("Status", choices=STATUS_CHOICES,
                         description="Done when it is finished; cancelled only when the meeting agreed it is no "
                                     "longer needed.",
                         validators=[DataRequired("Select the status")])
    progress = TextAreaField("Progress",
                             description="What has been done so far, for the next meeting to read. Use the case "
                                         "number rather than the child's full name.",
                             validators=[Optional(), Length(max=MAX_TEXT, message=(
        f"The progress note must be {MAX_TEXT} characters or fewer"))])
    next = HiddenField()


class ActionFilterForm(FlaskForm):
    """The council-wide list's filters (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    overdue = BooleanField("Overdue only")
    body_id = SelectField("Panel", choices=[])
    owner_id = SelectField("Owner", choices=[])
    status = SelectField("Status", choices=[("open", "Open"), ("done", "Done"), ("cancelled", "Cancelled"),
                                            ("", "Any")], default="open")
