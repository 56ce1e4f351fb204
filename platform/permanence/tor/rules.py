"""Cohort rules: a small, safe, declarative language over a child's facts.

A terms of reference says which children an agenda part considers ("children
subject to placement orders, or under an interim care order and under 5") and
when a timescale applies. In ``tor.yaml`` such a rule is plain data::

    any:
      - {fact: legal_status, in: [E1]}
      - all: [{fact: legal_status, in: [C1]}, {fact: age_years, lt: 5}]

Nothing is ever evaluated as code. Facts must be in
:data:`permanence.tor.vocabulary.FACTS` and values in the fact's code list, so a
typo is a configuration error with a line number, not a silently empty cohort.

A leaf whose fact is missing from the child's facts is false: a child is never
put into a cohort on the strength of data nobody recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Union

from .vocabulary import BOOLEAN, CODE, CODES, FACTS, NUMBER, Fact

OPERATORS_BY_TYPE = {
    CODE: ("eq", "ne", "in", "not_in"),
    CODES: ("contains", "contains_any", "contains_all", "not_contains"),
    NUMBER: ("eq", "ne", "lt", "lte", "gt", "gte"),
    BOOLEAN: ("eq", "ne"),
}
OPERATORS = ("eq", "ne", "in", "not_in", "lt", "lte", "gt", "gte",
             "contains", "contains_any", "contains_all", "not_contains")
LIST_OPERATORS = ("in", "not_in", "contains_any", "contains_all")
COMBINATORS = ("all", "any", "not")

_MISSING = object()


class RuleError(ValueError):
    """A rule is malformed. ``messages`` is nested like the rule itself, for line numbers."""

    def __init__(self, messages: Any):
        super().__init__(messages)
        self.messages = messages


@dataclass(frozen=True)
class Condition:
    """A leaf comparison: ``{fact: legal_status, in: [E1]}``."""

    fact: str
    op: str
    value: Any


@dataclass(frozen=True)
class AllOf:
    rules: tuple["Rule", ...]


@dataclass(frozen=True)
class AnyOf:
    rules: tuple["Rule", ...]


@dataclass(frozen=True)
class Not:
    rule: "Rule"


Rule = Union[Condition, AllOf, AnyOf, Not]


# --- Parsing ------------------------------------------------------------------

def parse_rule(data: Any) -> Rule:
    """Turn the YAML form of a rule into a :data:`Rule`, or raise :class:`RuleError`."""
    if not isinstance(data, Mapping):
        raise RuleError(["a rule is a mapping: {fact: ..., <operator>: ...}, or {all: [...]}, {any: [...]}, "
                         "{not: ...}"])
    combinators = [k for k in data if k in COMBINATORS]
    if combinators:
        return _parse_combinator(data, combinators)
    return _parse_condition(data)


def _parse_combinator(data: Mapping, combinators: list[str]) -> Rule:
    if len(data) != 1:
        extra = sorted(str(k) for k in data if k != combinators[0])
        raise RuleError({extra[0] if extra else combinators[0]: [
            f"'{combinators[0]}' must be the only key of its rule; move {', '.join(extra)} into a separate rule"]})
    key = combinators[0]
    body = data[key]
    if key == "not":
        try:
            return Not(parse_rule(body))
        except RuleError as err:
            raise RuleError({key: err.messages}) from None
    if not isinstance(body, list) or not body:
        raise RuleError({key: [f"'{key}' takes a non-empty list of rules"]})
    parsed, errors = [], {}
    for i, item in enumerate(body):
        try:
            parsed.append(parse_rule(item))
        except RuleError as err:
            errors[i] = err.messages
    if errors:
        raise RuleError({key: errors})
    return (AllOf if key == "all" else AnyOf)(tuple(parsed))


def _parse_condition(data: Mapping) -> Condition:
    if "fact" not in data:
        raise RuleError(["a rule needs 'fact' (or one of all, any, not)"])
    name = data["fact"]
    fact = FACTS.get(name) if isinstance(name, str) else None
    if fact is None:
        raise RuleError({"fact": [f"unknown fact {name!r}; known facts: {', '.join(FACTS)}"]})
    allowed_ops = OPERATORS_BY_TYPE[fact.type]
    ops = [k for k in data if k != "fact"]
    unknown = [k for k in ops if k not in OPERATORS]
    if unknown:
        raise RuleError({str(unknown[0]): [f"unknown operator {unknown[0]!r}; for {name} ({fact.type}) use one "
                                           f"of: {', '.join(allowed_ops)}"]})
    if len(ops) != 1:
        raise RuleError({"fact": [f"a rule on {name} needs exactly one operator, one of: "
                                  f"{', '.join(allowed_ops)}"]})
    op = ops[0]
    if op not in allowed_ops:
        raise RuleError({op: [f"operator {op!r} does not apply to {name} ({fact.type}); use one of: "
                              f"{', '.join(allowed_ops)}"]})
    return Condition(name, op, _check_value(fact, op, data[op]))


def _check_value(fact: Fact, op: str, value: Any) -> Any:
    if op in LIST_OPERATORS:
        if not isinstance(value, list) or not value:
            raise RuleError({op: [f"'{op}' takes a non-empty list of values"]})
        errors = {}
        for i, item in enumerate(value):
            try:
                _check_scalar(fact, item)
            except RuleError as err:
                errors[i] = err.messages
        if errors:
            raise RuleError({op: errors})
        return tuple(value)
    try:
        _check_scalar(fact, value)
    except RuleError as err:
        raise RuleError({op: err.messages}) from None
    return value


def _check_scalar(fact: Fact, value: Any) -> None:
    if fact.type == NUMBER:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RuleError([f"{fact.name} is a number; got {value!r}"])
    elif fact.type == BOOLEAN:
        if not isinstance(value, bool):
            raise RuleError([f"{fact.name} is true or false; got {value!r}"])
    elif fact.values is not None and value not in fact.values:
        raise RuleError([f"unknown value {value!r} for {fact.name}; allowed: {', '.join(fact.values)}"])


# --- Evaluation -----------------------------------------------------------------

def fact_value(facts: Mapping[str, Any], name: str) -> Any:
    """Look a fact up by its dotted name, flat (``{"placement.type": ...}``) or nested."""
    if name in facts:
        return facts[name]
    current: Any = facts
    for part in name.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return _MISSING
        current = current[part]
    return current


def evaluate(rule: Rule | None, facts: Mapping[str, Any]) -> bool:
    """Whether a child with ``facts`` falls within ``rule``; no rule means everyone."""
    if rule is None:
        return True
    if isinstance(rule, AllOf):
        return all(evaluate(r, facts) for r in rule.rules)
    if isinstance(rule, AnyOf):
        return any(evaluate(r, facts) for r in rule.rules)
    if isinstance(rule, Not):
        return not evaluate(rule.rule, facts)
    value = fact_value(facts, rule.fact)
    if value is _MISSING or value is None:
        return False
    return _compare(rule.op, value, rule.value)


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op in ("contains", "contains_any", "contains_all", "not_contains"):
        held = set(actual) if isinstance(actual, (list, tuple, set, frozenset)) else {actual}
        if op == "contains":
            return expected in held
        if op == "not_contains":
            return expected not in held
        if op == "contains_any":
            return bool(held.intersection(expected))
        return set(expected) <= held
    try:
        return {
            "eq": lambda: actual == expected,
            "ne": lambda: actual != expected,
            "in": lambda: actual in expected,
            "not_in": lambda: actual not in expected,
            "lt": lambda: actual < expected,
            "lte": lambda: actual <= expected,
            "gt": lambda: actual > expected,
            "gte": lambda: actual >= expected,
        }[op]()
    except TypeError:
        return False


def facts_used(rule: Rule | None) -> set[str]:
    """The fact names a rule reads, so the UI can ask for exactly those."""
    if rule is None:
        return set()
    if isinstance(rule, (AllOf, AnyOf)):
        return set().union(*(facts_used(r) for r in rule.rules))
    if isinstance(rule, Not):
        return facts_used(rule.rule)
    return {rule.fact}


# --- Explanation --------------------------------------------------------------

def explain(rule: Rule | None) -> str:
    """The rule as an English sentence, for the rendered terms of reference and the UI."""
    if rule is None:
        return "all children"
    return _explain(rule, nested=False)


def _explain(rule: Rule, nested: bool) -> str:
    if isinstance(rule, Condition):
        return _explain_condition(rule)
    if isinstance(rule, Not):
        negated = _negate(rule.rule)
        if negated is not None:
            return _explain(negated, nested)
        return f"it is not the case that {_explain(rule.rule, nested=True)}"
    if isinstance(rule, AllOf):
        text = " and ".join(_explain(r, nested=True) for r in rule.rules)
        return f"({text})" if nested and len(rule.rules) > 1 and _has_any(rule) else text
    text = ", or ".join(_explain(r, nested=True) for r in rule.rules)
    return f"({text})" if nested and len(rule.rules) > 1 else text


def _negate(rule: Rule) -> Rule | None:
    """The rule's negation with "not" pushed down to the conditions (De Morgan), so that it reads
    "the child is not in pre-proceedings and age is at least 2"; None where a condition has no
    plain opposite (contains_all)."""
    if isinstance(rule, Condition):
        return Condition(rule.fact, _NEGATED[rule.op], rule.value) if rule.op in _NEGATED else None
    if isinstance(rule, Not):
        return rule.rule
    parts = [_negate(r) for r in rule.rules]
    if any(p is None for p in parts):
        return None
    return AnyOf(tuple(parts)) if isinstance(rule, AllOf) else AllOf(tuple(parts))


def _has_any(rule: AllOf) -> bool:
    return any(isinstance(r, AnyOf) for r in rule.rules)


_NEGATED = {"eq": "ne", "ne": "eq", "in": "not_in", "not_in": "in", "lt": "gte", "gte": "lt",
            "gt": "lte", "lte": "gt", "contains": "not_contains", "not_contains": "contains"}

_NUMBER_WORDS = {"eq": "exactly", "ne": "not", "lt": "under", "lte": "at most", "gt": "over", "gte": "at least"}
# The same comparisons where a fact reads as a sentence ("... for more than 6 months").
_AMOUNT_WORDS = {"eq": "exactly", "ne": "other than", "lt": "less than", "lte": "at most", "gt": "more than",
                 "gte": "at least"}


def _code(fact: Fact, value: Any) -> str:
    """SSDA903 codes read "E1 (placement order)"; the platform's own words read as their label."""
    label = fact.values.get(value) if fact.values else None
    if label is None:
        return str(value)
    return f"{value} ({label})" if str(value).isupper() else label


def _either(words: list[str], glue: str = "or") -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {glue} {words[-1]}"


def _explain_condition(c: Condition) -> str:
    fact = FACTS[c.fact]
    if fact.type == BOOLEAN:
        positive = (c.value is True) == (c.op == "eq")
        return fact.true_text if positive else fact.false_text
    if fact.type == NUMBER:
        unit = f" {fact.unit}" if fact.unit else ""
        if fact.number_text:
            return fact.number_text.format(amount=f"{_AMOUNT_WORDS[c.op]} {c.value:g}{unit}")
        return f"{fact.label} is {_NUMBER_WORDS[c.op]} {c.value:g}{unit}"
    if fact.type == CODE:
        values = c.value if isinstance(c.value, tuple) else (c.value,)
        negative = c.op in ("ne", "not_in")
        codes = [_code(fact, v) for v in values]
        if fact.code_text:
            return (fact.not_code_text if negative else fact.code_text).format(value=_either(codes))
        if negative and len(codes) == 2:
            return f"{fact.label} is neither {codes[0]} nor {codes[1]}"
        if negative and len(codes) > 2:
            return f"{fact.label} is none of {_either(codes, 'and')}"
        return f"{fact.label} is {'not ' if negative else ''}{_either(codes)}"
    values = c.value if isinstance(c.value, tuple) else (c.value,)
    if c.op == "not_contains":
        return fact.not_contains_text.format(label=fact.label, value=_either([_code(fact, v) for v in values]))
    glue = "and" if c.op == "contains_all" else "or"
    return fact.contains_text.format(label=fact.label, value=_either([_code(fact, v) for v in values], glue))
