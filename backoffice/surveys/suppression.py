"""Small counts hidden over a whole page of tables (where they stand: `results`' docstring). Pure functions:
the counts come keyed, the sums that bind them as (total, parts), the hidden keys go back.

What a reader knows of a hidden count: it is shown « < 10 », so from 0 to 9 when that is true (a count
hidden to protect another may be larger: then only ≥ 0), and every sum holds. The rules below are there so
that this never gives back a count from 1 to 9 exactly (within the limits said at the end):

1. primary: every count from 1 to 9 (and the keys `also`) is hidden;
2. in every sum with a hidden non-zero member:
   a. its zeros are hidden too — else every hidden member would be known to be at least 1 (17 − 15 = 2
      over two hidden counts would give 1 and 1);
   b. at least two non-zero members are hidden — else the one could be computed back from the others;
   c. when its total is shown, the hidden members add up to at least 10 — else the hidden part of the sum
      (the total minus what is shown) would be a small number shared by a few counts;
   each time, the smallest non-zero member still shown is hidden too, until nothing changes;
3. an audit: every hidden count is bounded (0 to 9 when it is below 10, from 0 otherwise) and the bounds
   are narrowed through every sum until they hold still; a count from 1 to 9 whose bounds meet (two
   hidden « < 10 » adding up to 18 are 9 and 9; a hidden total bounds its hidden parts…) gets the smallest
   shown non-zero member of one of its sums hidden too, then the rules run again.

It ends: counts only ever get hidden. Limits: the audit narrows the bounds sum by sum, so a count that only
several sums taken at once pin down may escape it — none found on tables up to 2 × 3 cells and their totals
(`tests/surveys/test_suppression.py`, against an exact check), about one table in 10,000 of 3 × 3; when
the hidden counts are known only to be ≥ 0, none found up to 3 × 3. A reader who replays the rules
themselves (« this count was hidden, so… ») is not modelled."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence

THRESHOLD = 10
AUDIT_PASSES = 50  # the bounds usually hold still after a few passes; more would only narrow them further

Key = tuple[Hashable, ...]
Sum = tuple[Key, Sequence[Key]]  # a total and the counts that add up to it
Bounds = dict[Key, tuple[float, float]]


def suppress_jointly(counts: Mapping[Key, int], sums: Iterable[Sum], *, also: Iterable[Key] = ()) -> set[Key]:
    """The keys to hide (the rules: the module's docstring)."""
    hidden = {key for key, n in counts.items() if 0 < n < THRESHOLD} | set(also)
    groups = [(total, list(parts)) for total, parts in sums]
    while True:
        _apply_rules(counts, groups, hidden)
        pinned = pinned_keys(counts, groups, hidden)
        if not pinned or not _hide_next_to(pinned, counts, groups, hidden):
            return hidden


def _smallest_shown(keys: Iterable[Key], counts: Mapping[Key, int], hidden: set[Key]) -> Key | None:
    shown = [key for key in keys if key not in hidden and counts.get(key, 0)]
    return min(shown, key=lambda key: counts.get(key, 0)) if shown else None


def _apply_rules(counts: Mapping[Key, int], groups: list[tuple[Key, list[Key]]], hidden: set[Key]) -> None:
    """Rule 2, over every sum, until nothing changes."""
    changed = True
    while changed:
        changed = False
        for total, parts in groups:
            members = [total, *parts]
            secret = [key for key in members if key in hidden and counts.get(key, 0)]
            if not secret:
                continue
            zeros = {key for key in members if key not in hidden and not counts.get(key, 0)}
            hidden |= zeros
            extra = None
            if len(secret) == 1:
                extra = _smallest_shown(members, counts, hidden)
            elif total not in hidden and sum(counts.get(p, 0) for p in parts if p in hidden) < THRESHOLD:
                extra = _smallest_shown(parts, counts, hidden)
            if extra is not None:
                hidden.add(extra)
            changed = changed or bool(zeros) or extra is not None


def bounds(counts: Mapping[Key, int], groups: list[tuple[Key, list[Key]]], hidden: set[Key]) -> Bounds:
    """What a reader can tell of each hidden count: from 0 to 9 when it is below 10 (its « < 10 » is then
    true), else from 0; narrowed through every sum (total − shown parts = hidden parts) until they hold."""
    low: dict[Key, float] = dict.fromkeys(hidden, 0)
    high: dict[Key, float] = {
        key: THRESHOLD - 1 if counts.get(key, 0) < THRESHOLD else math.inf for key in hidden
    }
    bound = [(total, parts) for total, parts in groups if any(key in hidden for key in (total, *parts))]
    for _ in range(AUDIT_PASSES):
        changed = False
        for total, parts in bound:
            signed = [(total, 1), *((part, -1) for part in parts)]
            known = sum(sign * counts.get(key, 0) for key, sign in signed if key not in hidden)
            unknown = [(key, sign) for key, sign in signed if key in hidden]
            for key, sign in unknown:
                others = [(k, s) for k, s in unknown if k != key]
                least = sum(s * (low[k] if s > 0 else high[k]) for k, s in others)
                most = sum(s * (high[k] if s > 0 else low[k]) for k, s in others)
                # sign · count = −known − (the others): its range, then the count's
                first, last = -known - most, -known - least
                lowest, highest = (first, last) if sign > 0 else (-last, -first)
                if lowest > low[key]:
                    low[key], changed = lowest, True
                if highest < high[key]:
                    high[key], changed = highest, True
        if not changed:
            break
    return {key: (low[key], high[key]) for key in hidden}


def pinned_keys(
    counts: Mapping[Key, int], groups: list[tuple[Key, list[Key]]], hidden: set[Key]
) -> list[Key]:
    """The hidden counts from 1 to 9 whose bounds meet: a reader would know them."""
    found = bounds(counts, groups, hidden)
    return [key for key, (low, high) in found.items() if 0 < counts.get(key, 0) < THRESHOLD and low == high]


def _hide_next_to(
    pinned: list[Key], counts: Mapping[Key, int], groups: list[tuple[Key, list[Key]]], hidden: set[Key]
) -> bool:
    """Hide, for each pinned count, the smallest shown non-zero member of its sums (else of any sum with a
    hidden member); False when nothing is left to hide."""
    grown = False
    for key in pinned:
        near = [m for total, parts in groups if key == total or key in parts for m in (total, *parts)]
        extra = _smallest_shown(near, counts, hidden)
        if extra is not None:
            hidden.add(extra)
            grown = True
    if grown:
        return True
    anywhere = [m for total, parts in groups if {total, *parts} & hidden for m in (total, *parts)]
    extra = _smallest_shown(anywhere, counts, hidden)
    if extra is None:
        return False
    hidden.add(extra)
    return True


def table_sums(prefix: Key, rows: Sequence[Hashable], columns: Sequence[Hashable]) -> list[Sum]:
    """The sums of one table whose last row holds the columns' totals and last column the rows' totals:
    each row, each column (keys `(*prefix, row, column)`)."""
    *inner_rows, total_row = rows
    *inner_columns, total_column = columns
    by_row: list[Sum] = [((*prefix, r, total_column), [(*prefix, r, c) for c in inner_columns]) for r in rows]
    by_column: list[Sum] = [((*prefix, total_row, c), [(*prefix, r, c) for r in inner_rows]) for c in columns]
    return by_row + by_column


def suppress(grid: list[list[int]], *, has_margin_row: bool) -> list[list[bool]]:
    """One table alone: which cells to hide. The last column holds the rows' totals; with
    `has_margin_row`, the last row holds the columns' totals."""
    counts: dict[Key, int] = {(r, c): n for r, row in enumerate(grid) for c, n in enumerate(row)}
    rows, columns = range(len(grid)), range(len(grid[0]) if grid else 0)
    sums: list[Sum] = [((r, columns[-1]), [(r, c) for c in columns[:-1]]) for r in rows]
    if has_margin_row:
        sums += [((rows[-1], c), [(r, c) for r in rows[:-1]]) for c in columns]
    hidden = suppress_jointly(counts, sums)
    return [[(r, c) in hidden for c in columns] for r in rows]
