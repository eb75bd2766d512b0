"""Speed and size of the packaged model on this machine, written to reports/speed.md.

    python -m training.benchmark            # reproduce

Batch throughput runs pinned to one core; CLI latency is a whole `regsec predict` process
(start-up included) beside a bare `python -c pass` run in the same script as baseline."""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from training.train import DEFAULT_DATA, REPO

BATCH_DOCS = 5000
PASSES = 5  # batch figures are the best of this many passes over the same articles, after a warm-up
RUNS = 5


def _corpus_texts(n: int) -> list[str]:
    texts = [json.loads(line)["text"] for f in sorted(DEFAULT_DATA.glob("*.jsonl")) for line in f.read_text(encoding="utf-8").splitlines() if line]
    return (texts * (n // len(texts) + 1))[:n]


def batch_throughput(n: int = BATCH_DOCS, voices: bool = True) -> dict[str, float]:
    """Articles per second for `predict` on n corpus articles (best of PASSES passes), in a child pinned to one core."""
    code = f"""
import os, json, time, resource
os.sched_setaffinity(0, {{0}})
from model import load
from training.benchmark import _corpus_texts
texts = _corpus_texts({n})
clf = load()
clf.predict(texts[:50])
elapsed = float("inf")
for _ in range({PASSES}):  # the best pass: other work on the machine only ever slows one down
    start = time.perf_counter()
    for i in range(0, len(texts), 256):
        clf.predict(texts[i:i + 256], voices={voices})
    elapsed = min(elapsed, time.perf_counter() - start)
print(json.dumps({{"docs": len(texts), "seconds": elapsed, "words": sum(len(t.split()) for t in texts),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO, env=env)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["docs_per_second"] = result["docs"] / result["seconds"]
    return result


def tfidf_baseline(n: int = BATCH_DOCS) -> dict[str, float]:
    """Articles per second for scikit-learn's TfidfVectorizer.transform alone (fitted on the same
    articles, regsec's settings) on the same n articles in a child pinned to one core: the cost of
    featurizing text in Python, to read regsec's figures against on the same machine."""
    code = f"""
import os, json, time
os.sched_setaffinity(0, {{0}})
from model.features import make_vectorizer
from training.benchmark import _corpus_texts
texts = _corpus_texts({n})
vectorizer = make_vectorizer().fit(texts)
elapsed = float("inf")
for _ in range({PASSES}):
    start = time.perf_counter()
    for i in range(0, len(texts), 256):
        vectorizer.transform(texts[i:i + 256])
    elapsed = min(elapsed, time.perf_counter() - start)
print(json.dumps({{"docs": len(texts), "seconds": elapsed}}))
"""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO, env=env)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["docs_per_second"] = result["docs"] / result["seconds"]
    return result


def _median_wall(cmd: list[str], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False, cwd=REPO)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cli_latency() -> dict[str, float]:
    """Median wall time of `regsec predict ONE.txt`, and of `python -c pass` as the baseline."""
    regsec = shutil.which("regsec") or str(Path(sys.executable).parent / "regsec")
    with tempfile.TemporaryDirectory() as tmp:
        article = Path(tmp) / "article.txt"
        article.write_text(_corpus_texts(1)[0], encoding="utf-8")
        cli = _median_wall([regsec, "predict", str(article), "--format", "jsonl"])
    baseline = _median_wall([sys.executable, "-c", "pass"])
    return {"cli_seconds": cli, "python_baseline_seconds": baseline}


def artifact_size_mb() -> float:
    """Size of the packaged model folder in MB."""
    return sum(p.stat().st_size for p in (REPO / "model" / "default").iterdir()) / 1e6


def main() -> None:
    """Measure and write reports/speed.md."""
    load_before = os.getloadavg()[0]
    batch = batch_throughput()
    bulk = batch_throughput(voices=False)
    baseline = tfidf_baseline()
    latency = cli_latency()
    size = artifact_size_mb()
    lines = [
        "# regsec speed and size",
        "",
        f"Measured by `python -m training.benchmark` on {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},"
        f" {time.strftime('%Y-%m-%d')}, 1-minute load average {load_before:.2f} before the run (other work on the machine"
        f" slows every figure). Batch figures are the best of {PASSES} passes over the same articles, in batches of 256,"
        " after a 50-article warm-up (a fresh process's first pass has run up to a third slower here)."
        " Figures vary from run to run by several percent.",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| batch prediction with voices, one core | {batch['docs_per_second']:.0f} articles/s ({batch['docs']} corpus articles,"
        f" {batch['words'] / batch['docs']:.0f} words each on average) | 2,000 articles/s |",
        f"| batch prediction without voices (`--no-voices`), one core | {bulk['docs_per_second']:.0f} articles/s | 2,000 articles/s |",
        f"| baseline: scikit-learn `TfidfVectorizer.transform` alone, same articles, one core | {baseline['docs_per_second']:.0f} articles/s"
        f" (regsec without voices takes {baseline['docs_per_second'] / bulk['docs_per_second']:.1f}x its time, with voices"
        f" {baseline['docs_per_second'] / batch['docs_per_second']:.1f}x) | |",
        f"| peak memory of the batch process | {batch['peak_rss_mb']:.0f} MB | |",
        f"| CLI, one article, start-up included (median of {RUNS}) | {latency['cli_seconds']:.2f} s"
        f" ({latency['cli_seconds'] / latency['python_baseline_seconds']:.0f}x a bare `python -c pass`,"
        f" {latency['python_baseline_seconds']:.3f} s) | under 1 s |",
        f"| model folder on disk | {size:.1f} MB | under 20 MB |",
        "",
    ]
    out = REPO / "reports" / "speed.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
