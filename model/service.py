"""regsec over HTTP: a FastAPI app that loads one model at startup and labels articles.

    POST /v1/predict   {"text": "...", "id": "optional", "voices": true}  -> one record
                       {"documents": [{"id": "...", "text": "..."}, ...], "voices": true}
                           -> {"results": [record or {"id", "error"}, ...], "predicted": n, "failed": n}
    GET  /healthz      the process answers (liveness)
    GET  /readyz       200 only once the model is loaded (readiness)
    GET  /v1/model     version, labels, test-split metrics, artifact sha256 and the limits

Records are exactly what `regsec predict --format jsonl` writes (Prediction.to_dict(), or
`{"id", "error"}` for a document that cannot be labeled). Every problem with a request is a
4xx with a JSON body `{"error": "..."}`: 400 malformed JSON or not UTF-8, 408 body too slow,
413 body / documents / characters over the limits, 415 not application/json, 422 a JSON body
of the wrong shape or an empty text, 503 model not loaded, 504 prediction over the time limit.

The body is read and parsed here, not by FastAPI, so each limit is checked before any work
and gives its own message; the OpenAPI schema documents the same shapes by hand (SCHEMAS).
Predictions run in a thread pool: a loaded model is read-only numpy, safe to share.

FastAPI and uvicorn are optional: `pip install 'regsec[serve]'`. Regenerate the committed
schema with `python -m model.service openapi docs/openapi.json`."""

import asyncio
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from model.labels import ROLES, STANCES, TOPICS, VOICE_STANCES
from model.prediction import FLAGS, RECORD_KEYS

log = logging.getLogger("regsec.service")

MAX_BODY_BYTES = 2 * 1024 * 1024  # a MAX_CHARS article of CJK text, \u-escaped, still fits
MAX_DOCUMENTS = 100
MAX_CHARS = 200_000  # the classifier's own reading limit (model.classifier.MAX_CHARS)
TIMEOUT_SECONDS = 30.0
THREADS = max(1, min(4, os.cpu_count() or 1))
ENV_PREFIX = "REGSEC_"  # app_from_env: REGSEC_MODEL_DIR, REGSEC_MAX_BODY_BYTES, ...
SINGLE_KEYS = ("text", "id", "voices")
BATCH_KEYS = ("documents", "voices")


class RequestProblem(Exception):
    """A request that cannot be served: the HTTP status and the message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Limits:
    """What one request may hold; reported by GET /v1/model."""

    max_body_bytes: int = MAX_BODY_BYTES
    max_documents: int = MAX_DOCUMENTS
    max_chars: int = MAX_CHARS
    timeout_seconds: float = TIMEOUT_SECONDS

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_documents", "max_chars"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if isinstance(self.timeout_seconds, bool) or not isinstance(self.timeout_seconds, int | float) or not self.timeout_seconds > 0:
            raise ValueError(f"timeout_seconds must be a positive number, got {self.timeout_seconds!r}")


@dataclass
class ServiceState:
    """The app's shared state: the loaded model (or why there is none) and the thread pool."""

    model_dir: Path | None
    limits: Limits
    clf: Any = None
    manifest: dict[str, Any] = field(default_factory=dict)
    load_error: str | None = "model not loaded yet"
    executor: ThreadPoolExecutor | None = None

    @property
    def ready(self) -> bool:
        return self.clf is not None and self.executor is not None


def create_app(
    model_dir: Path | None = None,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    max_documents: int = MAX_DOCUMENTS,
    max_chars: int = MAX_CHARS,
    timeout_seconds: float = TIMEOUT_SECONDS,
) -> Any:
    """The regsec FastAPI app for the model folder `model_dir` (the packaged model when None).

    The model is loaded when the app starts (its lifespan). A model that cannot be loaded is
    logged and leaves the app unready: /readyz and /v1/predict answer 503 with the reason."""
    try:
        from fastapi import FastAPI, Request
        from fastapi.exceptions import RequestValidationError
        from starlette.exceptions import HTTPException as StarletteHTTPException
    except ImportError as exc:
        raise ImportError(f"the regsec service needs FastAPI and uvicorn: install regsec[serve] (pip install 'regsec[serve]') ({exc})") from exc
    from model import __version__

    state = ServiceState(model_dir=Path(model_dir) if model_dir is not None else None, limits=Limits(max_body_bytes, max_documents, max_chars, timeout_seconds))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(_load_model, state)
        state.executor = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="regsec-predict")
        try:
            yield
        finally:
            executor, state.executor = state.executor, None
            executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="regsec",
        version=__version__,
        description="Topic, stance and relevance classifier for East Asian regional-security reporting.",
        lifespan=lifespan,
    )
    app.state.regsec = state

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        return _error(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Any:
        return _error(422, "; ".join(str(e.get("msg", e)) for e in exc.errors()) or "invalid request")

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> Any:
        # The last resort, for a bug in this module: every input problem is caught before
        # it gets here (see RequestProblem and _predict_safely), so this should never run.
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error(500, f"internal error ({type(exc).__name__}); the server log has the details")

    @app.get(
        "/healthz",
        operation_id="healthz",
        summary="Liveness: the process answers",
        responses={200: _json_response("Alive", {"$ref": "#/components/schemas/Health"})},
    )
    async def healthz() -> Any:
        return _respond({"status": "ok"})

    @app.get(
        "/readyz",
        operation_id="readyz",
        summary="Readiness: 200 only once the model is loaded",
        responses={200: _json_response("Model loaded", {"$ref": "#/components/schemas/Ready"}), 503: _ERROR_RESPONSES[503]},
    )
    async def readyz() -> Any:
        if not state.ready:
            return _respond({"ready": False, "error": state.load_error or "model not loaded"}, status_code=503)
        return _respond({"ready": True, "model_version": state.clf.version})

    @app.get(
        "/v1/model",
        operation_id="model_info",
        summary="The loaded model: version, labels, test-split metrics, artifact sha256, limits",
        responses={200: _json_response("The loaded model", {"$ref": "#/components/schemas/ModelInfo"}), 503: _ERROR_RESPONSES[503]},
    )
    async def model_info() -> Any:
        if not state.ready:
            return _error(503, f"model not loaded: {state.load_error}")
        m = state.manifest
        return _respond(
            {
                "name": m.get("name", "regsec"),
                "version": state.clf.version,
                "package_version": m.get("package_version"),
                "labels": m.get("labels", {"topics": list(TOPICS), "stances": list(STANCES), "roles": list(ROLES)}),
                "metrics_test_split": m.get("metrics_test_split"),
                "documents": m.get("documents"),
                "artifact_sha256": m.get("artifact_sha256"),
                "limits": _limits_dict(state.limits),
            }
        )

    @app.post(
        "/v1/predict",
        operation_id="predict",
        summary="Label one article (text) or a batch (documents)",
        description=(
            "Send `{\"text\": ...}` for one record, or `{\"documents\": [{\"id\", \"text\"}, ...]}` for `{\"results\": [...]}` in input order. "
            "`\"voices\": false` skips who-stands-where (about four times faster). In a batch, a document that cannot be labeled "
            "(missing, empty or over-long text) gets an `{\"id\", \"error\"}` record and the others are still labeled."
        ),
        openapi_extra={
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PredictRequest"}}}}
        },
        responses={
            200: _json_response("One record for `text`; results in input order for `documents`", {"$ref": "#/components/schemas/PredictResponse"}),
            **{code: _ERROR_RESPONSES[code] for code in (400, 408, 413, 415, 422, 503, 504)},
        },
    )
    async def predict(request: Request) -> Any:
        try:
            if not state.ready:
                raise RequestProblem(503, f"model not loaded: {state.load_error}")
            body = await _read_json(request, state.limits)
            job, single = _parse_request(body, state.limits)
            records = await _run(state, partial(_predict_safely, state.clf, job))
        except RequestProblem as problem:
            return _error(problem.status, problem.message, {"Retry-After": "5"} if problem.status == 503 else None)
        if single:
            record = records[0]
            if "error" in record:
                return _error(422, record["error"])
            return _respond(record)
        failed = sum("error" in r for r in records)
        return _respond({"results": records, "predicted": len(records) - failed, "failed": failed})

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(SCHEMAS)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
    return app


def app_from_env() -> Any:
    """create_app configured by the environment, for uvicorn's `--factory` (one app per worker):
    REGSEC_MODEL_DIR, REGSEC_MAX_BODY_BYTES, REGSEC_MAX_DOCUMENTS, REGSEC_MAX_CHARS, REGSEC_TIMEOUT_SECONDS."""
    kwargs: dict[str, Any] = {}
    for name, convert in (("max_body_bytes", int), ("max_documents", int), ("max_chars", int), ("timeout_seconds", float)):
        raw = os.environ.get(ENV_PREFIX + name.upper())
        if raw:
            try:
                kwargs[name] = convert(raw)
            except ValueError:
                raise ValueError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not {'an integer' if convert is int else 'a number'}") from None
    model_dir = os.environ.get(ENV_PREFIX + "MODEL_DIR")
    return create_app(Path(model_dir) if model_dir else None, **kwargs)


# ------------------------------------------------------------------ model and prediction
def _load_model(state: ServiceState) -> None:
    from model.artifact import ArtifactError, load_artifact

    try:
        state.clf, state.manifest = load_artifact(state.model_dir)
        state.load_error = None
        log.info("regsec model %s loaded", state.clf.version)
    except ArtifactError as exc:
        state.clf, state.load_error = None, str(exc)
        log.error("regsec: cannot load model: %s", state.load_error)
    except Exception as exc:  # an unpickling failure: the app stays up, unready, and says why
        state.clf, state.load_error = None, f"{type(exc).__name__}: {exc}"
        log.exception("regsec: cannot load model")


async def _run(state: ServiceState, work: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """`work` in the thread pool, or a 504 after the time limit (a running prediction cannot be
    stopped: it finishes in its thread and its result is dropped; a queued one is cancelled)."""
    try:
        if state.executor is None:
            raise RuntimeError("the service is shutting down")
        future = asyncio.get_running_loop().run_in_executor(state.executor, work)
    except RuntimeError as exc:  # no pool, or one already shut down
        raise RequestProblem(503, f"model not loaded: {exc}") from None
    try:
        return await asyncio.wait_for(future, timeout=state.limits.timeout_seconds)
    except TimeoutError:
        raise RequestProblem(504, f"prediction took longer than the {state.limits.timeout_seconds:g} s limit; send fewer or shorter documents") from None


@dataclass(frozen=True)
class _Job:
    """Documents to label, in order: (id, text) to predict, or (id, error) already refused."""

    items: list[tuple[Any, str | None, str | None]]
    voices: bool


def _predict_safely(clf: Any, job: _Job) -> list[dict[str, Any]]:
    """Records for the job in order. Should the model raise (a bug, never seen), the batch is
    retried one document at a time, so only the documents that trigger it get error records."""
    good = [(doc_id, text) for doc_id, text, error in job.items if error is None]
    try:
        predicted = [p.to_dict() for p in clf.predict([t for _, t in good], ids=[i for i, _ in good], voices=job.voices)] if good else []
    except Exception:
        log.exception("regsec: prediction of a batch of %d failed; retrying one by one", len(good))
        predicted = []
        for doc_id, text in good:
            try:
                predicted.append(clf.predict([text], ids=[doc_id], voices=job.voices)[0].to_dict())
            except Exception as exc:
                log.exception("regsec: prediction failed for document %r", doc_id)
                predicted.append({"id": doc_id, "error": f"the model could not label this text ({type(exc).__name__})"})
    out, it = [], iter(predicted)
    for doc_id, _, error in job.items:
        out.append({"id": doc_id, "error": error} if error is not None else next(it))
    return out


# ----------------------------------------------------------------------- request parsing
async def _read_json(request: Any, limits: Limits) -> Any:
    """The request's JSON value, after the content-type, size and syntax checks."""
    from starlette.requests import ClientDisconnect

    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise RequestProblem(415, f"content-encoding {encoding!r} is not supported; send the JSON uncompressed")
    content_type = request.headers.get("content-type")
    if content_type is None:
        raise RequestProblem(415, "no Content-Type; send the body as application/json")
    media_type, _, params = content_type.partition(";")
    media_type = media_type.strip().lower()
    if media_type != "application/json" and not (media_type.startswith("application/") and media_type.endswith("+json")):
        raise RequestProblem(415, f"Content-Type {media_type or content_type!r} is not supported; send the body as application/json")
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise RequestProblem(415, f"charset {value.strip()!r} is not supported; JSON must be UTF-8")
    limit = limits.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise RequestProblem(400, f"Content-Length {declared!r} is not a number")
        if int(declared) > limit:
            raise RequestProblem(413, f"request body is {int(declared)} bytes; the limit is {limit} bytes (send fewer or shorter documents)")
    chunks, size = [], 0
    try:
        async with asyncio.timeout(limits.timeout_seconds):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise RequestProblem(413, f"request body is over the {limit} byte limit (send fewer or shorter documents)")
                chunks.append(chunk)
    except TimeoutError:
        raise RequestProblem(408, f"the request body did not arrive within {limits.timeout_seconds:g} s") from None
    except ClientDisconnect:
        raise RequestProblem(400, "the client disconnected before sending the whole body") from None
    raw = b"".join(chunks)
    if not raw.strip():
        raise RequestProblem(400, 'empty body; send a JSON object such as {"text": "..."}')
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestProblem(400, f"body is not UTF-8 (invalid byte at offset {exc.start}); JSON must be UTF-8") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RequestProblem(400, f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except (ValueError, RecursionError) as exc:  # e.g. a 5,000-digit number, or arrays nested 100,000 deep
        raise RequestProblem(400, f"malformed JSON: {type(exc).__name__}: {str(exc)[:200]}") from None


def _parse_request(body: Any, limits: Limits) -> tuple[_Job, bool]:
    """The job a JSON body asks for, and whether it is a single `text` (else `documents`)."""
    if not isinstance(body, dict):
        raise RequestProblem(422, f'the body must be a JSON object such as {{"text": "..."}}, not a JSON {_json_type(body)}')
    voices = body.get("voices", True)
    if not isinstance(voices, bool):
        raise RequestProblem(422, f"'voices' must be true or false, not a JSON {_json_type(voices)}")
    if ("text" in body) == ("documents" in body):
        which = "not both" if "text" in body else "neither was given"
        raise RequestProblem(422, f"send either 'text' (one article) or 'documents' (a list of {{id, text}}), {which}")
    allowed = SINGLE_KEYS if "text" in body else BATCH_KEYS
    unknown = sorted(str(k) for k in body if k not in allowed)
    if unknown:
        raise RequestProblem(422, f"unknown field(s) {', '.join(map(repr, unknown))}; with {allowed[0]!r} the fields are {', '.join(allowed)}")
    if "text" in body:
        doc_id = _document_id(body.get("id"))
        if isinstance(doc_id, RequestProblem):
            raise doc_id
        error = _text_problem(body["text"], limits)
        if error is not None:
            raise RequestProblem(413 if error.startswith("too long") else 422, f"'text' is {error}")
        return _Job([(doc_id, body["text"], None)], voices), True
    documents = body["documents"]
    if not isinstance(documents, list):
        raise RequestProblem(422, f"'documents' must be a list of {{id, text}} objects, not a JSON {_json_type(documents)}")
    if not documents:
        raise RequestProblem(422, "'documents' is empty; send at least one {id, text} object")
    if len(documents) > limits.max_documents:
        raise RequestProblem(413, f"{len(documents)} documents; the limit is {limits.max_documents} per request (split the batch)")
    return _Job([_document(i, d, limits) for i, d in enumerate(documents)], voices), False


def _document(index: int, doc: Any, limits: Limits) -> tuple[Any, str | None, str | None]:
    where = f"documents[{index}]"
    if not isinstance(doc, dict):
        return None, None, f"{where}: expected an object with 'id' and 'text', got a JSON {_json_type(doc)}"
    doc_id = _document_id(doc.get("id"))
    if isinstance(doc_id, RequestProblem):
        return None, None, f"{where}: {doc_id.message}"
    if "text" not in doc:
        return doc_id, None, f"{where}: no 'text' field"
    error = _text_problem(doc["text"], limits)
    if error is not None:
        return doc_id, None, f"{where}: 'text' is {error}"
    return doc_id, doc["text"], None


def _document_id(value: Any) -> str | None | RequestProblem:
    """A record id: strings as given, numbers as their text (as the CLI reads JSONL), else a problem."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return RequestProblem(422, f"'id' must be a string or a number, not a JSON {_json_type(value)}")


def _text_problem(text: Any, limits: Limits) -> str | None:
    """Why `text` cannot be labeled ("empty", "too long: ...", "not a string"), or None."""
    if not isinstance(text, str):
        return f"a JSON {_json_type(text)}, not a string"
    if not text.strip():
        return "empty; send the article's text"
    if len(text) > limits.max_chars:
        return f"too long: {len(text)} characters; the limit is {limits.max_chars} per document"
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def _limits_dict(limits: Limits) -> dict[str, Any]:
    return {
        "max_body_bytes": limits.max_body_bytes,
        "max_documents": limits.max_documents,
        "max_chars": limits.max_chars,
        "timeout_seconds": limits.timeout_seconds,
    }


# ---------------------------------------------------------------------------- responses
def _respond(content: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Any:
    """A JSON response. UTF-8 as is; a text holding lone surrogates (which JSON's \\ud800
    escapes can carry in) is sent with ASCII escapes instead of failing to encode."""
    from starlette.responses import Response

    try:
        body = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        body = json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")
    return Response(body, status_code=status_code, headers=headers, media_type="application/json")


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Any:
    return _respond({"error": message}, status_code=status, headers=headers)


# ------------------------------------------------------------------ the OpenAPI schemas
def _json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERROR_RESPONSES = {
    code: _json_response(description, {"$ref": "#/components/schemas/Error"})
    for code, description in (
        (400, "Malformed JSON, a body that is not UTF-8, or a bad Content-Length"),
        (408, "The body did not arrive within the time limit"),
        (413, "Body, number of documents or a text's characters over the limits (GET /v1/model lists them)"),
        (415, "Not application/json (or not UTF-8, or compressed)"),
        (422, "JSON of the wrong shape, or an empty text"),
        (503, "The model is not loaded"),
        (504, "Prediction took longer than the time limit"),
    )
}

_SCORES = {"type": "number", "minimum": 0, "maximum": 1}
SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string", "description": "What is wrong and what to do about it."}},
    },
    "Health": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["ok"]}}},
    "Ready": {
        "type": "object",
        "required": ["ready"],
        "properties": {"ready": {"type": "boolean"}, "model_version": {"type": "string"}, "error": {"type": "string"}},
    },
    "Document": {
        "type": "object",
        "required": ["text"],
        "properties": {
            "id": {"type": ["string", "number", "null"], "description": "Echoed in the record (numbers as text)."},
            "text": {"type": "string", "minLength": 1, "maxLength": MAX_CHARS, "description": "The article; plain text or HTML."},
        },
        "description": "One article. Other fields (title, ...) are ignored.",
    },
    "PredictRequest": {
        "oneOf": [
            {
                "type": "object",
                "title": "SingleText",
                "required": ["text"],
                "additionalProperties": False,
                "properties": {
                    "text": {"type": "string", "minLength": 1, "maxLength": MAX_CHARS},
                    "id": {"type": ["string", "number", "null"]},
                    "voices": {"type": "boolean", "default": True},
                },
            },
            {
                "type": "object",
                "title": "Documents",
                "required": ["documents"],
                "additionalProperties": False,
                "properties": {
                    "documents": {"type": "array", "minItems": 1, "maxItems": MAX_DOCUMENTS, "items": {"$ref": "#/components/schemas/Document"}},
                    "voices": {"type": "boolean", "default": True},
                },
            },
        ],
        "description": "The limits shown are the defaults; GET /v1/model reports the ones in force.",
    },
    "Voice": {
        "type": "object",
        "required": ["actor", "role", "stance", "evidence", "score"],
        "properties": {
            "actor": {"type": "string", "description": "ISO 3166 alpha-3 code, or UN, NATO, ASEAN, EU."},
            "role": {"type": "string", "enum": list(ROLES)},
            "stance": {"type": "string", "enum": list(VOICE_STANCES)},
            "evidence": {"type": "string"},
            "score": _SCORES,
        },
    },
    "Prediction": {
        "type": "object",
        "required": list(RECORD_KEYS),
        "properties": {
            "id": {"type": ["string", "null"]},
            "relevant": {"type": "boolean"},
            "relevance": _SCORES,
            "topics": {"type": "array", "items": {"type": "string", "enum": list(TOPICS)}},
            "topic_scores": {"type": "object", "properties": {t: _SCORES for t in TOPICS}},
            "stance": {"type": ["string", "null"], "enum": [*STANCES, None]},
            "stance_scores": {"type": "object", "properties": {s: _SCORES for s in STANCES}},
            "voices": {"type": "array", "items": {"$ref": "#/components/schemas/Voice"}},
            "flags": {"type": "array", "items": {"type": "string", "enum": list(FLAGS)}},
            "model_version": {"type": "string"},
        },
        "description": "The record `regsec predict --format jsonl` writes.",
    },
    "DocumentError": {
        "type": "object",
        "required": ["id", "error"],
        "properties": {"id": {"type": ["string", "null"]}, "error": {"type": "string"}},
        "description": "A document in a batch that could not be labeled.",
    },
    "BatchResponse": {
        "type": "object",
        "required": ["results", "predicted", "failed"],
        "properties": {
            "results": {
                "type": "array",
                "items": {"oneOf": [{"$ref": "#/components/schemas/Prediction"}, {"$ref": "#/components/schemas/DocumentError"}]},
                "description": "One record per document, in input order.",
            },
            "predicted": {"type": "integer"},
            "failed": {"type": "integer"},
        },
    },
    "PredictResponse": {"oneOf": [{"$ref": "#/components/schemas/Prediction"}, {"$ref": "#/components/schemas/BatchResponse"}]},
    "ModelInfo": {
        "type": "object",
        "required": ["name", "version", "labels", "metrics_test_split", "artifact_sha256", "limits"],
        "properties": {
            "name": {"type": "string"},
            "version": {"type": "string"},
            "package_version": {"type": ["string", "null"]},
            "labels": {"type": "object", "description": "topics, stances and roles."},
            "metrics_test_split": {"type": ["object", "null"], "description": "The manifest's held-out test-split metrics."},
            "documents": {"type": ["object", "null"], "description": "Training and test document counts."},
            "artifact_sha256": {"type": "string"},
            "limits": {
                "type": "object",
                "properties": {
                    "max_body_bytes": {"type": "integer"},
                    "max_documents": {"type": "integer"},
                    "max_chars": {"type": "integer"},
                    "timeout_seconds": {"type": "number"},
                },
            },
        },
    },
}


def openapi_text() -> str:
    """The default app's OpenAPI schema as the text committed in docs/openapi.json."""
    return json.dumps(create_app().openapi(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # python -m model.service openapi [PATH]
    if sys.argv[1:2] != ["openapi"] or len(sys.argv) > 3:
        sys.exit("usage: python -m model.service openapi [PATH]")
    text = openapi_text()
    if len(sys.argv) == 3:
        Path(sys.argv[2]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
