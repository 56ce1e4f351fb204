"""Practice themes (the ToR's ``practice_themes``): the chair tags an item with the themes it
showed, only the council's own themes are taken, and the ToR's reporting duties say what the
platform will do with them."""

from __future__ import annotations

import re

import pytest

from text_support import plain
from permanence.tor.loader import TorConfigError, load_tor_from_text
from meetings_support import MONTHLY, item_of, monthly_meeting
from test_tor_rendered import read_tor  # noqa: F401  (fixture)

SLUG = MONTHLY["slug"]


@pytest.fixture
def monthly(app, make_user, make_child):
    return monthly_meeting(app, make_user, make_child)


def test_the_chair_tags_an_item_with_the_councils_themes(app, client, login, monthly):
    login(monthly["people"]["chair"])
    item_id = monthly["items"][0]
    page = client.get(f"/{SLUG}/agenda-items/{item_id}/record")
    assert page.status_code == 200
    assert "Practice themes" in page.text and "Drift and delay" in page.text and "Parallel planning" in page.text

    response = client.post(f"/{SLUG}/agenda-items/{item_id}/themes",
                           data={"themes": ["parallel-planning", "drift-delay"]}, follow_redirects=True)
    assert response.status_code == 200 and "The practice themes are saved." in response.text
    # Kept in the ToR's order, whatever order the boxes came in.
    assert item_of(app, monthly["tenant"], item_id).practice_themes == ["drift-delay", "parallel-planning"]

    response = client.post(f"/{SLUG}/agenda-items/{item_id}/themes", data={"themes": ["made-up"]})
    assert response.status_code == 400
    assert "Not a practice theme of the terms of reference: made-up" in response.text
    assert item_of(app, monthly["tenant"], item_id).practice_themes == ["drift-delay", "parallel-planning"]

    client.post(f"/{SLUG}/agenda-items/{item_id}/themes", data={})  # none ticked: the tags are cleared
    assert item_of(app, monthly["tenant"], item_id).practice_themes == []


def test_a_social_worker_cannot_tag_and_sees_no_form(app, client, login, monthly):
    login(monthly["people"]["worker"])
    item_id = monthly["items"][0]
    response = client.post(f"/{SLUG}/agenda-items/{item_id}/themes", data={"themes": ["drift-delay"]})
    assert response.status_code == 403
    assert item_of(app, monthly["tenant"], item_id).practice_themes == []


def test_a_later_sitting_cannot_be_tagged_yet(app, client, login, monthly, make_child):
    from meetings_support import book
    child = make_child(monthly["tenant"], first_name="Fictional", last_name="Cedar")
    later_item = book(app, monthly["tenant"], monthly["later_id"], MONTHLY["part"], child)
    login(monthly["people"]["chair"])
    response = client.post(f"/{SLUG}/agenda-items/{later_item}/themes", data={"themes": ["drift-delay"]},
                           follow_redirects=True)
    assert "Themes are tagged on an item its meeting has reached" in response.text
    assert item_of(app, monthly["tenant"], later_item).practice_themes == []


BASE = """\
council:
  name: Fictional Borough
bodies:
  - id: panel
    kind: panel
    name: Fictional Panel
    cadence:
      rrule: FREQ=WEEKLY;INTERVAL=2;BYDAY=WE
      anchor: 2027-01-06
      start_time: "14:00"
      end_time: "17:00"
    membership:
      chairs: [{role: chair}]
      members:
        - {role: team-manager}
"""


def test_an_unknown_body_in_a_reporting_duty_and_a_repeated_theme_are_refused_with_their_lines():
    text = BASE + """\
reporting:
  - {id: q, label: Quarterly report, frequency: quarterly, to: SMT, bodies: [pannel]}
practice_themes:
  - {id: drift, label: Drift}
  - {id: drift, label: Drift again}
"""
    with pytest.raises(TorConfigError) as raised:
        load_tor_from_text(text, "tor.yaml")
    message = str(raised.value)
    assert "reporting duty 'q' reports on unknown body 'pannel'" in message
    assert "practice theme id 'drift' is used more than once" in message
    assert "tor.yaml:17 reporting[0].bodies[0]" in message  # line 17 of the text above
    assert "tor.yaml:20 practice_themes[1].id" in message


def test_the_rendered_tor_says_what_the_platform_does_with_a_duty_and_lists_the_themes(read_tor):  # noqa: F811
    text = read_tor("monthly-tracking-overview")
    assert "Themes and issues the department can learn from: quarterly, to Senior Management Team (SMT)" in text
    assert "The platform builds it the day after each period ends, reporting on the Permanency Tracking Meeting, " \
           "and tells the Senior Management Team (SMT)" in text
    assert "Practice themes" in text and "Drift and delay: A plan or its steps slipped past the timescale agreed" in text
    text = re.sub(r"<[^>]+>", "", read_tor("permanence-panel-pptm"))
    assert "reporting on the Permanence Panel, and tells the senior managers (platform default) and the service " \
           "manager" in text


def test_the_api_reads_and_sets_an_items_themes(app, client, make_token, monthly):
    item_id = monthly["items"][0]
    _, secret = make_token(monthly["tenant"], monthly["people"]["chair"])
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"/{SLUG}/api/v1/agenda-items/{item_id}/themes"
    assert client.get(url, headers=headers).json == {"id": item_id, "themes": []}
    response = client.put(url, json={"themes": ["report-quality", "drift-delay"]}, headers=headers)
    assert response.status_code == 200 and response.json["themes"] == ["drift-delay", "report-quality"]
    response = client.put(url, json={"themes": ["nope"]}, headers=headers)
    assert response.status_code == 422 and "nope" in response.json["errors"]["json"]["themes"][0]
    assert client.put(url, json={"themes": "drift-delay"}, headers=headers).status_code == 422
    assert item_of(app, monthly["tenant"], item_id).practice_themes == ["drift-delay", "report-quality"]
    _, worker = make_token(monthly["tenant"], monthly["people"]["worker"])
    assert client.put(url, json={"themes": []}, headers={"Authorization": f"Bearer {worker}"}).status_code == 403


def test_the_panel_report_counts_the_items_and_children_tagged_with_each_theme(app, client, login, monthly):
    login(monthly["people"]["chair"])
    first, second = monthly["items"]
    client.post(f"/{SLUG}/agenda-items/{first}/themes", data={"themes": ["drift-delay", "report-quality"]})
    client.post(f"/{SLUG}/agenda-items/{second}/themes", data={"themes": ["drift-delay"]})
    page = client.get(f"/{SLUG}/reports/{MONTHLY['body']}")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", plain(page.text)))
    assert "Practice themes" in text
    # Drift and delay: 2 items, 2 children; quality of reports: 1 and 1; parallel planning: none.
    assert re.search(r"Drift and delay 2 2 ", text) and re.search(r"Quality of reports 1 1 ", text)
    assert re.search(r"Parallel planning 0 0 ", text)
    csv = client.get(f"/{SLUG}/reports/{MONTHLY['body']}.csv").get_data(as_text=True)
    assert "Practice themes,Drift and delay,Items,2" in csv and "Practice themes,Quality of reports,Children,1" in csv
