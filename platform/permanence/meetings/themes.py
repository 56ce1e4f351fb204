"""Practice themes on a meeting's items: the ToR's ``practice_themes`` a record tags an item with,
so the panel's reports can say which themes of practice the department keeps meeting."""

from __future__ import annotations

from datetime import date

from ..panels.models import ON_THE_AGENDA, AgendaItem
from .services import MeetingError, MeetingStateError


def tag_item(item: AgendaItem, theme_ids, *, themes, today: date) -> AgendaItem:
    """Tag ``item`` with ``theme_ids`` (replacing its tags), each one of ``themes`` (the ToR's
    ``practice_themes`` in force). Only an item the meeting has reached can be tagged."""
    if item.status not in ON_THE_AGENDA or item.meeting.date > today or item.meeting.cancelled:
        raise MeetingStateError("Themes are tagged on an item its meeting has reached")
    known = {t.id: t for t in themes}
    wanted = list(dict.fromkeys(str(t) for t in theme_ids))
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise MeetingError("themes", f"Not a practice theme of the terms of reference: {', '.join(unknown)}")
    ordered = [t.id for t in themes if t.id in wanted]  # the ToR's order, so the same tags compare equal
    if list(item.practice_themes or []) != ordered:
        item.practice_themes = ordered
    return item


def theme_labels(item: AgendaItem, themes) -> list[str]:
    """The labels of the item's themes; a theme the ToR has since dropped keeps its id."""
    labels = {t.id: t.label for t in themes}
    return [labels.get(t, t) for t in item.practice_themes or []]
