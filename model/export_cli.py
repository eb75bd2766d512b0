"""`regsec export`: write the model as a skops file (the whole classifier; loads without running
code) or an ONNX file (relevance and topic scores, for services outside Python).

Registered in model.cli with `app.command()(export)`; also runs alone as
`python -m model.export_cli --format onnx`. Imports skops and onnx only when called, so the rest
of the CLI works without the `export` extra."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

EXIT_EXPORT_FAILED = 1  # the file cannot be written, or the classifier holds a type the skops allow-list does not name
EXIT_USAGE = 2  # a usage error: bad --format (typer), or the export extra is missing


class ExportFormat(StrEnum):
    skops = "skops"
    onnx = "onnx"


def export(
    format: ExportFormat = typer.Option(..., "--format", "-f", help="skops: the whole model (Python); onnx: relevance and topics (onnxruntime, any language)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="File or folder to write (default: ./regsec.skops or ./regsec.onnx)."),
    model: Path | None = typer.Option(None, "--model", "-m", help="Model folder (default: the packaged model)."),
) -> None:
    """Export the model as skops or ONNX; a manifest with the file's sha256 goes beside it."""
    from model.cli import load_model_or_exit
    from model.export import UntrustedTypesError, export_onnx, export_skops, manifest_path_for

    clf, manifest = load_model_or_exit(model)
    default_name = f"regsec.{format.value}"
    if out is None:
        path = Path(default_name)
    elif out.is_dir() or out.suffix.lower() not in (".skops", ".onnx"):  # `--out dist/`: a folder, made if missing
        out.mkdir(parents=True, exist_ok=True)
        path = out / default_name
    else:
        path = out
    write = export_skops if format is ExportFormat.skops else export_onnx
    try:
        written = write(clf, path, manifest=manifest)
    except ImportError as exc:
        typer.echo(f"regsec: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    except UntrustedTypesError as exc:
        typer.echo(f"regsec: export refused: {exc}", err=True)
        raise typer.Exit(EXIT_EXPORT_FAILED) from None
    except OSError as exc:
        typer.echo(f"regsec: cannot write {path}: {exc}", err=True)
        raise typer.Exit(EXIT_EXPORT_FAILED) from None
    typer.echo(f"wrote {path} ({written['artifact_bytes']:,} bytes, sha256 {written['artifact_sha256']}) and {manifest_path_for(path).name}")


if __name__ == "__main__":
    typer.run(export)
