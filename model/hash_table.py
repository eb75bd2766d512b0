"""A read-only hash table from non-negative int64 keys to int64 values, looked up for a whole
array of keys at once in numpy: how feature spaces find their n-grams' columns (several times
faster than a binary search over sorted keys, whose reads jump around memory)."""

from __future__ import annotations

import numpy as np

_EMPTY = -1
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads nearby keys over the table


class IntHashTable:
    """Open addressing with linear probing; most keys sit in their home slot."""

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        keys, values = np.asarray(keys, dtype=np.int64), np.asarray(values, dtype=np.int64)
        if len(keys) != len(values) or len(np.unique(keys)) != len(keys) or (keys < 0).any():
            raise ValueError("keys must be distinct, non-negative and as many as the values")
        self.bits = max(4, int(3 * len(keys)).bit_length())  # a third full or less
        self.keys = np.full(1 << self.bits, _EMPTY, dtype=np.int64)
        self.values = np.full(1 << self.bits, _EMPTY, dtype=np.int64)
        pending, probe = np.arange(len(keys)), np.zeros(len(keys), dtype=np.int64)
        while len(pending):
            slots = (self._home(keys[pending]) + probe) & (len(self.keys) - 1)
            free = self.keys[slots] == _EMPTY
            # Of several keys wanting one free slot, the first takes it; the others probe on next round.
            _, first = np.unique(slots[free], return_index=True)
            placed = np.flatnonzero(free)[first]
            self.keys[slots[placed]], self.values[slots[placed]] = keys[pending[placed]], values[pending[placed]]
            probe[~free] += 1
            keep = np.ones(len(pending), dtype=bool)
            keep[placed] = False
            pending, probe = pending[keep], probe[keep]

    def __len__(self) -> int:
        return int((self.keys != _EMPTY).sum())

    def _home(self, keys: np.ndarray) -> np.ndarray:
        hashed = keys.astype(np.uint64)
        hashed *= _MULTIPLIER
        hashed >>= np.uint64(64 - self.bits)
        return hashed.view(np.int64)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The value of each key, -1 for a key not in the table."""
        keys = np.asarray(keys, dtype=np.int64)
        slots = self._home(keys)
        stored = self.keys[slots]
        out = np.where(stored == keys, self.values[slots], _EMPTY)
        # Keys not in their home slot (a collision when the table was built) probe on; an empty slot ends the search.
        pending = np.flatnonzero((stored != keys) & (stored != _EMPTY))
        while len(pending):
            slots[pending] = (slots[pending] + 1) & (len(self.keys) - 1)
            stored = self.keys[slots[pending]]
            hit = stored == keys[pending]
            out[pending[hit]] = self.values[slots[pending[hit]]]
            pending = pending[~hit & (stored != _EMPTY)]
        return out
