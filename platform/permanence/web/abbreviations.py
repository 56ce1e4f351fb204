"""Abbreviations spelled out: the first time a page uses one in its main content it is wrapped in
``<abbr title="...">``, so a new officer (or a screen reader) learns what "IRO" or "PTP" means where
they meet it, and every later use on the page stays short.

The terms are the field's own (``COMMON``) and the council's: each body and role its terms of
reference name gives its initials ("Permanence Tracking Panel" is "PTP") and any ``(ABC)`` it spells
out in its name. So a council none of us has read gets its own abbreviations with no code change.
The page is changed only between ``<main`` and ``</main>``, only in text (never in a tag, an
attribute, a script, a form field's value or an existing ``<abbr>``), once per term.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import escape

COMMON = {
    "ADM": "agency decision maker",
    "CAO": "child arrangements order",
    "CIC": "child in care",
    "CLA": "child looked after",
    "CSV": "comma-separated values",
    "DfE": "Department for Education",
    "IRO": "independent reviewing officer",
    "LA": "local authority",
    "LAC": "looked-after child",
    "PLO": "Public Law Outline (pre-proceedings)",
    "QA": "quality assurance",
    "SGO": "special guardianship order",
    "SMT": "senior management team",
    "SSDA903": "the Department for Education's annual return on children looked after",
    "ToR": "terms of reference",
    "UASC": "unaccompanied asylum-seeking child",
}
SKIP = {"script", "style", "textarea", "abbr", "title", "option", "select", "code", "pre"}
SMALL_WORDS = {"and", "of", "the", "for", "to", "in", "on", "a", "an", "&"}
SPELLED = re.compile(r"^(?P<long>.+?)\s*\((?P<short>[A-Z][A-Za-z0-9]{1,7})\)$")


def initials(name: str) -> str:
    """"Permanence Tracking Panel" -> "PTP"; small words are skipped, as councils do."""
    words = [w for w in re.split(r"[\s\-/]+", name) if w and w.lower() not in SMALL_WORDS]
    return "".join(w[0].upper() for w in words if w[0].isalpha())


def from_names(names) -> dict[str, str]:
    """Abbreviations of the ToR's own names: "Name (ABC)" says it outright; otherwise a name of
    three or more words gives its initials."""
    found: dict[str, str] = {}
    for name in names:
        name = (name or "").strip()
        spelled = SPELLED.match(name)
        if spelled:
            found.setdefault(spelled.group("short"), spelled.group("long"))
            continue
        short = initials(name)
        if len(short) >= 3:
            found.setdefault(short, name)
    return found


def glossary(tor) -> dict[str, str]:
    """The field's abbreviations and the council's (from its bodies', parts' and roles' names)."""
    terms = dict(COMMON)
    if tor is not None:
        names = [b.name for b in tor.bodies] + [r.label for r in tor.roles.values()]
        names += [p.title for b in tor.bodies for p in b.agenda_parts]
        for short, long in from_names(names).items():
            terms.setdefault(short, long)
    return terms


@lru_cache(maxsize=256)
def _pattern(terms: tuple[str, ...]) -> re.Pattern:
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<![\w&#;/.-])({alternatives})(?![\w/-])")


# An element whose text is never marked, with its content (no nesting of the same element in these).
_SKIPPED = re.compile(r"<(%s)\b[^>]*(?<!/)>.*?</\1\s*>" % "|".join(sorted(SKIP)), re.S | re.I)


def mark_first_uses(html: str, terms: dict[str, str]) -> str:
    """``html`` with each term's first use in ``<main>`` wrapped in ``<abbr>``. Runs on every page:
    it looks only at where a term occurs (a few places), not at every tag of a 50-row table."""
    start, end = html.find("<main"), html.rfind("</main>")
    if start < 0 or end < start or not terms:
        return html
    main = html[start:end]
    pattern = _pattern(tuple(sorted(terms)))
    skipped: list[tuple[int, int]] | None = None  # found on the first candidate only
    seen: set[str] = set()
    out, last = [], 0
    for match in pattern.finditer(main):
        term, at = match.group(1), match.start()
        if term in seen or main.rfind("<", 0, at) > main.rfind(">", 0, at):  # used already, or in a tag
            continue
        if skipped is None:
            skipped = [m.span() for m in _SKIPPED.finditer(main)]
        if any(a <= at < b for a, b in skipped):
            continue
        seen.add(term)
        out += [main[last:at], f'<abbr title="{escape(terms[term])}">{term}</abbr>']
        last = match.end()
        if len(seen) == len(terms):
            break
    if not seen:
        return html
    return html[:start] + "".join(out) + main[last:] + html[end:]
