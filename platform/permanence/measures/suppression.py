"""Which cells of a table of children's figures must be hidden so that no child can be identified.

Plain Python, no Flask and no database, so it is tested on its own (tests/test_cross_council.py).

A cell is a (row, column) pair and the number of children its figure rests on: a count of children is
that number; an average or a percentage rests on the children it was worked out from.

- Primary suppression: a cell resting on at least one child but fewer than ``min_count`` is hidden
  (shown as "[c]", the DfE's convention). A cell resting on no child identifies nobody and is shown.
- Secondary suppression, so a hidden cell cannot be worked out by subtraction from a total that is shown:
  - within a group of rows whose cells add up to a total row (children under section 20 by how long),
    if exactly one part of the group is hidden in a column where the total is shown, the next smallest
    part of that column (of those resting on at least one child) is hidden as well;
  - across columns, where a total column is shown (all the councils together), if exactly one council's
    cell of a row is hidden while the row's total is shown, the next smallest council's cell of that row
    is hidden as well.
  Hiding one cell can leave another group or row with a single hidden cell, so both rules are applied
  again until nothing changes. Where a group or row has no other cell to hide, its total is hidden.
"""

from __future__ import annotations

from typing import Hashable, Mapping, Sequence

SUPPRESSED = "[c]"

Cell = tuple[Hashable, Hashable]  # (row, column)


def primary(counts: Mapping[Cell, int], min_count: int) -> set[Cell]:
    """Cells resting on at least one child but fewer than ``min_count``."""
    return {cell for cell, n in counts.items() if 0 < n < min_count}


def _hide_one_more(cells: Sequence[Cell], total: Cell | None, counts: Mapping[Cell, int],
                   hidden: set[Cell]) -> bool:
    """If exactly one of ``cells`` is hidden and ``total`` is shown, hide the next smallest of the
    others resting on at least one child (the first of equals; a nought is left shown, as the DfE leaves
    its noughts), else, if there is none, the total. Whether anything was hidden."""
    if total is not None and total in hidden:
        return False
    if sum(1 for c in cells if c in hidden) != 1:
        return False
    others = [c for c in cells if c not in hidden and counts.get(c, 0) > 0]
    if others:
        hidden.add(min(others, key=lambda c: counts.get(c, 0)))
        return True
    if total is not None:
        hidden.add(total)
        return True
    return False


def suppressed_cells(counts: Mapping[Cell, int], *, min_count: int, columns: Sequence[Hashable],
                     total_column: Hashable | None = None,
                     row_groups: Sequence[tuple[Hashable, Sequence[Hashable]]] = ()) -> set[Cell]:
    """Every cell to hide: primary suppression, then secondary until nothing changes.

    ``counts`` has a cell for every row of every column in ``columns`` (the councils) and, if given,
    ``total_column``. ``row_groups`` lists (total row, part rows) whose parts add up to the total."""
    hidden = primary(counts, min_count)
    rows = list(dict.fromkeys(row for row, _ in counts))
    changed = True
    while changed:
        changed = False
        for total_row, parts in row_groups:
            for column in [*columns, *([total_column] if total_column is not None else [])]:
                part_cells = [(row, column) for row in parts if (row, column) in counts]
                total = (total_row, column) if (total_row, column) in counts else None
                changed |= _hide_one_more(part_cells, total, counts, hidden)
        if total_column is not None:
            for row in rows:
                council_cells = [(row, column) for column in columns if (row, column) in counts]
                total = (row, total_column) if (row, total_column) in counts else None
                changed |= _hide_one_more(council_cells, total, counts, hidden)
    return hidden
