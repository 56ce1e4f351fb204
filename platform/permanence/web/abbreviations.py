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
TAG = re.compile(r"(<[^>]*>)")
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


def mark_first_uses(html: str, terms: dict[str, str]) -> str:
    """``html`` with each term's first use in ``<main>`` wrapped in ``<abbr>``."""
    start, end = html.find("<main"), html.rfind("</main>")
    if start < 0 or end < start or not terms:
        return html
    pattern = _pattern(tuple(sorted(terms)))
    seen: set[str] = set()
    parts = TAG.split(html[start:end])
    skipping: list[str] = []
    for n, part in enumerate(parts):
        if n % 2:  # a tag
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", part)
            if name and name.group(1).lower() in SKIP and not part.endswith("/>"):
                if part.startswith("</"):
                    if skipping and skipping[-1] == name.group(1).lower():
                        skipping.pop()
                else:
                    skipping.append(name.group(1).lower())
            continue
        if skipping or not part.strip():
            continue

        def wrap(match: re.Match) -> str:
            term = match.group(1)
            if term in seen:
                return term
            seen.add(term)
            return f'<abbr title="{escape(terms[term])}">{term}</abbr>'

        parts[n] = pattern.sub(wrap, part)
        if len(seen) == len(terms):
            break
    return html[:start] + "".join(parts) + html[end:]
