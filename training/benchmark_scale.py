"""Throughput and memory of batch prediction on one process, on local worker processes
(`run_batch_parallel`, jobs=2) and on a two-worker Dask LocalCluster, printed as markdown.

    python -m training.benchmark_scale                 # 2,000 articles, voices on and off
    python -m training.benchmark_scale --docs 500      # a quicker look
    python -m training.benchmark_scale --repeat 3      # fastest of three runs each (a shared machine)
    python -m training.benchmark_scale --memory 10000 100000 --out reports/scale.md   # memory stays flat as input grows

Every run reads the same JSONL file (corpus texts cycled) and writes JSONL: one process and
jobs=2 write to /dev/null as `regsec predict --format jsonl` would; Dask writes its part files
to a temporary folder, as `regsec predict --scheduler` does. Each run is a fresh child process,
timed from the call to its end, start-up included (loading the model, starting workers, shipping
the model); the Dask cluster's own start is timed apart, since a cluster usually outlives a job.
Memory is the peak over the child's whole process tree (fork server, workers, nannies), sampled
every 0.1 s: RSS summed (counts shared libraries once per process) and PSS summed (shared pages
divided among their users: the tree's real share of memory). Linux only (reads /proc)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from training.train import DEFAULT_DATA, REPO

MODES = ("one process", "jobs=2", "dask 2 workers")
SAMPLE_SECONDS = 0.1


def write_input(path: Path, n: int) -> None:
    """`n` JSONL articles: the corpus texts in file order, cycled."""
    texts = [json.loads(line)["text"] for f in sorted(DEFAULT_DATA.glob("*.jsonl")) for line in f.read_text(encoding="utf-8").splitlines() if line]
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            handle.write(json.dumps({"id": f"a{i}", "text": texts[i % len(texts)]}) + "\n")


def _run(mode: str, source: str, voices: bool) -> dict[str, float]:
    """One measured run in this process (the child); returns seconds and counts."""
    from model.inputs import read_documents
    from model.output import Writer

    documents = read_documents([source])
    if mode == "one process":
        from model.artifact import load_artifact
        from model.batch import run_batch

        with open(os.devnull, "w", encoding="utf-8") as sink:
            start = time.perf_counter()
            clf, _ = load_artifact(None)
            counts = run_batch(clf, documents, Writer(sink, "jsonl").write, voices=voices)
            return {"seconds": time.perf_counter() - start, "read": counts.read}
    if mode == "jobs=2":
        from model.parallel import run_batch_parallel

        with open(os.devnull, "w", encoding="utf-8") as sink:
            start = time.perf_counter()
            counts = run_batch_parallel(None, documents, Writer(sink, "jsonl").write, jobs=2, voices=voices)
            return {"seconds": time.perf_counter() - start, "read": counts.read}
    from distributed import LocalCluster

    from model.dask import predict_files_with_dask

    start = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None, processes=True) as cluster:
        cluster_seconds = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            counts = predict_files_with_dask([source], cluster.scheduler_address, Path(out) / "first", voices=voices)
            first = time.perf_counter() - start
            start = time.perf_counter()
            predict_files_with_dask([source], cluster.scheduler_address, Path(out) / "second", voices=voices)
            second = time.perf_counter() - start
    return {"seconds": first, "warm_seconds": second, "cluster_seconds": cluster_seconds, "read": counts.read}


def _tree_memory_mb(root: int) -> tuple[float, float]:
    """(RSS, PSS) in MB summed over `root` and all its descendants."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid and child not in tree]
        tree.update(children)
        frontier.extend(children)
    rss = pss = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return rss / 1024, pss / 1024


def measure(mode: str, source: Path, voices: bool) -> dict[str, float]:
    """Run `mode` in a fresh child process, sampling its process tree's memory until it ends."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "training.benchmark_scale", "--child", mode, "--source", str(source), "--voices" if voices else "--no-voices"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    peak = [0.0, 0.0]

    def sample() -> None:
        while proc.poll() is None:
            rss, pss = _tree_memory_mb(proc.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            time.sleep(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} run failed:\n{err}")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(peak_rss_mb=peak[0], peak_pss_mb=peak[1], input_mb=source.stat().st_size / 2**20)
    return result


def main() -> None:
    """Measure every mode with voices on and off; print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=2000, help="articles per run")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measure; the fastest is reported")
    parser.add_argument("--memory", type=int, nargs="*", default=[], help="also: one process and jobs=2, voices off, on inputs of these sizes")
    parser.add_argument("--out", type=Path, help="also write the markdown to this file")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--voices", action=argparse.BooleanOptionalAction, default=True, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_run(args.child, args.source, args.voices)))
        return

    load_before = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "articles.jsonl"
        write_input(source, args.docs)
        for voices in (True, False):
            for mode in MODES:
                result = min((measure(mode, source, voices) for _ in range(args.repeat)), key=lambda r: r["seconds"])
                rows.append((mode, voices, result))
                print(f"  measured {mode}, voices {'on' if voices else 'off'}: {result['read'] / result['seconds']:.0f} articles/s", file=sys.stderr)
        one = Path(tmp) / "one.jsonl"
        write_input(one, 1)
        startup = {mode: min(measure(mode, one, True)["seconds"] for _ in range(args.repeat)) for mode in MODES[:2]}
        growth = []
        for n in args.memory:
            big = Path(tmp) / f"articles_{n}.jsonl"
            write_input(big, n)
            for mode in MODES[:2]:
                growth.append((n, mode, measure(mode, big, False)))
                print(f"  measured {mode} on {n} articles", file=sys.stderr)
            big.unlink()
    load_after = os.getloadavg()[0]
    lines = [
        f"Measured by `{' '.join(['python -m training.benchmark_scale', *sys.argv[1:]])}` ({args.docs} articles, fastest of {args.repeat} run(s) each)"
        f" on {platform.machine()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M')}; 1-minute load average {load_before:.2f} before,"
        f" {load_after:.2f} after (other work on the machine slows every figure).",
        "",
        "| mode | voices | articles/s (start-up included) | seconds | peak RSS of the process tree | peak PSS of the process tree |",
        "|---|---|---|---|---|---|",
    ]
    for mode, voices, r in rows:
        rate = r["read"] / r["seconds"]
        lines.append(f"| {mode} | {'on' if voices else 'off'} | {rate:.0f} | {r['seconds']:.1f} | {r['peak_rss_mb']:.0f} MB | {r['peak_pss_mb']:.0f} MB |")
    dask_rows = [(voices, r) for mode, voices, r in rows if mode == "dask 2 workers"]
    lines += ["", "Dask: the cluster's own start, and a second run on the same cluster (model already on the workers):", ""]
    for voices, r in dask_rows:
        lines.append(
            f"- voices {'on' if voices else 'off'}: cluster start {r['cluster_seconds']:.1f} s; second run {r['read'] / r['warm_seconds']:.0f} articles/s"
            f" ({r['warm_seconds']:.1f} s)"
        )
    lines += [
        "",
        f"Start-up, one article: one process {startup['one process']:.2f} s (loading the model), jobs=2 {startup['jobs=2']:.2f} s"
        " (fork server, two workers each loading the model); Python's own start is not included.",
    ]
    if growth:
        lines += [
            "",
            "Memory as the input grows (voices off, JSONL in and out, records streamed):",
            "",
            "| articles | mode | input file | articles/s | peak RSS of the process tree | peak PSS of the process tree |",
            "|---|---|---|---|---|---|",
        ]
        for n, mode, r in growth:
            lines.append(
                f"| {n:,} | {mode} | {r['input_mb']:.0f} MB | {r['read'] / r['seconds']:.0f} | {r['peak_rss_mb']:.0f} MB | {r['peak_pss_mb']:.0f} MB |"
            )
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(f"# Scale: processes, jobs, Dask\n\n{text}\n", encoding="utf-8")


if __name__ == "__main__":
    main()
