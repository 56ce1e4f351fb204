"""Sign-in, user and token forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, HiddenField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .roles import ROLES


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SignInForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address"),
                                                    Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password"), Length(max=200)])


class ForgottenPasswordForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address"), Length(max=254)])


class PeopleImportForm(FlaskForm):
    people = FileField("CSV file",
                       description="One row per person with their e-mail address, name, roles and team: download the "
                                   "template on this page.",
                       validators=[FileRequired("Choose the CSV file of people to add")])


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired("Enter your current password"),
                                                            Length(max=200)])
    password = PasswordField("New password", validators=[DataRequired("Enter a new password"), Length(max=200)])
    confirm = PasswordField("Confirm the new password", validators=[
        DataRequired("Enter the new password again"), EqualTo("password", "The passwords do not match")])


class SignInCodeForm(FlaskForm):
    code = StringField("Code from your authenticator app", validators=[
        DataRequired("Enter the 6-digit code from your authenticator app"), Length(max=20)])


class TwoFactorOnForm(FlaskForm):
    secret = HiddenField(validators=[Length(max=64)])
    code = StringField("Code from your authenticator app", validators=[
        DataRequired("Enter the 6-digit code your app shows after you scan the QR code"), Length(max=20)])


class TwoFactorOffForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired("Enter your password"), Length(max=200)])


class MemberForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter the person's email address"),
                                                    Email("Enter an email address like name@example.org"),
                                                    Length(max=254)])
    name = StringField("Full name", validators=[DataRequired("Enter the person's name"), Length(max=200)])
    job_title = StringField("Job title", validators=[Optional(), Length(max=200)])
    team = SelectField("Team", coerce=int, validators=[Optional()])
    roles = MultiCheckboxField("Roles", choices=list(ROLES.items()),
                               validators=[DataRequired("Choose at least one role")])


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired("Give the token a name"), Length(max=100)])
