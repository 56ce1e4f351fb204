"""Forms for changing the schedule: move, cancel, add. Messages say what is wrong and where."""

from __future__ import annotations

from datetime import date, datetime

from flask_wtf import FlaskForm
from wtforms import Field, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation
from wtforms.widgets import TextInput

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d-%m-%Y")


class DayField(Field):
    """A date typed as 25/12/2026 or 2026-12-25, with a message that says which."""

    widget = TextInput()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%d/%m/%Y") if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        for fmt in DATE_FORMATS:
            try:
                self.data = datetime.strptime(text, fmt).date()
                return
            except ValueError:
                continue
        raise ValueError(f"{self.label.text} must be a real date, for example 27/3/2027")


class DateRequired:
    """Like DataRequired, but keeps the "must be a real date" error of a date that does not parse."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if field.errors:
            raise StopValidation()
        if field.data is None:
            raise StopValidation(self.message)


def _required(message):
    return DataRequired(message=message)


REASON_LENGTH = Length(max=1000, message="The reason must be 1000 characters or fewer")


class MoveMeetingForm(FlaskForm):
    date = DayField("New date", validators=[DateRequired("Enter the new date of the meeting")])
    reason = TextAreaField("Reason for moving the meeting",
                           validators=[_required("Enter the reason for moving the meeting"), REASON_LENGTH])


class CancelMeetingForm(FlaskForm):
    reason = TextAreaField("Reason for cancelling the meeting",
                           validators=[_required("Enter the reason for cancelling the meeting"), REASON_LENGTH])


class AddMeetingForm(FlaskForm):
    body_id = SelectField("Panel", validators=[_required("Select the panel the meeting is for")])
    date = DayField("Date", validators=[DateRequired("Enter the date of the meeting")])
    reason = TextAreaField("Reason for the extra meeting",
                           validators=[_required("Enter the reason for the extra meeting"), REASON_LENGTH])


def today_hint(today: date) -> str:
    return f"For example, {today:%-d/%-m/%Y}"
