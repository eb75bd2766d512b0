"""run_batch_parallel: the same records, order and counts as run_batch, with worker processes
that load the model once and never outlive the call."""

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest

from model.artifact import ArtifactError
from model.batch import BatchCounts, run_batch
from model.inputs import read_documents
from model.parallel import run_batch_parallel


@pytest.fixture(scope="module")
def batch_file(tmp_path_factory, repo):
    """About 200 corpus articles as JSONL, with a malformed line, an empty text and a record without text among them."""
    corpus = [json.loads(line) for path in sorted((repo / "data" / "corpus").glob("*.jsonl")) for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [json.dumps({"id": r["id"], "text": r["text"]}) for r in corpus[::10][:200]]
    lines[3] = "{not json"
    lines[70] = json.dumps({"id": "empty", "text": "   "})
    lines[150] = json.dumps({"id": "no-text", "body": "the article is in the wrong field"})
    path = tmp_path_factory.mktemp("parallel") / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _counting(documents, consumed):
    for doc in documents:
        consumed.append(doc.id)
        yield doc


def test_two_workers_write_what_run_batch_writes_in_the_same_order(batch_file, default_model):
    serial = []
    serial_counts = run_batch(default_model, read_documents([str(batch_file)]), serial.append, batch_size=16)

    parallel, consumed, read_ahead = [], [], []

    def write(record):
        read_ahead.append(len(consumed) - len(parallel))
        parallel.append(record)

    counts = run_batch_parallel(None, _counting(read_documents([str(batch_file)]), consumed), write, jobs=2, batch_size=16)

    assert parallel == serial
    assert counts == serial_counts == BatchCounts(read=200, predicted=197, failed=3)
    assert [r["id"] for r in parallel if "error" in r] == [f"{batch_file}:4", "empty", "no-text"]
    assert max(read_ahead) <= 2 * 2 * 16  # at most 2 chunks per worker in flight: memory stays flat on long inputs
    assert multiprocessing.active_children() == []


def test_one_job_predicts_in_this_process(batch_file, default_model):
    children_while_writing = []
    records = []

    def write(record):
        children_while_writing.append(len(multiprocessing.active_children()))
        records.append(record)

    counts = run_batch_parallel(None, read_documents([str(batch_file)]), write, jobs=1, batch_size=64, voices=False)
    expected = []
    run_batch(default_model, read_documents([str(batch_file)]), expected.append, batch_size=64, voices=False)
    assert records == expected and counts.read == 200
    assert set(children_while_writing) == {0}


def test_a_failing_writer_terminates_the_workers_at_once(batch_file):
    written, workers = [], []

    def write(record):
        workers.extend(p for p in multiprocessing.active_children() if p not in workers)
        if len(written) == 20:
            raise BrokenPipeError("reader went away")
        written.append(record)

    with pytest.raises(BrokenPipeError):
        run_batch_parallel(None, read_documents([str(batch_file)]), write, jobs=2, batch_size=16)
    assert len(written) == 20
    assert multiprocessing.active_children() == []
    # Stopped, not left to finish queued chunks (that would exit 0). 255 is how a fork-server child's
    # exit code reads when the fork server's status message is lost (CPython's popen_forkserver.poll).
    assert len(workers) == 2 and all(p.exitcode in (-signal.SIGTERM, 255) for p in workers)


def test_a_model_that_cannot_be_loaded_raises_before_anything_is_written(batch_file, tmp_path):
    written = []
    with pytest.raises(ArtifactError, match="no manifest"):
        run_batch_parallel(tmp_path, read_documents([str(batch_file)]), written.append, jobs=2)
    assert written == []
    assert multiprocessing.active_children() == []


def test_jobs_must_be_positive(batch_file):
    with pytest.raises(ValueError, match="jobs must be at least 1, got 0"):
        run_batch_parallel(None, read_documents([str(batch_file)]), print, jobs=0)


CTRL_C_SCRIPT = """
import multiprocessing, sys
from model.inputs import read_documents
from model.output import Writer
from model.parallel import run_batch_parallel

if __name__ == "__main__":
    writer = Writer(sys.stdout, "jsonl")
    workers = []

    def write(record):
        if not workers:
            workers.extend(p.pid for p in multiprocessing.active_children())
            print("workers", *workers, file=sys.stderr, flush=True)
        writer.write(record)

    try:
        run_batch_parallel(None, read_documents([sys.argv[1]]), write, jobs=2, batch_size=32)
    except KeyboardInterrupt:
        sys.stdout.flush()
        print("interrupted; workers left:", len(multiprocessing.active_children()), file=sys.stderr)
        sys.exit(130)
"""


def test_ctrl_c_leaves_complete_records_and_no_workers(tmp_path, repo):
    text = json.loads((repo / "data" / "corpus" / "nk_01.jsonl").read_text(encoding="utf-8").splitlines()[0])["text"]
    source = tmp_path / "big.jsonl"
    source.write_text("".join(json.dumps({"id": str(i), "text": text}) + "\n" for i in range(20_000)), encoding="utf-8")
    script = tmp_path / "predict.py"
    script.write_text(CTRL_C_SCRIPT, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    with open(out, "w") as handle:
        # A new session stands in for a terminal: Ctrl-C signals the whole foreground group, workers included.
        proc = subprocess.Popen([sys.executable, str(script), str(source)], stdout=handle, stderr=subprocess.PIPE, cwd=repo, start_new_session=True)
        deadline = time.monotonic() + 90
        while out.stat().st_size < 50_000 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    err = err.decode()
    assert proc.returncode == 130, err
    assert "interrupted; workers left: 0" in err and "Traceback" not in err
    lines = out.read_text(encoding="utf-8").splitlines()
    assert 0 < len(lines) < 20_000
    assert [json.loads(line)["id"] for line in lines] == [str(i) for i in range(len(lines))]
    worker_pids = [int(pid) for pid in err.split("workers ", 1)[1].split("\n", 1)[0].split()]
    assert len(worker_pids) == 2
    for pid in worker_pids:
        assert not os.path.exists(f"/proc/{pid}") or "zombie" in open(f"/proc/{pid}/status").read()
