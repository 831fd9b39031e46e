"""Hypothesis strategies for untrusted input: the scheduler's answers and the stored files."""

from typing import Any

from hypothesis import strategies as st


def json_of(
    text: st.SearchStrategy[str], integers: st.SearchStrategy[int]
) -> tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]:
    """Return (leaves, values): JSON scalars and nested JSON built from hostile text and numbers."""
    leaves = st.none() | st.booleans() | integers | st.floats() | text
    values = st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=12), children, max_size=4)
        ),
        max_leaves=10,
    )
    return leaves, values


def huge_integers(*extremes: int) -> st.SearchStrategy[int]:
    """Integers far past 64 bits, and the given ones at the edges."""
    return st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.sampled_from(extremes))
