"""A form field a new user could misread carries its hint in the form itself (the field's
description), and the one field macro shows it, tied to the input for a screen reader, unless the
page gives a hint of its own."""

from __future__ import annotations

import pytest
from flask import render_template_string

from permanence.accounts.forms import PeopleImportForm
from permanence.actions.forms import UpdateActionForm
from permanence.meetings.forms import OwnDeclarationForm, ReviewRequestForm, UrgentDecisionForm

MACRO = '{% from "macros/forms.html" import field %}{{ field(form[name]) }}'


@pytest.mark.parametrize("form_class,name,says", [
    (UpdateActionForm, "progress", "for the next meeting to read"),
    (UpdateActionForm, "status", "cancelled only when the meeting agreed"),
    (OwnDeclarationForm, "interest", "The chair rules whether you take part, observe or leave"),
    (UrgentDecisionForm, "why_urgent", "reported to the next sitting"),
    (ReviewRequestForm, "reasons", "the person who decides the review reads this"),
    (PeopleImportForm, "people", "download the template on this page"),
])
def test_the_forms_own_hint_is_shown_and_described(app, form_class, name, says):
    with app.test_request_context():
        form = form_class(meta={"csrf": False})
        html = render_template_string(MACRO, form=form, name=name)
    assert f'<div id="{form[name].id}-hint" class="govuk-hint">' in html
    assert says in html
    assert f'aria-describedby="{form[name].id}-hint"' in html


def test_a_pages_own_hint_wins(app):
    with app.test_request_context():
        form = UpdateActionForm(meta={"csrf": False})
        html = render_template_string('{% from "macros/forms.html" import field %}{{ field(form.progress, hint="Mine") }}',
                                      form=form)
    assert "Mine" in html and "for the next meeting to read" not in html
