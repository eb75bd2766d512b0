"""Batch prediction on several local cores: `run_batch`'s contract (same records, same order,
error records in place, same counts) with chunks predicted by worker processes.

Each worker loads the model once, in its initializer. The parent reads documents, keeps at most
`2 * jobs` chunks in flight (memory stays flat however long the input) and writes records in
input order as chunks come back. Workers start with "forkserver": forking a parent that already
runs threads (BLAS pools, a host application's threads) can deadlock, and the fork server
imports regsec once so each worker only pays for loading the model file."""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Any

from model.batch import BatchCounts, predict_records, run_batch, write_records
from model.inputs import Document

CHUNKS_IN_FLIGHT_PER_JOB = 2

# Worker-process state, set once by _start_worker.
_worker_model: Any = None
_worker_load_error: BaseException | None = None


def run_batch_parallel(
    model_dir: Path | str | None,
    documents: Iterable[Document],
    write: Callable[[dict[str, Any]], None],
    jobs: int,
    batch_size: int = 256,
    voices: bool = True,
    progress: bool = False,
) -> BatchCounts:
    """Predict and write every document with `jobs` worker processes; `jobs=1` runs `run_batch`
    in this process. Raises the model's `ArtifactError` before writing anything if a worker
    cannot load `model_dir` (None: the packaged model). Scripts must call it under
    `if __name__ == "__main__":`, as with any multiprocessing that does not fork."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, got {batch_size}")
    if jobs == 1:
        from model.artifact import load_artifact

        clf, _ = load_artifact(model_dir)
        return run_batch(clf, documents, write, batch_size=batch_size, progress=progress, voices=voices)

    context = multiprocessing.get_context("forkserver")
    # Imported once by the fork server (only when it starts), not by each worker: the caller's
    # main module (hence the usual `if __name__ == "__main__":` guard in scripts) and regsec.
    context.set_forkserver_preload(["__main__", "model.parallel"])
    model_arg = str(Path(model_dir).resolve()) if model_dir is not None else None
    executor = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker, initargs=(model_arg,))
    try:
        records = _records_in_order(executor, documents, jobs * CHUNKS_IN_FLIGHT_PER_JOB, batch_size, voices)
        counts = write_records(records, write, batch_size, progress)
    except BaseException:
        _stop_now(executor)  # Ctrl-C, a closed pipe, a failed chunk: no worker outlives the call
        raise
    executor.shutdown(wait=True)
    return counts


def _records_in_order(
    executor: ProcessPoolExecutor, documents: Iterable[Document], max_in_flight: int, batch_size: int, voices: bool
) -> Iterator[dict[str, Any]]:
    """Records in input order: chunks are submitted while fewer than `max_in_flight` are
    pending, and the oldest chunk's records are yielded when it is done."""
    stream = iter(documents)
    pending: deque[Future[list[dict[str, Any]]]] = deque()
    while True:
        while len(pending) < max_in_flight and (chunk := list(islice(stream, batch_size))):
            pending.append(executor.submit(_predict_chunk, chunk, voices))
        if not pending:
            return
        yield from pending.popleft().result()


def _stop_now(executor: ProcessPoolExecutor) -> None:
    """Cancel queued chunks and terminate the workers instead of waiting for running chunks."""
    if hasattr(executor, "terminate_workers"):  # Python 3.14+
        executor.terminate_workers()
        return
    processes = list((executor._processes or {}).values())  # shutdown() forgets them, so take them first
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)


def _start_worker(model_dir: str | None) -> None:
    """Worker initializer: ignore SIGINT (the parent owns Ctrl-C and stops workers itself) and
    load the model once. A load failure is kept and raised by each chunk, so it reaches the
    parent as the ArtifactError it is rather than as a broken pool."""
    global _worker_model, _worker_load_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from model.artifact import load_artifact

    try:
        _worker_model, _ = load_artifact(model_dir)
    except Exception as exc:  # re-raised by every chunk this worker runs
        _worker_load_error = exc


def _predict_chunk(chunk: list[Document], voices: bool) -> list[dict[str, Any]]:
    """Records for one chunk, in order, with the worker's model."""
    if _worker_load_error is not None:
        raise _worker_load_error
    return list(predict_records(_worker_model, chunk, batch_size=len(chunk), voices=voices))
