"""Plugins and the terms of reference: the core needs none, a tenant that does not enable a plugin
never calls it, and the example performance_cohort plugin checks its settings and proposes children."""

from __future__ import annotations

from pathlib import Path

import pytest

from permanence.plugins import call_hook, get_manager, hookimpl
from permanence.tor import TorConfigError, load_tor
from permanence.tor import services

REPO = Path(__file__).resolve().parents[1]
NORTH_SHIRE = (REPO / "tests" / "data" / "tor" / "north-shire" / "tor.yaml").read_text()


class Spy:
    """A plugin that records every call."""

    def __init__(self):
        self.calls = []

    @hookimpl
    def validate_terms_of_reference(self, tor, settings):
        self.calls.append(("validate", tor.council.name))
        return [(("plugins", "settings"), "spy says no")] if (settings or {}).get("spy", {}).get("fail") else []

    @hookimpl
    def cohort_candidates(self, tenant_id, body, part, settings):
        self.calls.append(("cohort", part.id))
        return [1, 2]


@pytest.fixture
def spy():
    plugin = Spy()
    get_manager().register(plugin, name="spy")
    yield plugin
    get_manager().unregister(plugin)


def _with_plugins(text, block):
    return text + "\nplugins:\n" + block


def test_the_core_runs_with_no_plugin_enabled_or_in_safe_mode(app):
    assert call_hook("validate_terms_of_reference", enabled=[], tor=None, settings={}) == []
    assert call_hook("validate_terms_of_reference", enabled=["performance_cohort"], safe_mode=True,
                     tor=None, settings={}) == []
    with app.app_context():
        tor = services.parse_tor(NORTH_SHIRE, safe_mode=True)
    assert tor.plugins.enabled == ()


def test_a_tenant_without_the_plugin_enabled_never_calls_it(app, spy):
    with app.app_context():
        tor = services.parse_tor(NORTH_SHIRE)
        body = tor.bodies[0]
        assert services.plugin_cohort_candidates(1, tor, body, body.agenda_parts[0]) == {}
    assert spy.calls == []


def test_an_enabled_plugin_validates_and_its_errors_are_load_errors_with_lines(app, spy):
    text = _with_plugins(NORTH_SHIRE, "  enabled: [spy]\n  settings:\n    spy: {fail: true}\n")
    with app.app_context():
        with pytest.raises(TorConfigError) as caught:
            services.parse_tor(text)
        assert spy.calls == [("validate", "North Shire Council (synthetic)")]
        error = caught.value.errors[0]
        assert error.message == "spy says no" and error.line == text.splitlines().index("  settings:") + 1
        ok = services.parse_tor(_with_plugins(NORTH_SHIRE, "  enabled: [spy]\n"))
        found = services.plugin_cohort_candidates(1, ok, ok.bodies[0], ok.bodies[0].agenda_parts[0])
        assert list(found) == [1, 2] and found[1].source == "put forward by the council's spy plugin"


performance_cohort = pytest.importorskip("permanence_performance_cohort")


def test_knowsley_enables_performance_cohort_with_valid_settings(app):
    with app.app_context():
        tor = services.parse_tor((REPO / "tenants/knowsley/tor.yaml").read_text())
    assert tor.plugins.enabled == ("performance_cohort", "case_record_folder")


def test_performance_cohort_rejects_bad_settings_at_their_lines(app):
    block = ("  enabled: [performance_cohort]\n  settings:\n    performance_cohort:\n"
             "      csv: nowhere.csv\n      parts: [no-such-part]\n")
    text = _with_plugins(NORTH_SHIRE, block)
    with app.app_context():
        with pytest.raises(TorConfigError) as caught:
            services.parse_tor(text)
    messages = {e.dotted_path: (e.line, e.message) for e in caught.value.errors}
    lines = text.splitlines()
    assert messages["plugins.settings.performance_cohort.csv"] == (
        lines.index("      csv: nowhere.csv") + 1, "cannot read 'nowhere.csv'")
    assert "no agenda part 'no-such-part'" in messages["plugins.settings.performance_cohort.parts[0]"][1]


def test_performance_cohort_proposes_the_councils_children_in_the_csv(app, tenant_a, tenant_b, make_child):
    inside = make_child(tenant_a, case_number="DEMO-0004")
    make_child(tenant_a, case_number="DEMO-0005")
    make_child(tenant_b, case_number="DEMO-0009")  # in the CSV, but another council's child
    with app.app_context():
        tor = load_tor(REPO / "tenants" / "knowsley")
        body = tor.bodies[0]
        ids = services.plugin_cohort_candidates(tenant_a.id, tor, body, body.part("scrutiny"))
        other_part = services.plugin_cohort_candidates(tenant_a.id, tor, body, body.part("adoption-tracking"))
    assert list(ids) == [inside.id] and other_part == {}
    assert ids[inside.id].source == "Power BI extract power-bi-scrutiny-cohort.synthetic.csv, row 2"


@pytest.mark.parametrize("where", ["/etc/passwd", "../../../../etc/passwd", "knowsley/../../pyproject.toml"])
def test_performance_cohort_reads_no_file_outside_the_tenants_folder(app, where):
    """A council's administrator writes the ToR and the CSV's headings come back in messages: a
    path out of the tenants folder is refused before the file is opened, and names nothing of it."""
    block = ("  enabled: [performance_cohort]\n  settings:\n    performance_cohort:\n"
             f"      csv: {where}\n      parts: [no-such-part]\n")
    with app.app_context():
        with pytest.raises(TorConfigError) as caught:
            services.parse_tor(_with_plugins(NORTH_SHIRE, block))
    messages = {e.dotted_path: e.message for e in caught.value.errors}
    assert messages["plugins.settings.performance_cohort.csv"] == (
        f"{where!r} is not inside the tenants folder: give the CSV's path relative to it, "
        "for example knowsley/extract.csv")
    assert "root" not in str(caught.value) and "build-system" not in str(caught.value)
