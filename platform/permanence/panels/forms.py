"""Forms for changing the schedule: move, cancel, add. Messages say what is wrong and where."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, StopValidation
from wtforms.widgets import TextInput

from .models import WEEKDAYS

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


class TimeOfDayField(Field):
    """A time of day typed as 14:00 (or 9:30, 14.00), with a message that says which."""

    widget = TextInput()
    _PATTERN = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        match = self._PATTERN.match(text)
        if match is None:
            raise ValueError(f"{self.label.text} must be a time on the 24-hour clock, for example 14:00")
        self.data = time(int(match.group(1)), int(match.group(2)))


class MinutesField(IntegerField):
    """A whole number of minutes, with a message that names the field."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"{self.label.text} must be a whole number, for example 30") from None


class DayOfWeekField(RadioField):
    """Monday to Friday as 0 to 4; anything else is one clear message."""

    MESSAGE = "Choose a day from Monday to Friday"

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(self.MESSAGE) from None

    def pre_validate(self, form):
        if self.data not in dict(self.choices):
            raise StopValidation(self.MESSAGE)


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


class OnlineLinkForm(FlaskForm):
    """The sitting's own link to join online; service checks it (https://, length) and names the field."""
    online_link = StringField("Online meeting link")


class AddMeetingForm(FlaskForm):
    body_id = SelectField("Panel", validators=[_required("Select the panel the meeting is for")])
    date = DayField("Date", validators=[DateRequired("Enter the date of the meeting")])
    reason = TextAreaField("Reason for the extra meeting",
                           validators=[_required("Enter the reason for the extra meeting"), REASON_LENGTH])


class TrackingSlotForm(FlaskForm):
    """A day and time agreed for a team's tracking meetings: 'Tuesdays 10:00 to 12:00, meetings of 30 minutes'."""

    body_id = SelectField("Meeting", validators=[_required("Select the meeting")])
    weekday = DayOfWeekField("Day of the week", coerce=int, choices=list(enumerate(WEEKDAYS[:5])))
    starts = TimeOfDayField("From", validators=[DateRequired("Enter the time the meetings start, for example 10:00")])
    ends = TimeOfDayField("To", validators=[DateRequired("Enter the time the meetings end, for example 12:00")])
    minutes_each = MinutesField("Length of each meeting, in minutes", validators=[
        InputRequired("Enter how long each meeting is, in minutes"),
        NumberRange(min=5, max=600, message="Each meeting is 5 to 600 minutes long")])


class MoveTrackingMeetingForm(FlaskForm):
    """Another day, and a time or none (the whole day), for one child's tracking meeting."""

    date = DayField("New date", validators=[DateRequired("Enter the new date of the meeting")])
    time = TimeOfDayField("Start time (leave empty for the whole day)")
    reason = TextAreaField("Reason for moving the meeting",
                           validators=[_required("Enter the reason for moving the meeting"), REASON_LENGTH])


def today_hint(today: date) -> str:
    return f"For example, {today:%-d/%-m/%Y}"


class ConveneMeetingForm(FlaskForm):
    """A meeting for one child, convened when needed (the ToR's ``convened_by``): when, and why."""

    date = DayField("Date", validators=[DateRequired("Enter the date of the meeting")])
    time = TimeOfDayField("Start time", validators=[DateRequired("Enter the time the meeting starts, for example "
                                                                 "10:00")])
    reason = TextAreaField("Why the meeting is needed",
                           validators=[_required("Enter why the meeting is needed"), REASON_LENGTH])
