"""The `regsec` command: predict, train, evaluate and data check. Each command is a thin
wrapper over a function that returns data (model.batch, training.train, ...).

Exit codes: 0 success; 1 some input records failed (predict), data problems (train,
data check) or a missed seed (evaluate --strict); 2 usage error; 3 the model could not be loaded."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer

EXIT_RECORD_ERRORS = 1
EXIT_MODEL_ERROR = 3

app = typer.Typer(help="Topic, stance and relevance classifier for East Asian regional-security reporting.", no_args_is_help=True, add_completion=False)
data_app = typer.Typer(help="Work with the labeled corpus.", no_args_is_help=True)
app.add_typer(data_app, name="data")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


class InputFormat(StrEnum):
    auto = "auto"
    text = "text"
    jsonl = "jsonl"
    csv = "csv"


@app.command()
def predict(
    paths: list[str] = typer.Argument(..., help=".txt files, folders of them, .jsonl/.csv files, or - for stdin."),
    format: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="table for people, jsonl/json/csv for machines."),
    model: Path | None = typer.Option(None, "--model", "-m", help="Model folder (default: the packaged model)."),
    text_field: str = typer.Option("text", help="Field holding the article in .jsonl/.csv input."),
    id_field: str = typer.Option("id", help="Field holding the id in .jsonl/.csv input."),
    input_format: InputFormat = typer.Option(InputFormat.auto, help="How to read inputs (auto: by file suffix; stdin is text)."),
    batch_size: int = typer.Option(256, min=1, help="Documents predicted together."),
    voices: bool = typer.Option(True, help="Find who stands where (--no-voices: about four times faster)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
) -> None:
    """Label articles: relevance, topics with scores, stance and voices."""
    from model.artifact import ArtifactError, load_artifact
    from model.batch import run_batch
    from model.inputs import read_documents
    from model.output import Writer

    try:
        clf, _ = load_artifact(model)
    except ArtifactError as exc:
        typer.echo(f"regsec: cannot load model: {exc}", err=True)
        raise typer.Exit(EXIT_MODEL_ERROR) from None
    writer = Writer(sys.stdout, format.value)
    documents = read_documents(paths, input_format=input_format.value, text_field=text_field, id_field=id_field)
    progress = not quiet and sys.stderr.isatty()
    try:
        counts = run_batch(clf, documents, writer.write, batch_size=batch_size, progress=progress, voices=voices)
        writer.close()
    except BrokenPipeError:
        _quiet_broken_pipe()
        return
    except KeyboardInterrupt:
        sys.stdout.flush()
        typer.echo(f"\nregsec: interrupted after {writer.count} records", err=True)
        raise typer.Exit(130) from None
    if counts.failed:
        typer.echo(f"regsec: {counts.failed} of {counts.read} inputs failed (see their error records)", err=True)
        raise typer.Exit(EXIT_RECORD_ERRORS)


def _quiet_broken_pipe() -> None:
    """The reader went away (`regsec predict ... | head -1`): stop without a traceback."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


@app.command()
def train(
    data: list[str] = typer.Option(None, "--data", "-d", help="Labeled JSONL/CSV/Parquet file or folder, or a hub dataset id (repeatable)."),
    out: Path = typer.Option(Path("model/default"), "--out", "-o", help="Model folder to write."),
    seed: int = typer.Option(0, help="Random seed."),
    on_error: str = typer.Option("fail", help="fail: stop on any bad record; skip: train on the valid ones."),
) -> None:
    """Train a model on labeled data and write it as a versioned model folder."""
    from training.train import TrainConfig, TrainingDataError
    from training.train import train as run_train

    config = TrainConfig(seed=seed, on_error=on_error, **({"data": list(data)} if data else {}))
    try:
        manifest = run_train(config, out)
    except TrainingDataError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"regsec: {exc}", err=True)
        raise typer.Exit(EXIT_RECORD_ERRORS) from None
    m = manifest.get("metrics_test_split") or {}
    typer.echo(f"wrote {out} (version {manifest['version']}, {manifest['documents']['train']} training documents)")
    if m:
        typer.echo(
            f"test split: relevance F1 {m['relevance']['f1']:.3f}, topic micro F1 {m['topics']['micro_f1']:.3f}, "
            f"stance macro F1 {m['stance']['macro_f1']:.3f}"
        )


@app.command()
def evaluate(
    model: Path | None = typer.Option(None, "--model", "-m", help="Model folder (default: the packaged model)."),
    data: list[str] = typer.Option(None, "--data", "-d", help="Extra labeled JSONL to score (repeatable)."),
    reports: Path = typer.Option(Path("reports"), help="Folder for evaluation.md, metrics.json and figures."),
    shared: Path = typer.Option(Path("../shared"), help="Where the shared eval/ set lives (skipped when absent)."),
) -> None:
    """Score a model on the corpus test split, the seeds, ../shared/eval and any --data."""
    from model.artifact import ArtifactError
    from training.report import run_evaluation

    try:
        summary = run_evaluation(model, list(data or []), reports, shared)
    except ArtifactError as exc:
        typer.echo(f"regsec: cannot load model: {exc}", err=True)
        raise typer.Exit(EXIT_MODEL_ERROR) from None
    typer.echo(summary)


@data_app.command("check")
def data_check(
    paths: list[Path] = typer.Argument(None, help="Corpus files or folders (default: data/corpus)."),
    minimums: bool = typer.Option(True, help="Check label counts against the corpus minimums."),
    references: list[Path] = typer.Option(None, help="Seed/eval articles that must not appear in the corpus (default: seeds/ and ../shared/eval)."),
    datasheet: Path | None = typer.Option(None, help="Also write the counts into this datasheet's counts block."),
) -> None:
    """Validate a labeled corpus: labels, evidence, duplicates, repetition and counts."""
    from training.data_check import Minimums, check_corpus, format_report, update_datasheet
    from training.train import DEFAULT_DATA

    paths = list(paths or [DEFAULT_DATA])
    refs = list(references) if references else [p for p in (Path("seeds"), Path("../shared/eval")) if p.exists()]
    report = check_corpus(paths, Minimums() if minimums else None, refs)
    typer.echo(format_report(report))
    if datasheet is not None:
        update_datasheet(datasheet, report)
    if not report.ok:
        raise typer.Exit(EXIT_RECORD_ERRORS)


def _register_serve() -> None:
    from model.serve_cli import serve  # typer only; fastapi and uvicorn load when it runs

    app.command(help="Serve predictions over HTTP on 127.0.0.1 (install regsec[serve]).")(serve)


_register_serve()


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
