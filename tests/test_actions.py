"""Actions agreed at meetings: SMART checks, owners updating their own, overdue flags, actions
coming back on the child's next item, the council's list with filters."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from text_support import plain
from permanence.actions import services
from permanence.audit.models import AuditEvent
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.cases.models import Child
from permanence.core.jobs import commit
from permanence.panels.models import Action, ActionStatus, AgendaItem, ItemStatus
from minutes_support import TODAY, add_action_row, fixed_today, panel  # noqa: F401  (fixtures)


def _actions(app, panel):
    with app.app_context(), tenant_context(panel.tenant.id):
        rows = db.session.execute(select(Action).order_by(Action.id)).scalars().all()
        db.session.expunge_all()
        return rows


@pytest.mark.parametrize("description, owner, due, field", [
    ("", "worker", date(2027, 3, 10), "description"),
    ("Review it", "worker", date(2027, 3, 10), "description"),
    ("Book the medical with the CLA nurse", None, date(2027, 3, 10), "owner_id"),
    ("Book the medical with the CLA nurse", "stranger", date(2027, 3, 10), "owner_id"),
    ("Book the medical with the CLA nurse", "worker", None, "due_on"),
    ("Book the medical with the CLA nurse", "worker", date(2027, 2, 28), "due_on"),
])
def test_an_action_must_be_smart_and_nothing_is_written_otherwise(app, panel, make_user, fixed_today, description,
                                                                   owner, due, field):
    owner_id = {"worker": panel.worker.id, None: None, "stranger": make_user(None, name="No Council").id}[owner]
    with app.app_context(), tenant_context(panel.tenant.id):
        item = db.session.get(AgendaItem, panel.ids.item)
        with pytest.raises(services.ActionError) as caught:
            services.add_action(item, description, owner_id, due)
        assert caught.value.field == field
        db.session.rollback()
    assert _actions(app, panel) == []


def test_the_panel_adds_an_action_on_the_item_page_and_it_is_audited(app, client, login, panel, fixed_today):
    login(panel.chair)
    page = client.get(f"/{panel.slug}/agenda-items/{panel.ids.item}/actions")
    assert page.status_code == 200 and "No actions agreed for this item yet" in page.text
    here = f"/{panel.slug}/agenda-items/{panel.ids.item}/actions"
    response = client.post(here, data={"action-description": "Book the medical with the CLA nurse",
                                       "action-owner_id": panel.worker.id, "action-due_on": "15/3/2027",
                                       "action-next": here})
    assert response.status_code == 302 and response.headers["Location"].endswith(here)
    [action] = _actions(app, panel)
    assert (action.owner_id, action.due_on, action.child_id, action.status) == (
        panel.worker.id, date(2027, 3, 15), panel.child.id, ActionStatus.OPEN)
    page = plain(client.get(here).text)
    assert "Book the medical with the CLA nurse" in page and "Fictional Worker Dev" in page and "15 March 2027" in page
    with app.app_context(), tenant_context(panel.tenant.id):
        assert db.session.execute(select(AuditEvent).where(AuditEvent.entity_type == "Action",
                                                           AuditEvent.action == "create")).first() is not None


def test_a_bad_action_shows_the_errors_and_a_return_address_elsewhere_is_ignored(app, client, login, panel,
                                                                                 fixed_today):
    login(panel.chair)
    response = client.post(f"/{panel.slug}/agenda-items/{panel.ids.item}/actions",
                           data={"action-description": "Do it", "action-owner_id": "", "action-due_on": "1/2/2027",
                                 "action-next": "https://evil.example.org/"})
    assert response.status_code == 400
    assert "There is a problem" in response.text and "so it is specific" in response.text
    assert "Select who will do it" in response.text
    assert "evil.example.org" not in response.text
    assert _actions(app, panel) == []
    login(panel.worker)  # a social worker does not record meetings
    assert client.post(f"/{panel.slug}/agenda-items/{panel.ids.item}/actions",
                       data={"action-description": "Book the medical with the CLA nurse",
                             "action-owner_id": panel.worker.id, "action-due_on": "15/3/2027"}).status_code == 403


def test_my_actions_flags_the_overdue_one_and_the_owner_marks_it_done(app, client, login, panel, fixed_today):
    late = add_action_row(app, panel, panel.ids.item, owner=panel.worker, due_on=date(2027, 2, 24),
                          description="Send the later-life letter draft to the chair")
    add_action_row(app, panel, panel.ids.item, owner=panel.worker, due_on=date(2027, 3, 20),
                   description="Arrange the sibling contact review meeting")
    add_action_row(app, panel, panel.ids.item, owner=panel.partner, description="The nurse's health assessment")
    login(panel.worker)
    page = client.get(f"/{panel.slug}/actions/mine").text
    assert "My actions" in page and "You have 1 overdue action" in page
    assert "later-life letter" in page and "sibling contact review" in page and "health assessment" not in page
    row = re.search(rf'<tr class="govuk-table__row" data-action="{late}">.*?</tr>', page, re.S).group(0)
    assert "govuk-tag--red" in row and "Overdue" in row
    response = client.post(f"/{panel.slug}/actions/{late}/update",
                           data={"status": "done", "progress": "Sent on Friday", "next": f"/{panel.slug}/actions/mine"})
    assert response.status_code == 302
    action = next(a for a in _actions(app, panel) if a.id == late)
    assert (action.status, action.completed_on, action.progress) == (ActionStatus.DONE, TODAY, "Sent on Friday")
    assert "You have 1 overdue" not in client.get(f"/{panel.slug}/actions/mine").text


def test_only_the_owner_or_the_panel_may_update_an_action(app, client, login, panel, make_user, fixed_today):
    action_id = add_action_row(app, panel, panel.ids.item, owner=panel.partner)
    login(panel.worker)  # sees the child (allocated), is not the owner, does not record meetings
    response = client.post(f"/{panel.slug}/actions/{action_id}/update", data={"status": "done", "progress": ""})
    assert response.status_code == 403
    login(panel.outsider)  # cannot see the child at all
    assert client.post(f"/{panel.slug}/actions/{action_id}/update",
                       data={"status": "done"}).status_code == 403
    login(panel.admin)  # records meetings
    assert client.post(f"/{panel.slug}/actions/{action_id}/update",
                       data={"status": "cancelled", "progress": "No longer needed"}).status_code == 302
    login(panel.partner)  # the owner reopens it
    assert client.post(f"/{panel.slug}/actions/{action_id}/update",
                       data={"status": "open", "progress": "Needed after all"}).status_code == 302
    [action] = _actions(app, panel)
    assert action.status == ActionStatus.OPEN and action.completed_on is None
    response = client.post(f"/{panel.slug}/actions/{action_id}/update", data={"status": "finished"})
    assert response.status_code == 400 and "There is a problem" in response.text


def test_open_actions_come_back_on_the_childs_next_item(app, client, login, panel, fixed_today):
    overdue = add_action_row(app, panel, panel.ids.item, owner=panel.worker, due_on=date(2027, 2, 24),
                             description="Send the later-life letter draft to the chair")
    add_action_row(app, panel, panel.ids.group_item, owner=panel.worker, due_on=date(2027, 4, 1),
                   description="Complete the viability assessment of the aunt", child_id=None)
    login(panel.chair)
    page = client.get(f"/{panel.slug}/agenda-items/{panel.ids.next_item}/actions").text
    section = page.split("Actions from earlier meetings", 1)[1]
    assert "later-life letter" in section and "Overdue" in section and "RB-CASE-0042" in section
    assert "1 action from earlier meetings is overdue" in page
    assert "viability assessment" not in page  # the sibling group's action is about other children
    with app.app_context(), tenant_context(panel.tenant.id):
        assert [a.description for a in services.open_actions_for_children([panel.ids.sib2])] == [
            "Complete the viability assessment of the aunt"]
    client.post(f"/{panel.slug}/actions/{overdue}/update", data={"status": "done", "progress": "Sent"})
    assert "Actions from earlier meetings" not in client.get(
        f"/{panel.slug}/agenda-items/{panel.ids.next_item}/actions").text


def test_the_councils_list_filters_by_overdue_body_and_owner(app, client, login, panel, fixed_today):
    add_action_row(app, panel, panel.ids.item, owner=panel.worker, due_on=date(2027, 2, 24),
                   description="Send the later-life letter draft to the chair")
    add_action_row(app, panel, panel.ids.item, owner=panel.partner, due_on=date(2027, 3, 20),
                   description="The nurse's health assessment")
    login(panel.admin)
    page = client.get(f"/{panel.slug}/actions/").text
    assert "later-life letter" in page and "health assessment" in page
    page = client.get(f"/{panel.slug}/actions/?overdue=y").text
    assert "later-life letter" in page and "health assessment" not in page
    page = client.get(f"/{panel.slug}/actions/?owner_id={panel.partner.id}").text
    assert "later-life letter" not in page and "health assessment" in page
    assert "No actions match" in client.get(f"/{panel.slug}/actions/?body_id=no-such-panel").text
    assert "health assessment" in client.get(f"/{panel.slug}/actions/?body_id=ptp").text
    login(panel.worker)
    assert client.get(f"/{panel.slug}/actions/").status_code == 403


def test_actions_of_one_council_are_a_404_in_another(app, client, login, panel, make_tenant, make_user, fixed_today):
    action_id = add_action_row(app, panel, panel.ids.item, owner=panel.worker)
    other = make_tenant("council-elsewhere")
    chair = make_user(other, ["chair"])
    login(chair)
    assert client.post(f"/{other.slug}/actions/{action_id}/update", data={"status": "done"}).status_code == 404
    assert client.get(f"/{other.slug}/agenda-items/{panel.ids.item}/actions").status_code == 404


def test_the_childs_page_lists_the_childs_open_actions(app, client, login, panel, fixed_today):
    add_action_row(app, panel, panel.ids.item, owner=panel.worker, due_on=date(2027, 2, 24),
                   description="Send the later-life letter draft to the chair")
    login(panel.worker)
    page = client.get(f"/{panel.slug}/children/{panel.child.id}").text
    section = page.split('id="actions"', 1)[1]
    assert "Open actions" in page and "later-life letter" in section and "Overdue" in section
    assert "Action due: Send the later-life letter draft to the chair" in page  # on the timeline too


def test_my_actions_runs_the_same_queries_for_two_actions_or_twenty(app, client, login, panel, fixed_today):
    from sql_support import statements_run

    def statements(url):
        client.get(url)  # once first: this process parses the council's terms of reference on the first
        with statements_run(app) as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    def actions_on_new_items(numbers):
        """Each action on its own item, for its own child, so nothing is shared between rows."""
        with app.app_context(), tenant_context(panel.tenant.id):
            meeting_id = db.session.get(AgendaItem, panel.ids.item).meeting_id
            for n in numbers:
                child = Child(case_number=f"ACT-{n}", first_name="Fictional", last_name=f"Row{n}")
                item = AgendaItem(meeting_id=meeting_id, part_id="part", child=child, status=ItemStatus.HEARD)
                db.session.add(Action(agenda_item=item, child=child, description=f"Fictional action number {n}",
                                      owner_id=panel.worker.id, due_on=date(2027, 3, 20)))
            commit()

    actions_on_new_items(range(2))
    login(panel.worker)
    few = statements(f"/{panel.slug}/actions/mine")
    actions_on_new_items(range(2, 20))
    assert statements(f"/{panel.slug}/actions/mine") == few


def test_an_action_on_a_sibling_groups_item_is_on_each_siblings_timeline_and_named_in_its_reminder(
        app, panel, fixed_today):
    from permanence.actions.timeline import action_entries
    from permanence.cases.models import SiblingGroup
    from permanence.reminders.services import due_reminders

    with app.app_context(), tenant_context(panel.tenant.id):
        meeting_id = db.session.get(AgendaItem, panel.ids.item).meeting_id
        group = SiblingGroup(name="Fictional siblings")
        older = Child(case_number="SIB-1", first_name="Fictional", last_name="Older", sibling_group=group)
        younger = Child(case_number="SIB-2", first_name="Fictional", last_name="Younger", sibling_group=group)
        item = AgendaItem(meeting_id=meeting_id, part_id="part", sibling_group=group, status=ItemStatus.HEARD)
        db.session.add_all([older, younger, item, Action(
            agenda_item=item, description="Arrange the siblings' contact review", owner_id=panel.worker.id,
            due_on=date(2027, 3, 2))])
        commit()
        for child in (older, younger):
            assert [e.label for e in action_entries(child, TODAY)] == [
                "Action due: Arrange the siblings' contact review"]
        [reminder] = [r for r in due_reminders(TODAY) if r.kind == "actions_due"
                      and "siblings" in r.values["action"]]
        assert reminder.values["child"] == "F.O. (SIB-1), F.Y. (SIB-2)"
