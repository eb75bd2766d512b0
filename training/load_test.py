"""A bounded load test of the HTTP service on loopback.

Starts `regsec serve` (model.serve_cli) in a subprocess on 127.0.0.1 at a free port, waits
for /readyz, then runs N concurrent clients (httpx, asyncio) for a fixed time, each sending
one corpus article per request to POST /v1/predict. Reports requests/s, p50/p90/p99/max
latency and errors (any non-200, a transport error, or a record that is not the article's),
checks a sample of the served records against the same model run in this process, prints a
markdown table and writes it to reports/load_test.md with the command that reproduces it.
Stops by itself: the run ends after --duration seconds or --max-requests requests, and the
server is stopped in all cases. Exit code 1 when there was any error.

    python -m training.load_test                       # 50 clients, 20 s, 1 worker
    python -m training.load_test --workers 2 --no-voices"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only: this test never sends traffic anywhere else
SAMPLE_CHECKED = 50  # served records compared with in-process predictions


@dataclass
class Tally:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    errors: Counter = field(default_factory=Counter)  # kind -> count
    served: dict[str, Any] = field(default_factory=dict)  # id -> first record served, for the sampled ids
    sent: int = 0


def read_articles(corpus: Path, limit: int | None = None) -> list[tuple[str, str]]:
    """(id, text) of the corpus articles, in file order."""
    articles = []
    for path in sorted(corpus.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                if isinstance(record.get("text"), str) and record["text"].strip():
                    articles.append((str(record.get("id") or f"{path.stem}:{len(articles)}"), record["text"]))
    if not articles:
        raise SystemExit(f"load_test: no articles in {corpus}/*.jsonl")
    return articles[:limit] if limit else articles


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int, log: Path) -> subprocess.Popen:
    """`regsec serve` on 127.0.0.1:port in its own process group, its output going to `log`."""
    command = [sys.executable, "-m", "model.serve_cli", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    with open(log, "wb") as handle:  # the server keeps its own copy of the descriptor
        return subprocess.Popen(command, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def stop_server(process: subprocess.Popen) -> None:
    """SIGINT (uvicorn's graceful stop) to the server's process group, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


async def wait_ready(base: str, process: subprocess.Popen, log: Path, timeout: float = 90.0) -> dict[str, Any]:
    """GET /v1/model once /readyz answers 200; exits with the server log if it dies or times out."""
    import httpx

    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base, timeout=5.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"load_test: the server exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return (await client.get("/v1/model")).json()
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.25)
    raise SystemExit(f"load_test: the server was not ready within {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


async def run_clients(
    base: str, articles: list[tuple[str, str]], clients: int, duration: float, max_requests: int, voices: bool, sample_ids: set[str]
) -> tuple[Tally, float]:
    """`clients` concurrent loops posting one article each until `duration` or `max_requests`; the tally and the wall time."""
    import httpx

    tally = Tally()
    counter = iter(range(max_requests))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=httpx.Timeout(60.0)) as client:
        # Warm up each connection once, outside the measurement.
        await asyncio.gather(*(client.get("/healthz") for _ in range(clients)))
        started = time.monotonic()
        deadline = started + duration

        async def one_client() -> None:
            while time.monotonic() < deadline:
                n = next(counter, None)
                if n is None:
                    return
                doc_id, text = articles[n % len(articles)]
                tally.sent += 1
                t0 = time.perf_counter()
                try:
                    response = await client.post("/v1/predict", json={"id": doc_id, "text": text, "voices": voices})
                except httpx.HTTPError as exc:
                    tally.errors[f"transport: {type(exc).__name__}"] += 1
                    continue
                elapsed = time.perf_counter() - t0
                if response.status_code != 200:
                    tally.errors[f"HTTP {response.status_code}: {response.text[:120]}"] += 1
                    continue
                record = response.json()
                if record.get("id") != doc_id or "relevant" not in record:
                    tally.errors["wrong record"] += 1
                    continue
                tally.latencies.append(elapsed)
                if doc_id in sample_ids and doc_id not in tally.served:
                    tally.served[doc_id] = record

        await asyncio.gather(*(one_client() for _ in range(clients)))
        wall = time.monotonic() - started
    return tally, wall


def expected_sample(articles: list[tuple[str, str]], voices: bool) -> tuple[dict[str, Any], str | None]:
    """The packaged model's own records for the first SAMPLE_CHECKED articles (the clients
    send articles in order, so these are always served), computed in this process before the
    load starts; or why they could not be computed."""
    try:
        from model import load

        sample = articles[:SAMPLE_CHECKED]
        predictions = load().predict([t for _, t in sample], ids=[i for i, _ in sample], voices=voices)
        return {p.id: p.to_dict() for p in predictions}, None
    except Exception as exc:  # report it, still measure the server
        return {}, f"{type(exc).__name__}: {exc}"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def report(
    args: argparse.Namespace,
    tally: Tally,
    wall: float,
    mismatches: int,
    model_info: dict[str, Any],
    articles: list[tuple[str, str]],
    sample_problem: str | None,
) -> str:
    """The markdown report: the command, the table and how it was measured."""
    import fastapi
    import httpx
    import uvicorn

    ok = len(tally.latencies)
    errors = sum(tally.errors.values()) + mismatches
    ms = [x * 1000 for x in tally.latencies]
    command = shlex.join(["python", "-m", "training.load_test", *_cli_args(args)])
    mean_chars = sum(len(t) for _, t in articles) / len(articles)
    lines = [
        "# Load test: POST /v1/predict on loopback",
        "",
        f"Reproduce from the repository root: `{command}`",
        "",
        "| clients | duration (s) | requests | errors | requests/s | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {args.clients} | {wall:.1f} | {tally.sent} | {errors} | {ok / wall:.1f} | {percentile(ms, 50):.0f} | {percentile(ms, 90):.0f} "
        f"| {percentile(ms, 99):.0f} | {max(ms, default=0):.0f} |",
        "",
        f"- Server: `regsec serve --workers {args.workers}` (uvicorn {uvicorn.__version__}, FastAPI {fastapi.__version__}), "
        f"model {model_info.get('version')}, limits {json.dumps(model_info.get('limits'))}.",
        f"- Requests: one article each ({len(articles)} corpus articles from {args.corpus}, {mean_chars:.0f} characters on average, "
        f"in turn), `voices` {'on' if args.voices else 'off'}; clients are httpx {httpx.__version__} asyncio connections, kept alive.",
        "- Errors count non-200 answers, transport errors and records that are not the article's; "
        + (
            f"{len(tally.served)} served records were also compared with the same model run in-process: {mismatches} differed."
            if sample_problem is None
            else f"the in-process comparison could not run ({sample_problem[:200]})."
        ),
        f"- Machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"1-minute load average {args.load_before:.2f} just before the run; client and server share the cores, so this is a floor, "
        "not the server's ceiling.",
    ]
    if tally.errors:
        lines += ["", "Errors:", *(f"- {count} x {kind}" for kind, count in tally.errors.most_common())]
    return "\n".join(lines) + "\n"


def _cli_args(args: argparse.Namespace) -> list[str]:
    out = []
    defaults = vars(parse_args([]))
    for key, value in vars(args).items():
        if key not in defaults or value == defaults[key]:
            continue
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            out.append(flag if value else "--no-" + key.replace("_", "-"))
        else:
            out += [flag, str(value)]
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line options, checked."""
    parser = argparse.ArgumentParser(prog="python -m training.load_test", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load (default 20)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop after this many requests even within the duration")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (default 1)")
    parser.add_argument("--voices", action=argparse.BooleanOptionalAction, default=True, help="ask for voices (default on)")
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"), help="folder of .jsonl articles (default data/corpus)")
    parser.add_argument("--report", type=Path, default=Path("reports/load_test.md"), help="markdown report to write")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.duration <= 0 or args.max_requests < 1 or args.workers < 1:
        parser.error("--clients, --duration, --max-requests and --workers must be positive")
    if args.duration > 600:
        parser.error("--duration is at most 600 seconds")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the load test; 0 when there were no errors."""
    args = parse_args(argv)
    try:
        import httpx  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise SystemExit(f"load_test: needs the serve extra and httpx ({exc})") from None
    corpus = args.corpus if args.corpus.is_absolute() else REPO / args.corpus
    articles = read_articles(corpus)
    expected, sample_problem = expected_sample(articles, args.voices)
    args.load_before = os.getloadavg()[0]  # other work on the machine skews the numbers: say how much there was
    port = free_port()
    base = f"http://{HOST}:{port}"
    with tempfile.TemporaryDirectory(prefix="regsec-load-") as tmp:
        log = Path(tmp) / "server.log"
        process = start_server(port, args.workers, log)
        try:
            model_info = asyncio.run(wait_ready(base, process, log))
            print(f"load_test: server ready on {base}; {args.clients} clients for {args.duration:g} s", file=sys.stderr)
            tally, wall = asyncio.run(run_clients(base, articles, args.clients, args.duration, args.max_requests, args.voices, set(expected)))
        finally:
            stop_server(process)
    mismatches = sum(record != expected[i] for i, record in tally.served.items())
    text = report(args, tally, wall, mismatches, model_info, articles, sample_problem)
    print(text)
    out = args.report if args.report.is_absolute() else REPO / args.report
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"load_test: wrote {out}", file=sys.stderr)
    return 1 if sum(tally.errors.values()) + mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
