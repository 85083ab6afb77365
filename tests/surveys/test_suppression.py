"""Suppression: no hidden count from 1 to 9 can be computed back, by a reader who knows every sum, that a
hidden count is ≥ 0 and that its « < 10 » is true when it is (the counts hidden to protect another may be
larger). Pure functions: no database.

The reader's check is exact on one table: a table with its totals is a circulation (source → row → column
→ sink → source, one arc per count), a shown count is an arc of fixed flow, a hidden one an arc bounded as
the reader bounds it; a hidden count can be one more or one less than it is exactly when a cycle through it
can carry one unit more or less, so it is known exactly when no such cycle exists."""

from __future__ import annotations

import itertools
from collections import defaultdict, deque

from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.surveys.suppression import THRESHOLD, suppress

INFINITE = 10**9
Grid = list[list[int]]
Mask = list[list[bool]]


def with_totals(inner: Grid, *, has_margin_row: bool) -> Grid:
    grid = [[*row, sum(row)] for row in inner]
    if has_margin_row:
        grid.append([sum(column) for column in zip(*grid, strict=True)])
    return grid


def reader_bounds(count: int, hidden: bool, *, upper_known: bool = True) -> tuple[int, int]:
    if not hidden:
        return count, count
    if upper_known and count < THRESHOLD:
        return 0, THRESHOLD - 1
    return 0, INFINITE


def arcs_of(grid: Grid, has_margin_row: bool) -> list[tuple[tuple[int, int] | None, object, object, int]]:
    """(cell, from, to, flow): a row's cells go to their column (or straight to the sink without a margin
    row: the columns are then free), its total comes from the source, the grand total closes the loop."""
    rows = len(grid) - has_margin_row
    columns = len(grid[0]) - 1
    arcs: list[tuple[tuple[int, int] | None, object, object, int]] = []
    for r in range(rows):
        for c in range(columns):
            arcs.append(((r, c), ("row", r), ("column", c) if has_margin_row else "sink", grid[r][c]))
        arcs.append(((r, columns), "source", ("row", r), grid[r][columns]))
    if has_margin_row:
        arcs += [((rows, c), ("column", c), "sink", grid[rows][c]) for c in range(columns)]
        arcs.append(((rows, columns), "sink", "source", grid[rows][columns]))
    else:
        arcs.append((None, "sink", "source", sum(grid[r][columns] for r in range(rows))))
    return arcs


def known_exactly(grid: Grid, hidden: Mask, *, has_margin_row: bool, upper_known: bool = True) -> set:
    """The hidden counts from 1 to 9 that the reader can compute back exactly."""
    arcs = arcs_of(grid, has_margin_row)
    residual = []
    for number, (cell, start, end, flow) in enumerate(arcs):
        low, high = (
            (-INFINITE, INFINITE)
            if cell is None
            else reader_bounds(flow, hidden[cell[0]][cell[1]], upper_known=upper_known)
        )
        if flow + 1 <= high:
            residual.append((number, start, end))
        if flow - 1 >= low:
            residual.append((number, end, start))

    def reaches(start: object, end: object, without: int) -> bool:
        following = defaultdict(list)
        for number, a, b in residual:
            if number != without:
                following[a].append(b)
        seen, waiting = {start}, deque([start])
        while waiting:
            node = waiting.popleft()
            if node == end:
                return True
            for after in following[node]:
                if after not in seen:
                    seen.add(after)
                    waiting.append(after)
        return False

    found = set()
    for number, (cell, start, end, flow) in enumerate(arcs):
        if cell is None or not hidden[cell[0]][cell[1]] or not 0 < flow < THRESHOLD:
            continue
        low, high = reader_bounds(flow, True, upper_known=upper_known)
        more = flow + 1 <= high and reaches(end, start, number)
        less = flow - 1 >= low and reaches(start, end, number)
        if not (more or less):
            found.add(cell)
    return found


def known_by_enumeration(grid: Grid, hidden: Mask, *, has_margin_row: bool) -> set:
    """The same, by trying every value of the hidden counts (tiny tables only): the check's own check."""
    cells = [(r, c) for r, row in enumerate(grid) for c in range(len(row)) if hidden[r][c]]
    ranges = [range(0, min(reader_bounds(grid[r][c], True)[1], 40) + 1) for r, c in cells]
    rows = len(grid) - has_margin_row
    values = defaultdict(set)
    for trial in itertools.product(*ranges):
        table = [row[:] for row in grid]
        for (r, c), value in zip(cells, trial, strict=True):
            table[r][c] = value
        if any(sum(row[:-1]) != row[-1] for row in table):
            continue
        if has_margin_row and any(
            sum(table[r][c] for r in range(rows)) != table[rows][c] for c in range(len(grid[0]))
        ):
            continue
        for cell, value in zip(cells, trial, strict=True):
            values[cell].add(value)
    return {cell for cell in cells if 0 < grid[cell[0]][cell[1]] < THRESHOLD and len(values[cell]) == 1}


def test_the_readers_check_agrees_with_trying_every_value():
    cases = [
        ([[1, 1, 15, 17], [5, 12, 20, 37], [6, 13, 35, 54]], [[1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]),
        ([[9, 9, 20, 38], [12, 13, 20, 45], [21, 22, 40, 83]], [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]]),
        ([[9, 8, 17], [9, 1, 10], [18, 9, 27]], [[1, 1, 0], [1, 1, 0], [0, 0, 0]]),
        ([[9, 8, 17], [0, 1, 1], [9, 9, 18]], [[1, 1, 0], [1, 1, 1], [0, 0, 0]]),
        ([[3, 12, 15], [4, 11, 15], [7, 23, 30]], [[1, 1, 0], [1, 1, 0], [0, 0, 0]]),
    ]
    for grid, mask in cases:
        hidden = [[bool(x) for x in row] for row in mask]
        assert known_exactly(grid, hidden, has_margin_row=True) == known_by_enumeration(
            grid, hidden, has_margin_row=True
        )
    assert known_exactly(cases[1][0], [[bool(x) for x in r] for r in cases[1][1]], has_margin_row=True)


# The review's examples


def test_two_hidden_ones_are_not_given_back_by_their_row_total():
    grid = [[1, 1, 15, 17], [5, 12, 20, 37], [6, 13, 35, 54]]

    hidden = suppress(grid, has_margin_row=True)

    # 17 − 15 = 2 over the two hidden 1s would give both: the 15 is hidden too, the hidden part is 17.
    assert hidden[0][:3] == [True, True, True]
    assert 17 - sum(n for n, h in zip(grid[0][:3], hidden[0], strict=False) if not h) >= THRESHOLD
    assert not known_exactly(grid, hidden, has_margin_row=True)


def test_two_hidden_nines_are_not_given_back_by_their_sum_of_18():
    grid = [[9, 9, 20, 38], [12, 13, 20, 45], [21, 22, 40, 83]]

    hidden = suppress(grid, has_margin_row=True)

    # « < 10 » + « < 10 » = 38 − 20 = 18 would make both 9: a third count of the row is hidden.
    assert hidden[0][0] and hidden[0][1]
    assert hidden[0][2] or hidden[0][3]
    assert not known_exactly(grid, hidden, has_margin_row=True)


def test_the_zeros_of_a_sum_with_hidden_counts_are_hidden_with_them():
    grid = [[3, 0, 12, 15], [10, 0, 20, 30], [13, 0, 32, 45]]

    hidden = suppress(grid, has_margin_row=True)

    assert hidden[0][1]  # else every hidden count of the row would be known to be at least 1
    assert not known_exactly(grid, hidden, has_margin_row=True)


def test_a_table_without_small_counts_is_shown_whole():
    grid = with_totals([[10, 15], [12, 0]], has_margin_row=True)
    assert not any(any(row) for row in suppress(grid, has_margin_row=True))


def test_a_single_row_hides_a_second_count_and_enough_of_the_row():
    assert suppress([[9, 15, 24]], has_margin_row=False) == [[True, True, False]]
    assert suppress([[1, 1, 30, 32]], has_margin_row=False) == [[True, True, True, False]]


# Any small table


def sums_hold(grid: Grid, hidden: Mask, *, has_margin_row: bool) -> None:
    """The rules, sum by sum: zeros hidden with a hidden count, two non-zero hidden, a hidden part of 10."""
    lines = [list(zip(row, mask, strict=True)) for row, mask in zip(grid, hidden, strict=True)]
    if has_margin_row:
        lines += [list(column) for column in zip(*lines, strict=True)]
    for line in lines:
        *parts, (_, total_hidden) = line
        secret = [n for n, h in line if h and n]
        if not secret:
            continue
        assert all(h for n, h in line if n == 0)
        assert len(secret) >= 2
        if not total_hidden:
            assert sum(n for n, h in parts if h) >= THRESHOLD


counts = st.one_of(st.integers(0, 2), st.sampled_from([5, 8, 9]), st.integers(0, 25))


@st.composite
def tables(draw: st.DrawFn, most_rows: int, most_columns: int) -> tuple[Grid, bool]:
    rows, columns = draw(st.integers(1, most_rows)), draw(st.integers(1, most_columns))
    inner = [[draw(counts) for _ in range(columns)] for _ in range(rows)]
    has_margin_row = draw(st.booleans())
    return with_totals(inner, has_margin_row=has_margin_row), has_margin_row


@settings(max_examples=1500, derandomize=True, deadline=None)
@given(st.one_of(tables(2, 3), tables(3, 2)))
def test_no_small_count_of_a_small_table_can_be_computed_back(table: tuple[Grid, bool]) -> None:
    grid, has_margin_row = table

    hidden = suppress(grid, has_margin_row=has_margin_row)

    assert all(hidden[r][c] for r, row in enumerate(grid) for c, n in enumerate(row) if 0 < n < THRESHOLD)
    sums_hold(grid, hidden, has_margin_row=has_margin_row)
    assert not known_exactly(grid, hidden, has_margin_row=has_margin_row)


@settings(max_examples=600, derandomize=True, deadline=None)
@given(tables(3, 3))
def test_no_small_count_of_a_3_by_3_table_is_given_back_by_its_sums(table: tuple[Grid, bool]) -> None:
    # Known only to be ≥ 0 (the reader does not trust « < 10 »): the sums alone never give one back.
    grid, has_margin_row = table

    hidden = suppress(grid, has_margin_row=has_margin_row)

    sums_hold(grid, hidden, has_margin_row=has_margin_row)
    assert not known_exactly(grid, hidden, has_margin_row=has_margin_row, upper_known=False)
