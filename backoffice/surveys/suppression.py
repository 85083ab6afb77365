"""Small counts hidden over a whole page of tables (the rules: `results`' docstring). Pure functions: the
counts come keyed, the sums that bind them come as lists of keys, the hidden keys go back."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

THRESHOLD = 10

Key = tuple[Hashable, ...]


def suppress_jointly(
    counts: Mapping[Key, int], sums: Iterable[Sequence[Key]], *, also: Iterable[Key] = ()
) -> set[Key]:
    """The keys to hide: every count from 1 to 9 and the keys `also`, then, for each sum with exactly one
    hidden member (it could be computed back from the others), its smallest other non-zero member, until
    no sum has a single hidden member (it ends: keys only ever get hidden). A sum is any set of counts one
    of which is the total of the others: a row and its total, a column and its « Ensemble » cell, or
    counts of two tables that are the same people."""
    hidden = {key for key, n in counts.items() if 0 < n < THRESHOLD} | set(also)
    groups = [list(members) for members in sums]
    changed = True
    while changed:
        changed = False
        for members in groups:
            if sum(member in hidden for member in members) != 1:
                continue
            visible = [m for m in members if m not in hidden and counts.get(m, 0)]
            if visible:
                hidden.add(min(visible, key=lambda m: counts.get(m, 0)))
                changed = True
    return hidden


def table_sums(prefix: Key, rows: Sequence[Hashable], columns: Sequence[Hashable]) -> list[list[Key]]:
    """The sums of one table whose last row holds the columns' totals and last column the rows' totals:
    each row, each column (keys `(*prefix, row, column)`)."""
    return [[(*prefix, r, c) for c in columns] for r in rows] + [
        [(*prefix, r, c) for r in rows] for c in columns
    ]


def suppress(grid: list[list[int]], *, has_margin_row: bool) -> list[list[bool]]:
    """One table alone: which cells to hide. The last column holds the rows' totals; with
    `has_margin_row`, the last row holds the columns' totals."""
    counts: dict[Key, int] = {(r, c): n for r, row in enumerate(grid) for c, n in enumerate(row)}
    rows, columns = range(len(grid)), range(len(grid[0]) if grid else 0)
    sums: list[list[Key]] = [[(r, c) for c in columns] for r in rows]
    if has_margin_row:
        sums += [[(r, c) for r in rows] for c in columns]
    hidden = suppress_jointly(counts, sums)
    return [[(r, c) in hidden for c in columns] for r in rows]
