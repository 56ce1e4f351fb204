"""Forms of the meeting's pages. The attendance rows are read by ``views`` (one row per seat, as
many as the body has); these forms carry the rest. Messages say what is wrong and where."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..accounts.forms import MultiCheckboxField
from ..panels.forms import DayField
from .services import MAX_NAME, MAX_TEXT

YES_NO = [("yes", "Yes"), ("no", "No")]
TEXT = Length(max=MAX_TEXT, message=f"This must be {MAX_TEXT} characters or fewer")


class EmptyForm(FlaskForm):
    """A form that carries only its CSRF token (the next agenda's rows are read by the view)."""


class AttendanceForm(FlaskForm):
    guest_name = StringField("Guest's name",
                             description="Someone at the sitting who does not hold a seat, for example a parent's "
                                         "advocate.",
                             validators=[Length(max=MAX_NAME, message="The name is too long")])
    guest_title = StringField("Guest's job title or organisation",
                              description="As the minutes should name them, for example \"Advocate, Coram Voice\".",
                              validators=[Length(max=200)])


class DeclarationForm(FlaskForm):
    user_id = SelectField("Member declaring the interest",
                          description="The member whose interest it is (the chair may record it for them).",
                          coerce=str,
                          validators=[InputRequired("Select the member declaring the interest")])
    agenda_item_id = SelectField("Declared for", coerce=str, validators=[Optional()])
    interest = TextAreaField("Interest declared",
                             description="What connects the member to a child or family on the agenda. The chair then"
                                         " rules whether they take part, observe or leave.",
                             validators=[InputRequired("Enter the interest declared"), TEXT])


class OwnDeclarationForm(FlaskForm):
    """A member declaring their own interest: no choice of person."""

    agenda_item_id = SelectField("Your interest is in", coerce=str, validators=[Optional()])
    interest = TextAreaField("Your interest",
                             description="What connects you to a child or family on the agenda, for example \"I "
                                         "supervised the foster carers' assessment\". The chair rules whether you take"
                                         " part, observe or leave the item.",
                             validators=[InputRequired("Enter the interest you declare"), TEXT])


class RulingForm(FlaskForm):
    ruling = RadioField("Chair's ruling", choices=[("take_part", "May take part"), ("observe", "May observe only"),
                                                   ("leave", "Leaves the meeting for the item")],
                        validators=[InputRequired("Select take part, observe or leave")])


class ItemRecordForm(FlaskForm):
    discussion = TextAreaField("Discussion", validators=[TEXT])
    care_plan_confirmed = RadioField("Was the care plan confirmed?", choices=YES_NO,
                                     validators=[InputRequired("Select yes if the care plan was confirmed, or no")])
    legal_status_confirmed = RadioField(
        "Was the legal status confirmed?", choices=YES_NO,
        validators=[InputRequired("Select yes if the legal status was confirmed, or no")])
    outcome_id = SelectField("Outcome", coerce=str,
                             validators=[InputRequired("Select an outcome from the terms of reference")])
    conditions = TextAreaField("Conditions", validators=[TEXT])
    decision = TextAreaField("Decision", validators=[InputRequired("Enter the decision"), TEXT])
    next_review_on = DayField("Next review date")
    escalate = RadioField("Escalate?", choices=YES_NO,
                          validators=[InputRequired("Select yes if the item is escalated, or no")])
    escalation_reason = TextAreaField("Reason for escalating", validators=[TEXT])

    def data_for_service(self) -> dict:
        return {"discussion": self.discussion.data, "care_plan_confirmed": self.care_plan_confirmed.data == "yes",
                "legal_status_confirmed": self.legal_status_confirmed.data == "yes",
                "outcome_id": self.outcome_id.data, "conditions": self.conditions.data, "decision": self.decision.data,
                "next_review_on": self.next_review_on.data, "escalate": self.escalate.data == "yes",
                "escalation_reason": self.escalation_reason.data}


class RequestRecordForm(FlaskForm):
    """The record of a request (an agenda part whose items are requests): no care plan, legal status
    or review, but the conditions of an outcome that needs them and the amount agreed."""

    discussion = TextAreaField("Discussion", validators=[TEXT])
    outcome_id = SelectField("Decision", coerce=str,
                             validators=[InputRequired("Select an outcome from the terms of reference")])
    conditions = TextAreaField("Conditions", validators=[TEXT])
    amount_agreed = StringField("Amount agreed (£)")
    decision = TextAreaField("Notes on the decision", validators=[TEXT])

    def data_for_service(self) -> dict:
        return {"discussion": self.discussion.data, "outcome_id": self.outcome_id.data,
                "conditions": self.conditions.data, "amount_agreed": self.amount_agreed.data,
                "decision": self.decision.data, "escalate": False, "escalation_reason": ""}


def agreed_date_fields(body) -> list[tuple[object, list[str]]]:
    """Each date the body's outcomes may set (``sets_dates``, one per id) with the outcomes setting it."""
    found: dict[str, tuple[object, list[str]]] = {}
    for outcome in body.outcomes:
        for agreed in outcome.sets_dates:
            found.setdefault(agreed.id, (agreed, []))[1].append(outcome.label)
    return list(found.values())


def item_record_form_for(body):
    """The item's record form with a date field for each date the body's outcomes set."""
    dates = agreed_date_fields(body)
    if not dates:
        return ItemRecordForm

    class WithDates(ItemRecordForm):
        date_ids = [agreed.id for agreed, _ in dates]

        def data_for_service(self) -> dict:
            data = super().data_for_service()
            data["agreed_dates"] = {i: self[f"date_{i}"].data for i in self.date_ids}
            return data

    for agreed, _ in dates:
        setattr(WithDates, f"date_{agreed.id}", DayField(agreed.label))
    return WithDates


class ThemesForm(FlaskForm):
    """The practice themes an item showed (the ToR's ``practice_themes``; the view sets the choices)."""

    themes = MultiCheckboxField("Practice themes", choices=[], validate_choice=False)


class DeferForm(FlaskForm):
    reason = TextAreaField("Reason for deferring", validators=[InputRequired("Enter why the item is deferred"), TEXT])


class NotHeardForm(FlaskForm):
    reason = TextAreaField("Why was the item not heard?",
                           validators=[InputRequired("Enter why the item was not heard"), TEXT])


class SignOffForm(FlaskForm):
    agree = RadioField("Do you agree with the recommendation?", choices=YES_NO,
                       validators=[InputRequired("Select whether you agree with the recommendation")])
    note = TextAreaField("Note", validators=[TEXT])


class UrgentDecisionForm(FlaskForm):
    """A decision for one child made between sittings (the body's ``decisions_between_sittings``)."""

    outcome_id = SelectField("Outcome", coerce=str,
                             validators=[InputRequired("Select an outcome the terms of reference allow between "
                                                       "sittings")])
    decision = TextAreaField("Decision", validators=[InputRequired("Enter the decision"), TEXT])
    why_urgent = TextAreaField("Why could the decision not wait for the next sitting?",
                               description="What would have happened to the child had it waited. The decision is "
                                           "reported to the next sitting.",
                               validators=[InputRequired("Enter why the decision could not wait for the next "
                                                         "sitting"), TEXT])
    decided_on = DayField("Date of the decision", validators=[InputRequired("Enter the date of the decision")])


class ReviewRequestForm(FlaskForm):
    reasons = TextAreaField("Why should the decision be reviewed?",
                            description="What in the decision you disagree with and why: the person who decides the "
                                        "review reads this.",
                            validators=[InputRequired("Enter why the decision should be reviewed"), TEXT])


class ReviewDecisionForm(FlaskForm):
    result = RadioField("Your decision on the review", choices=[
        ("upheld", "Uphold the decision"), ("changed", "Change the decision"),
        ("referred", "Refer it to the next sitting")],
        validators=[InputRequired("Select whether the decision is upheld, changed or referred")])
    new_outcome_id = SelectField("New outcome (if changed)",
                                 description="Leave it empty to uphold the decision as it was made.",
                                 coerce=str, validators=[Optional()])
    new_decision = TextAreaField("New decision (if changed)", validators=[TEXT])
    note = TextAreaField("Reasons for your decision", validators=[InputRequired("Enter the reasons for your decision"),
                                                                  TEXT])
