"""IntHashTable answers exactly as a dict would, for keys in and out of the table."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.hash_table import IntHashTable


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.integers(0, 2**62), st.integers(0, 2**40), max_size=300),
    st.lists(st.integers(0, 2**62), max_size=300),
)
def test_get_matches_a_dict(table, others):
    keys, values = list(table), list(table.values())
    hashed = IntHashTable(np.array(keys, dtype=np.int64), np.array(values, dtype=np.int64))
    queries = keys + others
    assert hashed.get(np.array(queries, dtype=np.int64)).tolist() == [table.get(k, -1) for k in queries]
    assert len(hashed) == len(table)


def test_crowded_neighbourhoods_still_resolve():
    # Consecutive keys land near each other less than one would fear, but probing must still find all.
    keys = np.arange(10_000, dtype=np.int64) * 1024
    hashed = IntHashTable(keys, keys + 1)
    assert (hashed.get(keys) == keys + 1).all()
    assert (hashed.get(keys + 1) == -1).all()


@pytest.mark.parametrize(
    ("keys", "values"),
    [([1, 1], [0, 1]), ([-5], [0]), ([1, 2], [0])],
    ids=["repeated key", "negative key", "fewer values"],
)
def test_bad_tables_are_refused(keys, values):
    with pytest.raises(ValueError, match="distinct, non-negative"):
        IntHashTable(np.array(keys), np.array(values))
