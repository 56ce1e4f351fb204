"""Abbreviations are spelled out once per page: the first use in the main content gets an <abbr>
with its meaning, later uses stay short, and nothing outside text (tags, attributes, scripts,
form values) is touched. A council's own abbreviations come from the names in its ToR."""

from __future__ import annotations

import re

from permanence.web.abbreviations import COMMON, from_names, glossary, initials, mark_first_uses
from permanence.tor.loader import load_tor_from_text
from pathlib import Path

REDBRIDGE = Path(__file__).resolve().parents[1] / "tenants" / "redbridge" / "tor.yaml"


def test_first_use_only_and_only_in_text():
    html = ('<header>IRO</header><main><h1>The IRO</h1><a href="/iro/IRO" title="IRO">IRO list</a>'
            '<input value="IRO"><script>var IRO = 1;</script><p>Ask the IRO and the ADM.</p></main><footer>ADM</footer>')
    marked = mark_first_uses(html, COMMON)
    assert marked.count("<abbr") == 2
    assert '<h1>The <abbr title="independent reviewing officer">IRO</abbr></h1>' in marked
    assert 'href="/iro/IRO" title="IRO"' in marked and '<input value="IRO">' in marked
    assert "var IRO = 1;" in marked
    assert '<abbr title="agency decision maker">ADM</abbr>' in marked
    assert marked.startswith("<header>IRO</header>") and marked.endswith("<footer>ADM</footer>")


def test_a_word_containing_a_term_is_not_marked():
    marked = mark_first_uses("<main><p>LAST and CLAIM, then LA.</p></main>", COMMON)
    assert marked == '<main><p>LAST and CLAIM, then <abbr title="local authority">LA</abbr>.</p></main>'


def test_a_councils_own_names_give_its_abbreviations():
    assert initials("Permanence Tracking Panel") == "PTP"
    assert initials("Permanence Planning Tracking Meeting") == "PPTM"
    found = from_names(["Permanence Tracking Panel", "Chair", "Senior Management Team (SMT)", "Legal adviser"])
    assert found == {"PTP": "Permanence Tracking Panel", "SMT": "Senior Management Team"}
    terms = glossary(load_tor_from_text(REDBRIDGE.read_text()))
    assert terms["PTP"] == "Permanence Tracking Panel" and terms["IRO"] == COMMON["IRO"]


def test_pages_spell_out_the_councils_abbreviations(client, tenant_a, make_user, login):
    """On a served page: the home page of a council with no ToR gets the field's terms only."""
    user = make_user(tenant_a, ["iro"], email="iro@example.org")
    login(user)
    html = client.get("/council-a/").get_data(as_text=True)
    assert len(re.findall(r"<abbr", html.split("<main", 1)[1])) == len(set(re.findall(r'<abbr title="([^"]+)"', html)))
