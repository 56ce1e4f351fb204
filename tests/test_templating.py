"""A template's undefined name: an error in tests and development, a logged blank in production."""

from __future__ import annotations

import logging

import pytest
from flask import render_template_string
from jinja2 import UndefinedError

from permanence.app import create_app


def _app(**config):
    return create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", **config})


def test_tests_run_with_strict_undefined(app):
    assert app.config["JINJA_STRICT_UNDEFINED"] is True
    with app.test_request_context("/"):
        with pytest.raises(UndefinedError, match="'nobody_passed_this' is undefined"):
            render_template_string("<p>{{ nobody_passed_this }}</p>")


def test_debug_mode_is_strict_and_production_is_not_unless_asked():
    assert _app(DEBUG=True).config["JINJA_STRICT_UNDEFINED"] is True
    assert _app(TESTING=False, DEBUG=False).config["JINJA_STRICT_UNDEFINED"] is False
    assert _app(TESTING=False, DEBUG=False, JINJA_STRICT_UNDEFINED=True).config["JINJA_STRICT_UNDEFINED"] is True


def test_in_production_the_page_renders_and_the_name_is_logged(caplog):
    production = _app(TESTING=False, DEBUG=False)
    with production.test_request_context("/knowsley/meetings/"), caplog.at_level(logging.ERROR):
        html = render_template_string("<p>[{{ nobody_passed_this }}]</p>{% for x in nor_this %}{{ x }}{% endfor %}")
    assert html == "<p>[]</p>"
    logged = [r.getMessage() for r in caplog.records if r.name == "permanence.templates"]
    assert any("'nobody_passed_this' is undefined" in m and "/knowsley/meetings/" in m for m in logged)
    assert any("'nor_this' is undefined" in m for m in logged)
