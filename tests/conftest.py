"""Shared fixtures: the repository's own files, the packaged model, and the shared eval set."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def default_model():
    from model import load

    return load()


@pytest.fixture(scope="session")
def dev_set() -> Path:
    path = SHARED / "eval" / "dev.jsonl"
    if not path.is_file():
        pytest.skip("../shared/eval/dev.jsonl is not present")
    return path
