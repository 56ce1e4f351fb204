"""Untrusted terms of reference parse within limits: size, values (aliases expanded), depth and aliases.

Each refusal is an ordinary load error naming the file and line and what is allowed, found while the
YAML is composed, before any alias is expanded.
"""

import tracemalloc

import pytest

from permanence.tor import TorConfigError, load_tor, load_tor_from_text
from permanence.tor.loader import MAX_TOR_ALIASES, MAX_TOR_BYTES, MAX_TOR_DEPTH, MAX_TOR_VALUES

from test_loader import MINIMAL, TENANTS_DIR

# "Billion laughs": 342 bytes whose aliases expand to 9 ** 9 (387 million) strings.
ALIAS_BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def _error(text, filename="uploads/tor.yaml"):
    with pytest.raises(TorConfigError) as caught:
        load_tor_from_text(text, filename)
    [error] = caught.value.errors
    return error


def test_the_alias_bomb_is_refused_at_its_line_in_a_few_hundred_kilobytes():
    assert len(ALIAS_BOMB.encode()) == 342
    tracemalloc.start()
    try:
        error = _error(ALIAS_BOMB)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert (error.filename, error.line) == ("uploads/tor.yaml", 6)
    assert error.message == (f"by this line the document holds more than {MAX_TOR_VALUES:,} values (each alias *name "
                             f"counts as a copy of what it names); a terms of reference may hold at most "
                             f"{MAX_TOR_VALUES:,}")
    assert str(error).startswith("uploads/tor.yaml:6: by this line")


def test_merge_keys_are_counted_as_the_aliases_they_are():
    lines = ["a0: &a0 {k0: 1, k1: 2, k2: 3, k3: 4}"]
    lines += [f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}, *a{i - 1}], x{i}: 1}}" for i in range(1, 12)]
    tracemalloc.start()
    try:
        error = _error("\n".join(lines) + "\n")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024
    assert "holds more than" in error.message


@pytest.mark.parametrize("text", [
    "[" * 10_000 + "]" * 10_000,
    "{a: " * 10_000 + "1" + "}" * 10_000,
    "- " * 10_000 + "1\n",
    "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "end\n",
], ids=["flow lists", "flow maps", "block lists", "block maps"])
def test_deep_nesting_is_a_clear_error_not_a_recursion_error(text):
    error = _error(text)
    assert 1 <= error.line <= MAX_TOR_DEPTH + 1
    assert error.message.startswith(f"lists and maps are nested more than {MAX_TOR_DEPTH} deep here")
    assert error.message.endswith(f"a terms of reference may nest them at most {MAX_TOR_DEPTH} deep")


def test_an_alias_counts_its_depth_where_it_is_used():
    deep = "a: &deep " + "[" * 30 + "1" + "]" * 30 + "\nb: " + "[" * 30 + "*deep" + "]" * 30 + "\n"
    error = _error(deep)
    assert error.line == 2 and "nested more than" in error.message


def test_an_alias_inside_what_it_names_is_refused():
    error = _error("council: &c\n  name: *c\n")
    assert (error.line, error.message) == (2, "the alias *c is inside the list or map it names; an alias may only "
                                              "name a list, map or value that ends before it")


def test_too_many_aliases_are_refused():
    text = "v: &v 1\nall: [" + ", ".join(["*v"] * (MAX_TOR_ALIASES + 1)) + "]\n"
    error = _error(text)
    assert error.line == 2
    assert error.message == (f"more than {MAX_TOR_ALIASES:,} aliases (*name); a terms of reference may use at most "
                             f"{MAX_TOR_ALIASES:,}")


def test_too_many_values_without_any_alias_are_refused():
    error = _error("all: [" + ",".join(["1"] * MAX_TOR_VALUES) + "]\n")
    assert error.line == 1 and "holds more than" in error.message


def test_text_larger_than_the_cap_is_refused_before_it_is_parsed(tmp_path):
    text = "# " + "x" * MAX_TOR_BYTES + "\n"
    error = _error(text)
    assert (error.line, error.path) == (None, ())
    assert error.message == f"the file is 512 KB; a terms of reference must be smaller than {MAX_TOR_BYTES // 1024} KB"
    (tmp_path / "tor.yaml").write_text(text)
    with pytest.raises(TorConfigError) as caught:
        load_tor(tmp_path)
    assert str(caught.value) == f"{tmp_path / 'tor.yaml'}: {error.message}"


def test_the_limits_leave_room_for_the_seeds_and_modest_aliases():
    biggest = max(len(p.read_bytes()) for p in TENANTS_DIR.glob("*/tor.yaml"))
    assert biggest * 10 < MAX_TOR_BYTES
    shared = MINIMAL.replace("    cadence:\n", "    cadence: &fortnightly\n").replace(
        "    membership:\n", "    membership: &members\n") + """\
  - id: second
    kind: panel
    name: Second Panel
    cadence: *fortnightly
    membership: *members
"""
    tor = load_tor_from_text(shared)
    assert [b.cadence.start_time for b in tor.bodies] == [tor.bodies[0].cadence.start_time] * 2
