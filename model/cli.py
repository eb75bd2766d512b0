"""The `regsec` command: predict, train, evaluate and data check. Each command is a thin
wrapper over a function that returns data (model.batch, training.train, ...).

Exit codes: 0 success; 1 some input records failed (predict, suggest), data problems (train,
data check) or a missed seed (evaluate --strict); 2 usage error; 3 the model could not be loaded;
4 a model scored worse than the one it was compared with (train, compare)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

EXIT_RECORD_ERRORS = 1
EXIT_MODEL_ERROR = 3
EXIT_WORSE_MODEL = 4

app = typer.Typer(help="Topic, stance and relevance classifier for East Asian regional-security reporting.", no_args_is_help=True, add_completion=False)
data_app = typer.Typer(help="Work with the labeled corpus.", no_args_is_help=True)
app.add_typer(data_app, name="data")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


class InputFormat(StrEnum):
    auto = "auto"
    text = "text"
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


@app.command()
def predict(
    paths: list[str] = typer.Argument(..., help=".txt files, folders of them, .jsonl/.csv/.parquet files, or - for stdin."),
    format: OutputFormat | None = typer.Option(None, "--format", "-f", help="table (people), jsonl/json/csv/parquet; default: --output suffix, else table."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of stdout (needed for parquet)."),
    model: Path | None = typer.Option(None, "--model", "-m", help="Model folder (default: the packaged model)."),
    text_field: str = typer.Option("text", help="Field holding the article in .jsonl/.csv/.parquet input."),
    id_field: str = typer.Option("id", help="Field holding the id in .jsonl/.csv/.parquet input."),
    input_format: InputFormat = typer.Option(InputFormat.auto, help="How to read inputs (auto: by file suffix; stdin is text)."),
    batch_size: int = typer.Option(256, min=1, help="Documents predicted together."),
    voices: bool = typer.Option(True, help="Find who stands where (--no-voices: about twice as fast)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes on this machine (same output, in order)."),
    scheduler: str | None = typer.Option(None, help="Dask scheduler address: predict JSONL/CSV/Parquet files there into the --output folder."),
) -> None:
    """Label articles: relevance, topics with scores, stance and voices."""
    from model.batch import run_batch
    from model.inputs import read_documents
    from model.output import ParquetWriter, Writer, format_for

    if scheduler is not None:
        _predict_on_dask(paths, scheduler, output, model, text_field, id_field, voices)
        return
    try:
        fmt = format_for(output, format.value if format else None)
        if fmt == "parquet" and output is None:
            raise ValueError("parquet output needs a file: add --output FILE.parquet")
        _refuse_overwriting_an_input(output, paths)
    except ValueError as exc:
        typer.echo(f"regsec: {exc}", err=True)
        raise typer.Exit(2) from None
    clf, _ = load_model_or_exit(model)  # also with --jobs: fail before any output is opened
    try:
        stream = open(output, "w", encoding="utf-8", newline="") if output is not None and fmt != "parquet" else sys.stdout  # noqa: SIM115
        writer = ParquetWriter(output) if fmt == "parquet" else Writer(stream, fmt)
    except OSError as exc:
        typer.echo(f"regsec: cannot write {output}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None
    documents = read_documents(paths, input_format=input_format.value, text_field=text_field, id_field=id_field)
    progress = not quiet and sys.stderr.isatty()
    try:
        if jobs > 1:
            from model.parallel import run_batch_parallel

            counts = run_batch_parallel(model, documents, writer.write, jobs, batch_size=batch_size, voices=voices, progress=progress)
        else:
            counts = run_batch(clf, documents, writer.write, batch_size=batch_size, progress=progress, voices=voices)
        writer.close()
    except BrokenPipeError:
        _quiet_broken_pipe()
        return
    except KeyboardInterrupt:
        writer.close()
        typer.echo(f"\nregsec: interrupted after {writer.count} records", err=True)
        raise typer.Exit(130) from None
    finally:
        if stream is not sys.stdout:
            stream.close()
    if counts.failed:
        typer.echo(f"regsec: {counts.failed} of {counts.read} inputs failed (see their error records)", err=True)
        raise typer.Exit(EXIT_RECORD_ERRORS)


def _refuse_overwriting_an_input(output: Path | None, paths: list[str]) -> None:
    """A ValueError when --output names one of the inputs (opening it would erase it)."""
    if output is None or not output.exists():
        return
    for spec in paths:
        path = Path(spec)
        inputs = path.rglob("*") if path.is_dir() else [path]
        if spec != "-" and any(p.exists() and p.samefile(output) for p in inputs):
            raise ValueError(f"--output {output} is one of the inputs; writing it would erase it: choose another file")


def _predict_on_dask(
    paths: list[str], scheduler: str, output: Path | None, model: Path | None, text_field: str, id_field: str, voices: bool
) -> None:
    """`regsec predict --scheduler`: the files are read, labeled and written by the cluster's workers."""
    from model.artifact import ArtifactError

    if output is None:
        typer.echo("regsec: --scheduler needs --output FOLDER (a new folder the workers write part files into)", err=True)
        raise typer.Exit(2)
    try:
        from model.dask import predict_files_with_dask

        counts = predict_files_with_dask(paths, scheduler, output, text_field, id_field, model, voices)
    except ArtifactError as exc:
        typer.echo(f"regsec: cannot load model: {exc}", err=True)
        raise typer.Exit(EXIT_MODEL_ERROR) from None
    except (ImportError, OSError, ValueError) as exc:  # no dask, unreachable scheduler, missing/mixed inputs, non-empty output
        typer.echo(f"regsec: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"regsec: {counts.read} records, {counts.predicted} labeled, {counts.failed} failed -> {output}", err=True)
    if counts.failed:
        raise typer.Exit(EXIT_RECORD_ERRORS)


def load_model_or_exit(model: Path | None) -> tuple[Any, dict[str, Any]]:
    """The model folder's classifier and manifest (None: the packaged model); when it cannot be
    loaded, the reason on stderr and exit code 3. Shared by every command that loads a model."""
    from model.artifact import ArtifactError, load_artifact

    try:
        return load_artifact(model)
    except ArtifactError as exc:
        typer.echo(f"regsec: cannot load model: {exc}", err=True)
        raise typer.Exit(EXIT_MODEL_ERROR) from None


def _quiet_broken_pipe() -> None:
    """The reader went away (`regsec predict ... | head -1`): stop without a traceback."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


@app.command()
def train(
    data: list[str] = typer.Option(None, "--data", "-d", help="Your labeled JSONL/CSV/Parquet file or folder, or a hub dataset id (repeatable)."),
    base: bool = typer.Option(True, help="Also train on the shipped corpus (--no-base: on your --data alone)."),
    text_field: str = typer.Option("text", help="Field holding the article in your --data."),
    id_field: str = typer.Option("id", help="Field holding the id in your --data (missing ids become file:line)."),
    map_label: list[str] = typer.Option(None, "--map-label", help="Rename a label in your --data: old=new (new empty drops a topic); repeatable."),
    out: Path = typer.Option(Path("model/default"), "--out", "-o", help="Model folder to write."),
    seed: int = typer.Option(0, help="Random seed."),
    on_error: str = typer.Option("fail", help="fail: stop on any bad record; skip: train on the valid ones."),
    allow_worse: bool = typer.Option(False, help="Replace the model at --out even when the new one scores worse."),
    shared: Path = typer.Option(Path("../shared"), help="Where the shared eval/ set lives (used to compare with the old model)."),
) -> None:
    """Train a model on the shipped corpus plus your labeled data; write a versioned model folder.
    When --out already holds a model, the new one replaces it only if it is not worse."""
    from training.sources import FieldMapping
    from training.train import TrainConfig, TrainingDataError, train_guarded

    try:
        labels = FieldMapping.parse_labels(list(map_label or []))
        config = TrainConfig(data=list(data or []), base=base, text_field=text_field, id_field=id_field, label_map=labels, seed=seed, on_error=on_error)
    except ValueError as exc:
        typer.echo(f"regsec: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        outcome = train_guarded(config, out, shared, allow_worse)
    except TrainingDataError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"regsec: {exc}", err=True)
        raise typer.Exit(EXIT_RECORD_ERRORS) from None
    manifest = outcome.manifest
    docs = manifest["documents"]
    sources = docs["sources"]
    typer.echo(
        f"data: {sources['base']} corpus + {sources['user']} of yours; {sources['replaced']} corpus documents replaced by yours, "
        f"{sources['duplicates']} repeats of yours dropped, {sources['problems']} bad records skipped"
    )
    m = manifest.get("metrics_test_split") or {}
    typer.echo(f"wrote {outcome.path} (version {manifest['version']}, {docs['train']} training documents)")
    if m:
        typer.echo(
            f"test split: relevance F1 {m['relevance']['f1']:.3f}, topic micro F1 {m['topics']['micro_f1']:.3f}, "
            f"stance macro F1 {m['stance']['macro_f1']:.3f}"
        )
    if outcome.replaced_unreadable:
        typer.echo(f"replaced a model that could not be loaded, without comparing: {outcome.replaced_unreadable}", err=True)
    for line in outcome.regressions:
        typer.echo(f"worse than the model it {'would replace' if outcome.kept_aside else 'replaced'}: {line}", err=True)
    if outcome.kept_aside:
        typer.echo(
            f"regsec: kept {out} (the new model is worse); the new one is in {outcome.path}. "
            f"Compare them with `regsec compare {out} {outcome.path}`, or retrain with --allow-worse",
            err=True,
        )
        raise typer.Exit(EXIT_WORSE_MODEL)


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


@app.command()
def compare(
    old: Path = typer.Argument(..., help="The model folder in use."),
    new: Path = typer.Argument(..., help="The candidate model folder."),
    data: list[str] = typer.Option(None, "--data", "-d", help="Labeled JSONL/CSV/Parquet to score on (repeatable; default: corpus test split, shared eval)."),
    shared: Path = typer.Option(Path("../shared"), help="Where the shared eval/ set lives (default sets only)."),
    report: Path = typer.Option(Path("reports/compare.md"), help="Markdown report to write."),
    seed: int = typer.Option(0, help="Bootstrap seed."),
) -> None:
    """Two models side by side on the same labeled data, with the differences that matter flagged.
    Exits 4 when NEW is worse than OLD on a headline metric beyond resampling noise."""
    from model.artifact import ArtifactError
    from training.compare import compare_models, default_eval_sets, eval_sets_from, format_markdown, regressions

    if data:
        sets, problems = eval_sets_from(list(data))
        for problem in problems:
            typer.echo(str(problem), err=True)
    else:
        sets = default_eval_sets(shared)
    try:
        result = compare_models(old, new, sets, seed=seed)
    except ArtifactError as exc:
        typer.echo(f"regsec: cannot load model: {exc}", err=True)
        raise typer.Exit(EXIT_MODEL_ERROR) from None
    except ValueError as exc:
        typer.echo(f"regsec: {exc}", err=True)
        raise typer.Exit(EXIT_RECORD_ERRORS) from None
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(format_markdown(result), encoding="utf-8")
    for name, compared in result["sets"].items():
        cells = ", ".join(f"{m['label']} {m['old']:.3f} -> {m['new']:.3f} ({m['verdict']})" for m in compared["metrics"].values())
        typer.echo(f"{name} ({compared['documents']} documents): {cells}")
    typer.echo(f"wrote {report}")
    found = regressions(result)
    if found:
        typer.echo("NEW is worse:\n  " + "\n  ".join(found), err=True)
        raise typer.Exit(EXIT_WORSE_MODEL)


@app.command()
def suggest(
    data: list[str] = typer.Option(..., "--data", "-d", help="Unlabeled articles: .jsonl/.csv/.parquet files, .txt files or folders (repeatable)."),
    n: int = typer.Option(50, "-n", min=1, help="How many articles to suggest."),
    model: Path | None = typer.Option(None, "--model", "-m", help="Model folder (default: the packaged model)."),
    text_field: str = typer.Option("text", help="Field holding the article in .jsonl/.csv/.parquet input."),
    id_field: str = typer.Option("id", help="Field holding the id in .jsonl/.csv/.parquet input."),
    output: Path | None = typer.Option(None, "--output", "-o", help="JSONL file to write (default: stdout)."),
    seed: int = typer.Option(0, help="Tie-break seed."),
) -> None:
    """The articles whose labels would teach the model most, as label records with the model's
    guesses filled in: correct them, then `regsec train --data` the file."""
    from model.inputs import read_documents
    from training.suggest import suggest as pick
    from training.suggest import suggest_jsonl_lines

    clf, _ = load_model_or_exit(model)
    found = pick(clf, read_documents(list(data), text_field=text_field, id_field=id_field), n, seed=seed)
    with open(output, "w", encoding="utf-8") if output else _stdout() as handle:
        handle.writelines(suggest_jsonl_lines(found.records))
    for doc in found.skipped:
        typer.echo(f"skipped {doc.error}", err=True)
    typer.echo(f"regsec: suggested {len(found.records)} of {found.considered} articles; {len(found.skipped)} skipped", err=True)
    if found.skipped:
        raise typer.Exit(EXIT_RECORD_ERRORS)


def _stdout():  # noqa: ANN202 - a context manager that leaves stdout open
    from contextlib import nullcontext

    return nullcontext(sys.stdout)


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

    app.command(help="Serve predictions over HTTP on 127.0.0.1 (install regsec\\[serve]).")(serve)


_register_serve()


def _register_export() -> None:
    from model.export_cli import export  # typer only; skops and onnx load when it runs

    app.command(help="Export the model as skops (loads without running code) or ONNX (relevance and topics; install regsec\\[export]).")(export)


_register_export()


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
