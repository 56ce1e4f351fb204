"""An online-meeting link (a sitting's own, or the standing one of a panel's venue in the terms of
reference), checked one way wherever it is entered: an https:// address of at most 500 characters."""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_LINK = 500


def link_problem(text: str) -> str | None:
    """What is wrong with ``text`` as an online-meeting link, or None when it will do."""
    if len(text) > MAX_LINK:
        return f"must be at most {MAX_LINK} characters"
    parts = urlsplit(text)
    if parts.scheme.lower() != "https" or not parts.hostname or any(c.isspace() for c in text):
        return "must be a web address starting https:// (for example https://teams.microsoft.com/l/meetup-join/...)"
    return None
