"""Referral forms. The referral questions are built from the ToR's ``referral_form`` fields; the
answers are checked by ``rules.clean_answers`` (shared with the API), so a form only collects."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (BooleanField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..panels.forms import DayField

REASON_HINT = "What the panel is asked to consider, and why now."


class ChooseForm(FlaskForm):
    """Step 1: the child and the sitting (a GET form: nothing is written)."""

    class Meta:
        csrf = False

    child_id = SelectField("Child", validators=[DataRequired("Select the child you are referring")])
    meeting_id = SelectField("Meeting",
                             description="The sitting the referral is for. Each sitting shows the day referrals "
                                         "close.",
                             validators=[DataRequired("Select the meeting")])


class PartForm(FlaskForm):
    class Meta:
        csrf = False

    child_id = StringField()
    meeting_id = StringField()
    part_id = RadioField("Part of the agenda", validators=[DataRequired("Select the part of the agenda")])
    as_group = BooleanField("Refer the brothers and sisters together, as one item")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def field_name(field_id: str) -> str:
    return "answer_" + field_id.replace("-", "_")


def referral_form_class(fields, people: dict[int, str], *, children: list[tuple[str, str]] | None = None):
    """A FlaskForm class with the reason and one input per ToR question (no validators: the rules
    check the answers, so the page and the API give the same messages). With ``children`` it is a
    request's form: the child it is for, if any, instead of a reason."""
    if children is None:
        attrs = {"reason": TextAreaField("Why are you referring the child?")}
    else:
        attrs = {"child_id": SelectField("For which child, if any", choices=[("", "No child: not for one child")]
                                         + children, validate_choice=False)}
    for f in fields:
        name = field_name(f.id)
        if f.type == "long_text":
            attrs[name] = TextAreaField(f.label, description=f.help)
        elif f.type == "date":
            attrs[name] = DayField(f.label, description=f.help)
        elif f.type == "yes_no":
            attrs[name] = RadioField(f.label, choices=[("yes", "Yes"), ("no", "No")], description=f.help,
                                     validate_choice=False)
        elif f.type == "choice":
            attrs[name] = SelectField(f.label, choices=[("", "Select an option")] + [(o, o) for o in f.options],
                                      description=f.help, validate_choice=False)
        elif f.type == "choices":
            attrs[name] = MultiCheckboxField(f.label, choices=[(o, o) for o in f.options], description=f.help,
                                             validate_choice=False)
        elif f.type == "person":
            choices = [("", "Select a person")] + [(str(i), n) for i, n in people.items()]
            attrs[name] = SelectField(f.label, choices=choices, description=f.help, validate_choice=False)
        else:
            attrs[name] = StringField(f.label, description=f.help)
    return type("ReferralForm", (FlaskForm,), attrs)


def answers_from(form, fields) -> tuple[dict, dict[str, str]]:
    """The raw answers by field id, and errors of fields that could not even be read (a bad date)."""
    answers, errors = {}, {}
    for f in fields:
        field = form[field_name(f.id)]
        if field.errors or (f.type == "date" and field.raw_data and field.raw_data[0].strip() and field.data is None):
            errors[f.id] = field.errors[0] if field.errors else f"{f.label} must be a real date, for example 27/3/2027"
            continue
        value = field.data
        if f.type == "date" and value is not None:
            value = value.isoformat()
        answers[f.id] = value
    return answers, errors


def prefill(form, fields, answers: dict) -> None:
    from datetime import date

    for f in fields:
        value = answers.get(f.id)
        if value is None:
            continue
        field = form[field_name(f.id)]
        if f.type == "date":
            field.data = date.fromisoformat(value)
        elif f.type == "person":
            field.data = str(value)
        else:
            field.data = value


class ChooseRequestForm(FlaskForm):
    """A request's first step: the sitting and the part that decides it (a GET form)."""

    class Meta:
        csrf = False

    sitting = RadioField("Which meeting, and which part of its agenda?", validate_choice=False,
                         validators=[DataRequired("Select the meeting and the part of its agenda")])


class CommentsForm(FlaskForm):
    comments = TextAreaField("Comments for the social worker",
                             validators=[Length(max=5000, message="Comments must be 5000 characters or fewer")])


class SubmitForm(FlaskForm):
    comments = TextAreaField("Quality assurance comments (optional)")
    late_reason = TextAreaField("Why is the referral late?")


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason")


class LateRulingForm(FlaskForm):
    accept = RadioField("Is the late referral accepted?", choices=[("yes", "Yes, the panel will hear it"),
                                                                  ("no", "No, decline it")], validate_choice=False)
    ruling = TextAreaField("Reason for your decision")


class EmptyForm(FlaskForm):
    """Only the CSRF token, for buttons that take no input."""


class MoveForm(FlaskForm):
    meeting_id = StringField()


class QualityAssurerForm(FlaskForm):
    """Who the panel administrator asks to quality-assure a referral (the service checks the choice)."""

    user_id = SelectField("Who should quality-assure the referral?",
                          description="Usually the child's team manager: choose someone else only when they are away.",
                          validate_choice=False)
    reason = TextAreaField("Reason (optional)", validators=[Length(max=5000, message="Reason must be 5000 "
                                                                                     "characters or fewer")])
