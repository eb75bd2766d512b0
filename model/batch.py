"""Batch prediction over a stream of documents: predicts in chunks, writes each record as
soon as its chunk is done, keeps input order, and counts what went in and out."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from model.classifier import RegsecClassifier
from model.inputs import Document


@dataclass
class BatchCounts:
    """Documents read, predicted and failed: read == predicted + failed."""

    read: int = 0
    predicted: int = 0
    failed: int = 0


def predict_records(
    clf: RegsecClassifier, documents: Iterable[Document], batch_size: int = 256, voices: bool = True
) -> Iterator[dict[str, Any]]:
    """Output records for `documents` in order: a prediction dict, or `{"id", "error"}`."""
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, got {batch_size}")
    stream = iter(documents)
    while chunk := list(islice(stream, batch_size)):
        good = [d for d in chunk if d.error is None]
        predictions = iter(clf.predict([d.text for d in good], ids=[d.id for d in good], voices=voices) if good else [])
        for doc in chunk:
            yield {"id": doc.id, "error": doc.error} if doc.error is not None else next(predictions).to_dict()


def run_batch(
    clf: RegsecClassifier,
    documents: Iterable[Document],
    write: Callable[[dict[str, Any]], None],
    batch_size: int = 256,
    progress: bool = False,
    voices: bool = True,
) -> BatchCounts:
    """Predict and write every document; with `progress`, a running count on stderr."""
    return write_records(predict_records(clf, documents, batch_size, voices), write, batch_size, progress)


def write_records(records: Iterable[dict[str, Any]], write: Callable[[dict[str, Any]], None], batch_size: int = 256, progress: bool = False) -> BatchCounts:
    """Write and count each record; with `progress`, a running count on stderr every batch."""
    counts = BatchCounts()
    started = time.monotonic()
    for record in records:
        write(record)
        counts.read += 1
        if "error" in record:
            counts.failed += 1
        else:
            counts.predicted += 1
        if progress and counts.read % batch_size == 0:
            rate = counts.read / max(1e-9, time.monotonic() - started)
            print(f"\rregsec: {counts.read} documents ({counts.failed} failed), {rate:.0f}/s", end="", file=sys.stderr, flush=True)
    if progress and counts.read >= batch_size:
        print(file=sys.stderr)
    return counts
