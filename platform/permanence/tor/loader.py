"""Load a tenant's ``tor.yaml`` into a :class:`TermsOfReference`, or say exactly what is wrong.

Every error names the file, the line, the path inside the document, what is
wrong and what is allowed, so an onboarding officer can fix a terms of
reference without reading code::

    tenants/knowsley/tor.yaml:42 bodies[0].membership.members[1].role: unknown role 'virtual-head'; ...

A configuration with any error loads nothing: a half-read terms of reference
would run panels on rules nobody agreed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import hashlib
from pathlib import Path
import re
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

from marshmallow import ValidationError, fields
from marshmallow.experimental.context import Context
import yaml
from yaml._yaml import CParser as _CParser  # libyaml; PyYAML wheels carry it

from .model import Assumption, TermsOfReference
from .rules import Condition
from .schedule import DEADLINE_LABELS
from .schemas import TorSchema
from .timescales import STATUTORY_TIMESCALES, TimescaleRule
from .validation import cross_reference_errors
from .vocabulary import CORE_ROLES, held_by

TOR_FILENAME = "tor.yaml"

# Limits on untrusted text, checked while it is parsed: a few hundred bytes of YAML aliases can
# otherwise expand to billions of values. The largest seed is 26 KB, ~1,200 values, 12 deep.
MAX_TOR_BYTES = 512 * 1024
MAX_TOR_VALUES = 100_000  # keys, items and scalars, each alias (*name) counted as a copy of what it names
MAX_TOR_DEPTH = 50
MAX_TOR_ALIASES = 1_000
# A tracking cadence stops applying once an outcome has closed the child's tracking (panels.tracking).
TRACKING_CLOSED = Condition("flags", "contains", "tracking_closed")

DocPath = tuple  # a path inside the document: ("bodies", 0, "membership", "chairs", 1, "role")


@dataclass(frozen=True)
class ConfigError:
    """One problem in a configuration, located precisely enough to fix it."""

    filename: str
    line: int | None
    path: DocPath
    message: str

    @property
    def dotted_path(self) -> str:
        return format_path(self.path)

    def __str__(self) -> str:
        where = f"{self.filename}:{self.line}" if self.line else self.filename
        return f"{where} {self.dotted_path}: {self.message}" if self.path else f"{where}: {self.message}"


class TorConfigError(Exception):
    """Raised when a terms of reference does not validate; ``errors`` lists every problem found."""

    def __init__(self, errors: Iterable[ConfigError]):
        self.errors = sorted(errors, key=lambda e: (e.line or 0, format_path(e.path), e.message))
        super().__init__("\n".join(str(e) for e in self.errors))


Validator = Callable[[TermsOfReference], Iterable[Any]]


def format_path(path: DocPath) -> str:
    """``("bodies", 0, "membership")`` as ``bodies[0].membership``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# --- YAML ---------------------------------------------------------------------

_TOO_DEEP = (f"lists and maps are nested more than {MAX_TOR_DEPTH} deep here{{copies}}; a terms of reference may "
             f"nest them at most {MAX_TOR_DEPTH} deep")


class _LimitExceeded(yaml.MarkedYAMLError):
    """The text is valid YAML but bigger than a terms of reference may be (see ``MAX_TOR_*``)."""


class _TorYamlLoader(yaml.composer.Composer, _CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """A safe loader that reads ``14:00`` as text, not as the YAML 1.1 base-60 number 840, and refuses a
    document past the ``MAX_TOR_*`` limits while composing it, before anything is expanded.

    libyaml (``CParser``) scans and parses, Python composes (Composer first in the MRO, so the limits
    below see every node): a seed's ToR parsed in a quarter of the pure-Python loader's time.

    Aliases share one node, so the composer stays small; everything after it (construction, the
    line index, the schema) walks the expanded tree. So each node's expanded size and height are
    counted as it is composed, and an alias adds its anchor's, which bounds all that follows.
    """

    def __init__(self, stream):
        _CParser.__init__(self, stream)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self._values = 0  # values so far, aliases expanded
        self._aliases = 0
        self._depth = 0
        self._deepest = 0
        self._expanded: dict[str, tuple[int, int]] = {}  # anchor -> (expanded values, height)

    def _refuse(self, message: str, mark) -> None:
        raise _LimitExceeded(problem=message, problem_mark=mark)

    def _add(self, values: int, height: int, mark) -> None:
        self._values += values
        copies = " (each alias *name counts as a copy of what it names)" if self._aliases else ""
        if self._values > MAX_TOR_VALUES:
            self._refuse(f"by this line the document holds more than {MAX_TOR_VALUES:,} values{copies}; a terms "
                         f"of reference may hold at most {MAX_TOR_VALUES:,}", mark)
        if self._depth + height > MAX_TOR_DEPTH:
            self._refuse(_TOO_DEEP.format(copies=copies), mark)
        self._deepest = max(self._deepest, self._depth + height)

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self.anchors:
                if event.anchor not in self._expanded:
                    self._refuse(f"the alias *{event.anchor} is inside the list or map it names; an alias "
                                 f"may only name a list, map or value that ends before it", event.start_mark)
                self._aliases += 1
                if self._aliases > MAX_TOR_ALIASES:
                    self._refuse(f"more than {MAX_TOR_ALIASES:,} aliases (*name); a terms of reference may "
                                 f"use at most {MAX_TOR_ALIASES:,}", event.start_mark)
                self._add(*self._expanded[event.anchor], event.start_mark)
            return super().compose_node(parent, index)
        values, outer_deepest = self._values, self._deepest
        self._add(1, 1, event.start_mark)
        self._depth += 1
        self._deepest = self._depth
        node = super().compose_node(parent, index)
        height = self._deepest - self._depth + 1
        self._depth -= 1
        self._deepest = max(outer_deepest, self._deepest)
        if event.anchor is not None:
            self._expanded[event.anchor] = (self._values - values, height)
        return node


    def construct_yaml_timestamp(self, node):
        """A date that cannot be (2024-13-45) stays text, so the schema reports it at its line and
        path with every other error, rather than the parser stopping at it."""
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return node.value


_TorYamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _TorYamlLoader.construct_yaml_timestamp)

# Keys whose value is always the council's words: "source: 1.3" is section 1.3, not the number 1.3.
TEXT_KEYS = frozenset({"source", "assumption", "note", "text", "description", "label", "title", "short_name",
                       "approved_by", "to", "submit_to", "accountable_to", "help", "heading", "subject", "body"})
# Lists whose items are codes: "dfe_rules_that_block: [380, 392b]" are the DfE's rules 380 and 392b.
TEXT_LIST_KEYS = frozenset({"dfe_rules_that_block"})
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def _numbers_as_text(node: yaml.Node, seen: set) -> None:
    """Read a plain number under a ``TEXT_KEYS`` key as the text it was written as (a plain scalar's
    style is None from PyYAML's parser, "" from libyaml's)."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(value, yaml.ScalarNode) and value.tag in _NUMBER_TAGS and not value.style \
                    and key.value in TEXT_KEYS:
                value.tag = "tag:yaml.org,2002:str"
            if isinstance(value, yaml.SequenceNode) and key.value in TEXT_LIST_KEYS:
                for item in value.value:
                    if isinstance(item, yaml.ScalarNode) and item.tag in _NUMBER_TAGS and not item.style:
                        item.tag = "tag:yaml.org,2002:str"
            _numbers_as_text(value, seen)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _numbers_as_text(item, seen)


_TorYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float") or ":" not in regexp.pattern]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_TorYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)"
                                                       r"|[-+]?0x[0-9a-fA-F_]+)$"), list("-+0123456789"))
_TorYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"), list("-+0123456789."))


def _parse_yaml(text: str, filename: str) -> tuple[Any, dict, list[ConfigError]]:
    """The document, a map from each path to its 1-based line, and any duplicate-key errors."""
    size = len(text.encode("utf-8"))
    if size > MAX_TOR_BYTES:
        raise TorConfigError([_too_large(filename, size)])
    loader = _TorYamlLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, []
        _numbers_as_text(node, set())
        data = loader.construct_document(node)
    except _LimitExceeded as err:
        raise TorConfigError([ConfigError(filename, err.problem_mark.line + 1, (), err.problem)]) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        if "nesting depth" in (err.problem or ""):  # libyaml stops far deeper than our limit, before we see it
            raise TorConfigError([ConfigError(filename, line, (), _TOO_DEEP.format(copies=""))]) from None
        raise TorConfigError([ConfigError(filename, line, (), f"not valid YAML: {err.problem or err}")]) from None
    finally:
        loader.dispose()
    lines: dict = {}
    duplicates: list[ConfigError] = []
    _index(node, (), lines, duplicates, filename)
    return data, lines, duplicates


def _too_large(filename: str, size: int) -> ConfigError:
    return ConfigError(filename, None, (), f"the file is {size / 1024:,.0f} KB; a terms of reference must be "
                                           f"smaller than {MAX_TOR_BYTES // 1024} KB")


def _index(node: yaml.Node, path: DocPath, lines: dict, duplicates: list, filename: str) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                duplicates.append(ConfigError(filename, key_node.start_mark.line + 1, path + (key,),
                                              "key given twice; keep one"))
            seen.add(key)
            lines[path + (key, "__key__")] = key_node.start_mark.line + 1
            _index(value_node, path + (key,), lines, duplicates, filename)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, path + (i,), lines, duplicates, filename)


def line_of(lines: Mapping[tuple, int], path: DocPath) -> int | None:
    """The line of ``path``, or of its nearest ancestor when the key itself is missing."""
    if path + ("__key__",) in lines:
        return lines[path + ("__key__",)]
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


# --- Schema errors ---------------------------------------------------------------

def _schema_errors(messages: Any, schema: Any, path: DocPath) -> list[tuple[DocPath, str]]:
    if isinstance(messages, (list, tuple)):
        out = []
        for msg in messages:
            out += _schema_errors(msg, schema, path) if isinstance(msg, dict) else [(path, _reword(msg))]
        return out
    if not isinstance(messages, dict):
        return [(path, _reword(str(messages)))]
    out = []
    declared = {(f.data_key or name): f for name, f in schema.fields.items()} if schema is not None else {}
    for key, sub in messages.items():
        if key == "_schema":
            out += _schema_errors(sub, schema, path)
        elif isinstance(key, int):
            out += _schema_errors(sub, schema, path + (key,))
        elif schema is not None and key not in declared and sub == ["Unknown field."]:
            out.append((path + (key,), f"unknown key {key!r}; allowed keys: {', '.join(sorted(declared))}"))
        else:
            out += _schema_errors(sub, _child_schema(declared.get(key)), path + (key,))
    return out


def _child_schema(field: fields.Field | None):
    if isinstance(field, fields.List):
        field = field.inner
    return field.schema if isinstance(field, fields.Nested) else None


def _reword(message: str) -> str:
    return {
        "Missing data for required field.": "required key is missing",
        "Field may not be null.": "a value is required here",
        "Invalid input type.": "expected a mapping of keys",
        "Not a valid mapping type.": "expected a mapping of keys",
    }.get(message, message)


# --- Assumptions -------------------------------------------------------------------

ASSUMPTION_KEY = "assumption"
# Mappings whose keys are the council's own words or a plugin's, where "assumption" is not ours to take.
_FREE_MAPPINGS = (("plugins", "settings"), ("tracker", "import", "headings"))

# Where the rendered ToR marks an assumption, by the body's key it qualifies (the rest: under the body's name).
_BODY_ANCHORS = {
    "cadence": ("meets", "when it meets"), "per_child_cadence": ("meets", "when it meets"),
    "meeting_days": ("meets", "when it meets"), "venue": ("meets", "where it meets"),
    "membership": ("membership", "membership"), "agenda_parts": ("part", "the agenda"),
    "deadlines": ("deadline", "deadlines"), "referral": ("referrals", "referrals"),
    "referral_form": ("referrals", "the referral form"), "paperwork": ("referrals", "paperwork"),
    "circulation": ("records", "agenda, papers and records"), "record": ("records", "agenda, papers and records"),
    "outcomes": ("outcomes", "outcomes"),
    "decisions_between_sittings": ("between-sittings", "decisions between sittings"),
    "decision_review": ("between-sittings", "review of decisions"),
}
_TOP_ANCHORS = {"council": ("tor-council", "the council and review"), "tracker": ("tracker", "the tracker spreadsheet"),
                "reminders": ("reminders", "reminders"), "imports": ("imports", "imports"),
                "exports": ("exports", "data for analysts")}


def _is_free(path: DocPath) -> bool:
    return any(path[:len(p)] == p for p in _FREE_MAPPINGS) or (bool(path) and path[-1] == "codes")


def _take_assumptions(data: Any, lines: Mapping, filename: str) -> tuple[Any, list[tuple[DocPath, str]], list[ConfigError]]:
    """A copy of ``data`` without its ``assumption`` keys (any mapping may carry one), the
    assumptions found as (path of the mapping, text) and errors for ones that are not text.
    Copied, not popped: an alias shares its anchor's dict."""
    found: list[tuple[DocPath, str]] = []
    errors: list[ConfigError] = []

    def walk(value: Any, path: DocPath) -> Any:
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if key == ASSUMPTION_KEY and not _is_free(path):
                    if isinstance(item, (int, float)) and not isinstance(item, bool):
                        item = str(item)
                    if isinstance(item, str) and item.strip():
                        found.append((path, " ".join(item.split())))
                    else:
                        where = path + (key,)
                        errors.append(ConfigError(filename, line_of(lines, where), where,
                                                  "an assumption is text saying why the value was chosen, "
                                                  "e.g. assumption: the ToR is silent on bank holidays"))
                    continue
                out[key] = walk(item, path + (key,))
            return out
        if isinstance(value, list):
            return [walk(item, path + (i,)) for i, item in enumerate(value)]
        return value

    return walk(data, ()), found, errors


def assumption_anchor(path: DocPath, data: Mapping) -> tuple[str, str]:
    """Where on the rendered ToR the assumption on the mapping at ``path`` is shown, and the part of
    the ToR it qualifies in words. Anchors the page does not show in their own place fall to
    ``tor-other``, listed at the end of the page, so every assumption is shown."""
    def item(key: str, i: Any) -> Mapping:
        seq = data.get(key)
        return seq[i] if isinstance(seq, list) and isinstance(i, int) and i < len(seq) \
            and isinstance(seq[i], dict) else {}

    head = path[0] if path else None
    if head in _TOP_ANCHORS:
        return _TOP_ANCHORS[head]
    if head == "bodies" and len(path) >= 2:
        body = item("bodies", path[1])
        name = str(body.get("name") or body.get("id") or f"body {path[1] + 1}")
        key = path[2] if len(path) > 2 else None
        if key in _BODY_ANCHORS:
            kind, words = _BODY_ANCHORS[key]
            if kind in ("part", "deadline") and len(path) > 3 and isinstance(path[3], int):
                entry = (body.get(key) or [{}])[path[3]] if isinstance(body.get(key), list) else {}
                label = (entry.get("title") or entry.get("label")
                         or DEADLINE_LABELS.get(entry.get("kind"), "")) if isinstance(entry, dict) else ""
                return f"body-{path[1]}-{kind}-{path[3]}", f"{name}: {words}" + (f", {label}" if label else "")
            if kind in ("part", "deadline"):
                return f"body-{path[1]}", f"{name}: {words}"
            if kind == "membership" and len(path) > 3 and path[3] == "quorum":
                return f"body-{path[1]}-membership", f"{name}: quorum"
            return f"body-{path[1]}-{kind}", f"{name}: {words}"
        return f"body-{path[1]}", name
    if head == "memberships" and len(path) >= 2:
        shared = item("memberships", path[1])
        bodies = data.get("bodies") if isinstance(data.get("bodies"), list) else []
        used = any(isinstance(b, dict) and isinstance(b.get("membership"), dict)
                   and b["membership"].get("use") == shared.get("id") for b in bodies)
        if used:  # shown where the shared membership is listed, under the first body using it
            return f"membership-{path[1]}", f"Membership: {shared.get('label') or shared.get('id')}"
    if head == "timescales" and len(path) >= 2:
        rule = item("timescales", path[1])
        return f"timescale-{rule.get('id')}", f"Timescale: {rule.get('label') or rule.get('id')}"
    if head == "sections" and len(path) >= 2:
        section = item("sections", path[1])
        return f"section-{path[1]}", str(section.get("title") or "a section")
    if head == "escalation_ladders" and len(path) >= 2:
        ladder = item("escalation_ladders", path[1])
        return f"ladder-{path[1]}", f"Escalation: {ladder.get('label') or ladder.get('id')}"
    if head == "reporting" and len(path) >= 2:
        duty = item("reporting", path[1])
        return f"reporting-{path[1]}", f"Reporting: {duty.get('label') or duty.get('id')}"
    if head == "practice_themes":
        return "practice-themes", "Practice themes"
    return "tor-other", format_path(path) or "the whole file"


# --- Public API -------------------------------------------------------------------

def load_tor(folder: str | Path, extra_validators: Iterable[Validator] = ()) -> TermsOfReference:
    """Load and validate ``<folder>/tor.yaml``; raises :class:`TorConfigError` listing every error."""
    path = Path(folder) / TOR_FILENAME
    return load_tor_from_text(read_tor_text(path), str(path), extra_validators=extra_validators)


def read_tor_text(path: Path) -> str:
    """The text of a ``tor.yaml`` on disk, refusing one over ``MAX_TOR_BYTES`` before reading it."""
    try:
        size = path.stat().st_size
        if size > MAX_TOR_BYTES:
            raise TorConfigError([_too_large(str(path), size)])
        return path.read_text(encoding="utf-8")
    except OSError as err:
        raise TorConfigError([ConfigError(str(path), None, (), f"cannot read the file: {err.strerror}")]) from None
    except UnicodeDecodeError:
        raise TorConfigError([ConfigError(str(path), None, (), "cannot read the file: it must be text saved as "
                                                               "UTF-8")]) from None


def load_tor_from_text(text: str, filename: str = TOR_FILENAME,
                       extra_validators: Iterable[Validator] = ()) -> TermsOfReference:
    """Load a terms of reference from text, e.g. a file uploaded through the web interface."""
    data, lines, duplicates = _parse_yaml(text, filename)
    if duplicates:
        raise TorConfigError(duplicates)
    if not isinstance(data, dict):
        raise TorConfigError([ConfigError(filename, 1, (), "the file must be a mapping with at least "
                                                         "'council' and 'bodies'")])
    data, found, errors = _take_assumptions(data, lines, filename)
    schema = TorSchema()
    roles = _known_roles(data)
    try:
        with Context({"roles": roles}):
            loaded = schema.load(data)
    except ValidationError as err:
        problems = _schema_errors(err.messages, schema, ())
        errors += [ConfigError(filename, line_of(lines, p), p, m) for p, m in problems]
        errors += _errors_in_the_rest(data, [p for p, _ in problems], roles, filename, lines, extra_validators)
        raise TorConfigError(errors) from None
    if errors:
        raise TorConfigError(errors)
    assumptions = tuple(Assumption(p, why, line_of(lines, p + (ASSUMPTION_KEY,)), *assumption_anchor(p, data))
                        for p, why in found)
    loaded["assumptions"] = tuple(sorted(assumptions, key=lambda a: a.line or 0))
    tor = _assemble(loaded, filename, hashlib.sha256(text.encode("utf-8")).hexdigest(), lines)
    errors = validate_tor(tor, extra_validators)
    if errors:
        raise TorConfigError(errors)
    return _with_leaders(tor)


def _errors_in_the_rest(data: dict, bad_paths: list[DocPath], roles: tuple, filename: str, lines: dict,
                        extra_validators: Iterable[Validator]) -> list[ConfigError]:
    """The cross-reference errors of the document without the parts that have structural errors, so one
    upload reports both kinds together. Each part with an error is left out: the list item it is in
    (a body, a seat, a deadline...), else its top-level key (or the council's key). Errors that could
    follow from leaving a part out are not reported: one naming its id, and any in a named mapping
    holding the list of a left-out item (a membership without one of its seats; not a body
    without one of its parts, whose references name it). If what is left does not
    load either, only the structural errors are."""
    removed: dict[DocPath, set[int]] = {}
    removed_ids: set[str] = set()
    pruned_keys: list[DocPath] = []
    quiet: list[DocPath] = []
    for path in bad_paths:
        items = [i for i, part in enumerate(path) if isinstance(part, int)]
        if items:
            cut = items[-1]
            removed.setdefault(path[:cut], set()).add(path[cut])
            # Leaving out a seat can make a quorum too big: nothing is said about the mapping holding
            # the list until the item is fixed (a top-level item's neighbours are separate rules).
            quiet.append(path[:cut - 1] if cut > 1 and isinstance(path[cut - 2], str) else path[:cut + 1])
        elif path and (path[0] not in ("council", "bodies") or (path[0] == "council" and len(path) > 1
                                                                and path[1] != "name")):
            pruned_keys.append(path[:2] if path[0] == "council" else path[:1])
        else:
            return []  # a required part is wrong: nothing sensible is left to cross-check

    def prune(value: Any, path: DocPath) -> Any:
        if path in pruned_keys:
            return _PRUNED
        if isinstance(value, dict):
            out = {k: prune(v, path + (k,)) for k, v in value.items()}
            return {k: v for k, v in out.items() if v is not _PRUNED}
        if isinstance(value, list):
            gone = removed.get(path, set())
            for i in gone:
                if i < len(value) and isinstance(value[i], dict) and isinstance(value[i].get("id"), str):
                    removed_ids.add(value[i]["id"])
            return [prune(v, path + (i,)) for i, v in enumerate(value) if i not in gone]
        return value

    def original(path: DocPath) -> DocPath:
        out: DocPath = ()
        for part in path:
            if isinstance(part, int):
                for gone in sorted(removed.get(out, ())):
                    part += gone <= part
            out += (part,)
        return out

    try:
        with Context({"roles": roles}):
            loaded = TorSchema().load(prune(data, ()))
        tor = _assemble(loaded, filename, "", lines)
        found = validate_tor(tor, extra_validators)
    except Exception:  # noqa: BLE001 - best effort: the structural errors are reported whatever happens here
        return []
    out = []
    for error in found:
        if any(repr(i) in error.message for i in removed_ids):
            continue
        path = original(error.path)
        if any(path[:len(q)] == q for q in quiet):
            continue
        out.append(ConfigError(filename, line_of(lines, path), path, error.message))
    return out


_PRUNED = object()


def _known_roles(data: dict) -> tuple[str, ...]:
    """Core roles plus the ids the tenant declares, so role references can be checked while loading."""
    own = data.get("roles")
    own_ids = [r["id"] for r in own if isinstance(r, dict) and isinstance(r.get("id"), str)] \
        if isinstance(own, list) else []
    return tuple(CORE_ROLES) + tuple(i for i in own_ids if i not in CORE_ROLES)


def _assemble(loaded: dict, filename: str, checksum: str, lines: dict) -> TermsOfReference:
    own_roles = loaded.pop("roles")
    roles = dict(CORE_ROLES)
    roles.update({r.id: r for r in own_roles})
    own_timescales: tuple[TimescaleRule, ...] = loaded.pop("timescales")
    loaded["bodies"] = _with_shared_memberships(loaded["bodies"], loaded["memberships"])
    return TermsOfReference(
        roles=MappingProxyType(roles),
        tenant_roles=tuple(r.id for r in own_roles),
        timescales=_effective_timescales(own_timescales, loaded["statutory_timescales"], loaded["bodies"]),
        filename=filename,
        checksum=checksum,
        locations=MappingProxyType(lines),
        **loaded,
    )


def _with_shared_memberships(bodies, memberships) -> tuple:
    """Each body's ``membership: {use: <id>}`` becomes the shared membership itself: the very same
    object when the body adds nothing, so every consumer counts its seats and quorum alike; else the
    shared one with the body's own members and invited experts added. An unknown id is left as it is
    for validation to report."""
    shared = {m.id: m.membership for m in memberships}
    out = []
    for body in bodies:
        m = body.membership
        base = shared.get(m.shared) if m is not None and m.shared else None
        if base is not None:
            if m.added_members or m.added_experts:
                m = replace(base, members=base.members + m.added_members,
                            invited_experts=base.invited_experts + m.added_experts,
                            added_members=m.added_members, added_experts=m.added_experts,
                            source=m.source or base.source)
            else:
                m = base
            body = replace(body, membership=m)
        out.append(body)
    return tuple(out)


def _with_leaders(tor: TermsOfReference) -> TermsOfReference:
    """Each ``cadence.follows`` given the body it follows (validation has ruled out unknown bodies and
    cycles), leaders first, so a chain (C after B after A) reaches the first body's own rule."""
    by_id = {b.id: b for b in tor.bodies}
    done: dict[str, Any] = {}

    def resolved(body_id: str):
        if body_id not in done:
            body = by_id[body_id]
            follows = body.cadence.follows if body.cadence is not None else None
            if follows is not None:
                leader = resolved(follows.body)
                body = replace(body, cadence=replace(body.cadence, follows=replace(follows, leader=leader)))
            done[body_id] = body
        return done[body_id]

    if not any(b.cadence is not None and b.cadence.follows is not None for b in tor.bodies):
        return tor
    return replace(tor, bodies=tuple(resolved(b.id) for b in tor.bodies))


def _effective_timescales(own, statutory, bodies) -> tuple[TimescaleRule, ...]:
    """Inherited statutory timescales (unless overridden or disabled), the tenant's own, then tracking cadences."""
    own_ids = {t.id for t in own}
    inherited = tuple(
        t for t in STATUTORY_TIMESCALES
        if statutory.inherit and t.id not in statutory.disable and t.id not in own_ids
    )
    cadences = tuple(
        _cadence_rule(body, c) for body in bodies if body.kind == "tracking_meeting" for c in body.per_child_cadence
    )
    return inherited + tuple(own) + cadences


def _cadence_rule(body, c) -> TimescaleRule:
    """The tracker's milestone for one per-child cadence. A repeating one is due ``every`` after the
    child's last tracking meeting (or ``first_after``); a meeting held once is due ``within`` the
    ``after`` event and met by a meeting of this body held on or after it, so it comes back only
    when the event happens again (a second period of care)."""
    name = body.short_name or body.name
    if c.once:
        return TimescaleRule(id=f"{body.id}-{c.id}", label=c.label or name, event=c.after, offset=c.within,
                             when=c.when, completed_by=held_by(body.id), source=c.source, origin="cadence",
                             unless=TRACKING_CLOSED)
    return TimescaleRule(id=f"{body.id}-{c.id}", label=c.label or f"Next {name}", event="last_tracking_meeting",
                         offset=c.every, when=c.when, fallback_event=c.first_after, source=c.source,
                         origin="cadence", unless=TRACKING_CLOSED)


def validate_tor(tor: TermsOfReference, extra_validators: Iterable[Validator] = ()) -> list[ConfigError]:
    """Cross-reference checks plus any plugin validators; returns errors rather than raising.

    An extra validator is a callable taking the TermsOfReference and returning
    an iterable of ``ConfigError`` or ``(path, message)`` pairs; the line is
    filled in from the path.
    """
    errors: list[ConfigError] = []
    for validator in (cross_reference_errors, *extra_validators):
        for item in validator(tor) or ():
            if isinstance(item, ConfigError):
                errors.append(item)
            else:
                p, message = item
                errors.append(ConfigError(tor.filename, line_of(tor.locations, tuple(p)), tuple(p), message))
    return errors

