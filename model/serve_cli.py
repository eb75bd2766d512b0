"""`regsec serve`: the HTTP service (model.service) under uvicorn.

Registered in model.cli with `app.command()(serve)`; also runs alone as
`python -m model.serve_cli --port 8000`. Imports neither FastAPI nor uvicorn until called,
so the rest of the CLI works without the `serve` extra."""

from __future__ import annotations

import os
from pathlib import Path

import typer

EXIT_USAGE = 2  # a usage error: the serve extra is missing, or a limit in the environment is bad


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 for every interface)."),
    port: int = typer.Option(8000, "--port", "-p", min=1, max=65535, help="TCP port."),
    model: Path | None = typer.Option(None, "--model", "-m", help="Model folder (default: the packaged model)."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Worker processes, each with its own copy of the model."),
) -> None:
    """Serve predictions over HTTP: POST /v1/predict, GET /healthz, /readyz and /v1/model.

    Limits come from the environment: REGSEC_MAX_BODY_BYTES, REGSEC_MAX_DOCUMENTS,
    REGSEC_MAX_CHARS and REGSEC_TIMEOUT_SECONDS (GET /v1/model shows the ones in force)."""
    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError as exc:
        typer.echo(f"regsec: serving needs FastAPI and uvicorn: install regsec[serve] (pip install 'regsec[serve]') ({exc})", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    from model.cli import load_model_or_exit

    # Check the model here, so a bad folder stops the command with a message and exit code 3
    # instead of starting workers that can never become ready.
    _, manifest = load_model_or_exit(model)
    if model is not None:
        os.environ["REGSEC_MODEL_DIR"] = str(model.resolve())
    else:
        os.environ.pop("REGSEC_MODEL_DIR", None)
    from model.service import app_from_env

    try:
        app_from_env()  # the limits from the environment, checked once here rather than in each worker
    except ValueError as exc:
        typer.echo(f"regsec: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    typer.echo(f"regsec: serving model {manifest.get('version')} on http://{host}:{port} with {workers} worker(s)", err=True)
    # An import string and a factory: each worker process builds its own app from the environment.
    uvicorn.run("model.service:app_from_env", factory=True, host=host, port=port, workers=workers, log_level="info")


if __name__ == "__main__":
    typer.run(serve)
