"""Deterministic train/test split by event: every document about one event falls on the same
side, so the test score is not inflated by near-copies of training documents."""

from __future__ import annotations

import hashlib

from training.records import LabeledRecord

TEST_PERCENT = 20


def is_test(group: str, test_percent: int = TEST_PERCENT) -> bool:
    """True when the event `group` belongs to the test side (stable across runs and machines)."""
    bucket = int(hashlib.sha256(group.encode("utf-8")).hexdigest()[:8], 16) % 100
    return bucket < test_percent


def split_records(records: list[LabeledRecord], test_percent: int = TEST_PERCENT) -> tuple[list[LabeledRecord], list[LabeledRecord]]:
    """(train, test) with whole events on one side."""
    train = [r for r in records if not is_test(r.group, test_percent)]
    test = [r for r in records if is_test(r.group, test_percent)]
    return train, test
