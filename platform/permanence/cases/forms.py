"""Forms of the child's page: recording a key date, a circumstance and a change of legal status.

The forms check the shape of what was typed (a date, a known choice, a short note); the services
(``cases.services``) check it against the child's record and say what is wrong in the same words
whether the change came from this page or the API."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from . import codes

NOTE_MAX = 500
DATE_MESSAGE = "Enter a real date, for example 2027-03-17"


class _Date(DateField):
    """A yyyy-mm-dd date whose error says what to type."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(DATE_MESSAGE) from None


def _choices(options) -> list[tuple[str, str]]:
    return [("", "Choose")] + [(k, v[0].upper() + v[1:]) for k, v in options.items()]


class KeyDateForm(FlaskForm):
    event = SelectField("What happened", choices=_choices(codes.RECORDABLE_EVENTS), validate_choice=False,
                        validators=[InputRequired(message="Choose what happened")])
    happened_on = _Date("Date it happened", format="%Y-%m-%d",
                            validators=[InputRequired(message="Enter the date it happened")])
    note = TextAreaField("Note", validators=[Optional(), Length(
        max=NOTE_MAX, message=f"The note must be {NOTE_MAX} characters or fewer")])


class CircumstanceForm(FlaskForm):
    flag = SelectField("Circumstance", choices=_choices(codes.RECORDED_FLAGS), validate_choice=False,
                       validators=[InputRequired(message="Choose the circumstance")])
    start = _Date("From", format="%Y-%m-%d", validators=[InputRequired(message="Enter the date it began")])
    end = _Date("To (leave empty while it continues)", format="%Y-%m-%d", validators=[Optional()])
    note = TextAreaField("Note", validators=[Optional(), Length(
        max=NOTE_MAX, message=f"The note must be {NOTE_MAX} characters or fewer")])


class LegalStatusForm(FlaskForm):
    code = StringField("Legal status (SSDA903 code)", validators=[
        InputRequired(message="Enter the legal status code, for example C2 or V2"),
        Length(max=2, message="A legal status code is two characters, for example C2 or V2")])
    start = _Date("From", format="%Y-%m-%d",
                  validators=[InputRequired(message="Enter the date the legal status started")])
    s20_entry = SelectField("For section 20 (V2): how it began", choices=[("", "Not section 20")] + [
        (k, v[0].upper() + v[1:]) for k, v in codes.S20_ENTRIES.items()], validate_choice=False, default="")
