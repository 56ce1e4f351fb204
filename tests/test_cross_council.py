"""The cross-council view: the councils that share their measures side by side, figures only, with small
counts hidden ("[c]") and the cells that would give them away hidden too; who may see it; the council's
switch. The suppression function is tested on its own first."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from text_support import plain
from permanence.audit.models import AuditEvent
from permanence.cases.models import CarePeriod, Child, LegalStatus, Placement
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.measures.suppression import primary, suppressed_cells
from permanence.tenancy.models import Tenant

TODAY = date(2025, 3, 31)


# --- the pure function ---------------------------------------------------------------------------


def test_primary_suppression_hides_counts_of_one_to_four_not_noughts():
    counts = {("r", "A"): 0, ("r", "B"): 1, ("r", "C"): 4, ("r", "D"): 5}
    assert primary(counts, 5) == {("r", "B"), ("r", "C")}


def test_secondary_suppression_within_a_group_hides_the_next_smallest_part():
    # One council's parts 2, 7, 6 add up to a shown 15: hiding only the 2 would leave 15 - 7 - 6.
    counts = {("x", "A"): 2, ("y", "A"): 7, ("z", "A"): 6, ("total", "A"): 15}
    assert suppressed_cells(counts, min_count=5, columns=["A"], row_groups=[("total", ["x", "y", "z"])]) \
        == {("x", "A"), ("z", "A")}


def test_secondary_suppression_across_councils_hides_the_next_smallest_council():
    counts = {("r", "A"): 3, ("r", "B"): 8, ("r", "C"): 6, ("r", "T"): 17}
    assert suppressed_cells(counts, min_count=5, columns=["A", "B", "C"], total_column="T") \
        == {("r", "A"), ("r", "C")}


def test_a_hidden_total_needs_nothing_more_hidden():
    counts = {("r", "A"): 3, ("r", "B"): 0, ("r", "T"): 3}
    assert suppressed_cells(counts, min_count=5, columns=["A", "B"], total_column="T") == {("r", "A"), ("r", "T")}


def test_secondary_suppression_carries_on_until_nothing_can_be_worked_out():
    """Council A's 2 under 3 months hides its 5 (3 to 6 months); each row's total then needs council B's
    cell hidden too, which leaves B with two hidden: a square no subtraction opens. Council C stays shown."""
    parts = {"A": (2, 5), "B": (5, 6), "C": (6, 7)}
    counts = {}
    for council, (under3, three6) in parts.items():
        counts.update({("u3", council): under3, ("3-6", council): three6, ("s20", council): under3 + three6})
    counts.update({("u3", "T"): 13, ("3-6", "T"): 18, ("s20", "T"): 31})
    hidden = suppressed_cells(counts, min_count=5, columns=["A", "B", "C"], total_column="T",
                              row_groups=[("s20", ["u3", "3-6"])])
    assert hidden == {("u3", "A"), ("3-6", "A"), ("u3", "B"), ("3-6", "B")}


def test_a_council_with_no_other_child_in_the_group_has_its_total_hidden():
    """Aldford's 2 (x) hides its 5 (y); across councils that hides Carrow's 5 in x and Brindle's 6 in y.
    Brindle and Carrow have no other child in the group (their noughts are shown), so their totals go:
    what is left shown cannot say how Aldford's 7 divide."""
    counts = {("x", "A"): 2, ("y", "A"): 5, ("s", "A"): 7,
              ("x", "B"): 0, ("y", "B"): 6, ("s", "B"): 6,
              ("x", "C"): 5, ("y", "C"): 0, ("s", "C"): 5,
              ("x", "T"): 7, ("y", "T"): 11, ("s", "T"): 18}
    hidden = suppressed_cells(counts, min_count=5, columns=["A", "B", "C"], total_column="T",
                              row_groups=[("s", ["x", "y"])])
    assert hidden == {("x", "A"), ("y", "A"), ("x", "C"), ("y", "B"), ("s", "B"), ("s", "C")}


# --- the page ------------------------------------------------------------------------------------


def _children(app, tenant, n, rows_for):
    """``n`` fictional children of ``tenant``, each with the history rows ``rows_for(child_id)``."""
    with app.app_context(), tenant_context(tenant.id):
        for i in range(n):
            child = Child(case_number=f"X-{tenant.id}-{i}-{rows_for.__name__}", first_name="Fictional",
                          last_name=f"Child{i}", date_of_birth=date(2012, 1, 1))
            db.session.add(child)
            db.session.flush()
            db.session.add_all(rows_for(child.id))
        commit()


def _s20_since(start):
    def s20(child_id):
        return [LegalStatus(child_id=child_id, code="V2", start=start)]
    s20.__name__ = f"s20{start:%Y%m%d}"
    return s20


def _adopted(days):
    def adopted(child_id):
        start = date(2021, 6, 1)
        return [CarePeriod(child_id=child_id, start=start, end=date(2024, 6, 1), reason_ceased="E11"),
                Placement(child_id=child_id, place="A6", start=date.fromordinal(start.toordinal() + days),
                          end=date(2024, 6, 1))]
    adopted.__name__ = f"adopted{days}"
    return adopted


UNDER_3 = date(2025, 2, 1)  # 58 days before 31 March 2025
THREE_TO_6 = date(2024, 11, 1)


@pytest.fixture
def councils(app, make_tenant, make_user, travel):
    travel(TODAY)
    a, b, c = make_tenant("aldford", "Aldford Council"), make_tenant("brindle", "Brindle Council"), \
        make_tenant("carrow", "Carrow Council")
    d = make_tenant("dunmere", "Dunmere Council")  # does not share
    for tenant, (under3, three6) in ((a, (2, 5)), (b, (5, 6)), (c, (6, 7)), (d, (1, 9))):
        _children(app, tenant, under3, _s20_since(UNDER_3))
        _children(app, tenant, three6, _s20_since(THREE_TO_6))
    # Brindle: 3 children adopted, 300, 400 and 500 days after entering care (average 400: hidden).
    for days in (300, 400, 500):
        _children(app, b, 1, _adopted(days))
    _children(app, d, 6, _adopted(1000))
    with app.app_context():
        for tenant in (a, b, c):
            db.session.get(Tenant, tenant.id).shares_measures = True
        commit()
    return {"a": a, "b": b, "c": c, "d": d}


def _row(text, key):
    found = re.search(rf'<tr class="govuk-table__row" id="row-{re.escape(key)}">(.*?)</tr>', text, re.S)
    assert found, key
    return [re.sub(r"<[^>]+>", " ", plain(cell)).split()
            for cell in re.findall(r'<td class="govuk-table__cell">(.*?)</td>', found.group(1), re.S)]


def _first(cells):
    return [" ".join(c[:1]) if c and c[0] == "[c]" else " ".join(c) for c in cells]


def _check_table(text):
    assert "Aldford Council" in text and "Brindle Council" in text and "Carrow Council" in text
    assert "Dunmere" not in text
    # Section 20 by how long: Aldford's 2 are hidden, and its 5 that would give them away from its total of
    # 7; each row's total then needs Brindle's cell hidden too. Carrow's and the totals are shown.
    assert _first(_row(text, "s20_by_length-Under-3-months")) == ["[c]", "[c]", "6", "13"]
    assert _first(_row(text, "s20_by_length-3-to-6-months")) == ["[c]", "[c]", "7", "18"]
    assert _first(_row(text, "s20_by_length-6-to-12-months")) == ["0", "0", "0", "0"]
    assert _first(_row(text, "s20_by_length")) == ["7", "11", "13", "31"]
    # A1: Brindle's average of 3 children is hidden, and the total (the same 3 children) with it.
    assert _first(_row(text, "a1")) == ["No children counted", "[c]", "No children counted", "[c]"]
    assert "400" not in " ".join(" ".join(c) for c in _row(text, "a1"))
    assert "[c]</strong> means the figure is hidden" in text and "fewer than 5 children" in text
    assert "Fictional" not in text and "Child0" not in text


def test_a_senior_manager_of_a_sharing_council_sees_the_table_with_small_counts_hidden(client, login, councils,
                                                                                       make_user):
    login(make_user(councils["a"], ["senior_manager"]))
    page = client.get("/aldford/measures/across-councils")
    assert page.status_code == 200
    _check_table(page.text)


def test_the_central_administrator_sees_the_same_table(client, login, councils, make_user):
    login(make_user(platform_admin=True))
    page = client.get("/admin/measures/across-councils")
    assert page.status_code == 200
    _check_table(page.text)
    assert client.get("/admin/measures/across-councils?date=soon").status_code == 400


def test_a_council_that_does_not_share_sees_no_figures(client, login, councils, make_user):
    make_user(councils["d"], ["tenant_admin"], name="Pat Fictional-Admin")
    login(make_user(councils["d"], ["senior_manager"]))
    page = client.get("/dunmere/measures/across-councils")
    assert page.status_code == 200
    assert "Dunmere Council has not chosen to share its measures" in page.text
    assert "Pat Fictional-Admin" in page.text
    assert "Aldford" not in page.text and "[c]" not in page.text and 'id="across"' not in page.text


def test_who_may_not_see_it(client, login, councils, make_user):
    login(make_user(councils["a"], ["social_worker"]))
    assert client.get("/aldford/measures/across-councils").status_code == 403
    login(make_user(councils["a"], ["team_manager"]))
    assert client.get("/aldford/measures/across-councils").status_code == 403
    login(make_user(councils["a"], ["senior_manager"]))
    assert client.get("/admin/measures/across-councils").status_code == 404
    # A senior manager may not switch sharing (nor write anything).
    assert client.post("/aldford/measures/sharing", data={"shares": "no"}).status_code == 403


def test_the_councils_administrator_switches_sharing_and_it_is_audited(app, client, login, councils, make_user):
    admin = make_user(councils["d"], ["tenant_admin"])
    login(admin)
    page = client.get("/dunmere/measures/")
    assert "Share these measures with other councils" in page.text
    assert client.post("/dunmere/measures/sharing", data={"shares": "maybe"}).status_code == 400
    response = client.post("/dunmere/measures/sharing", data={"shares": "yes"}, follow_redirects=True)
    assert "Dunmere Council now shares its measures" in response.text
    assert "Stop sharing these measures" in response.text
    login(make_user(councils["a"], ["senior_manager"]))
    text = client.get("/aldford/measures/across-councils").text
    assert "Dunmere Council" in text
    # Dunmere's 6 adopted children (1,000 days each) make the total of 9 children shown: (300 + 400 + 500
    # + 6 x 1,000) / 9 = 800 days. Brindle's [c] would be the only council hidden, so Dunmere's is hidden too.
    assert _first(_row(text, "a1")) == ["No children counted", "[c]", "No children counted", "[c]",
                                        "800 days 9 children Not met"]
    with app.app_context(), tenant_context(councils["d"].id):
        events = db.session.execute(select(AuditEvent).where(AuditEvent.entity_type == "Tenant")).scalars().all()
        assert [(e.summary, e.actor_id) for e in events] == [
            ("Dunmere Council now shares its measures with other councils (figures only)", admin.id)]
