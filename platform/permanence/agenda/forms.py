"""Forms of the agenda pages: seats, an item's slot and presenters, moving an item, publishing,
the calendar feed. Messages say what is wrong and where; services check again."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..panels.forms import TimeOfDayField

MAX_MINUTES = 240


class SeatForm(FlaskForm):
    user_id = SelectField("Member of the council",
                          description="The person who holds this seat: they are invited to each sitting and read its "
                                      "papers.",
                          validators=[DataRequired("Select a member of the council")])
    seat = SelectField("Seat", validators=[DataRequired("Select the seat from the terms of reference")])
    active = BooleanField("The seat is active (they are invited and read the papers)", default=True)


class RemoveSeatForm(FlaskForm):
    """Only the CSRF token."""


class SlotForm(FlaskForm):
    position = IntegerField("Position in the part", validators=[
        InputRequired("Enter the item's position in its part, for example 1"),
        NumberRange(min=1, max=500, message="The position must be a whole number from 1")])
    start = TimeOfDayField("Start time", validators=[Optional()])
    minutes = IntegerField("Minutes allowed", validators=[
        Optional(), NumberRange(min=1, max=MAX_MINUTES, message=f"Minutes allowed must be from 1 to {MAX_MINUTES}")])
    presenter_id = SelectField("Presenter", validators=[Optional()])
    second_presenter_id = SelectField("Second presenter", validators=[Optional()])


class MoveItemForm(FlaskForm):
    meeting_id = SelectField("Sitting to move the item to",
                             description="The item keeps its papers and its presenters; the members of both sittings "
                                         "see the change.",
                             validators=[DataRequired("Select the sitting")])
    reason = TextAreaField("Reason", validators=[DataRequired("Enter the reason for moving the item"),
                                                 Length(max=1000, message="The reason must be 1000 characters or fewer")])


class ReorderForm(FlaskForm):
    """Move up / move down: only the CSRF token (the direction is in the URL)."""


class PublishForm(FlaskForm):
    """Only the CSRF token."""


class FeedForm(FlaskForm):
    """Only the CSRF token."""
