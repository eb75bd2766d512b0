"""Prediction over Dask: a DataFrame's partitions (`predict_partitions`) or JSONL, CSV and Parquet
files on a cluster (`predict_files_with_dask`, behind `regsec predict --scheduler`). Needs the
`dask` extra (dask[dataframe] and distributed).

The model reaches each worker once. The client verifies the model folder, then scatters the bytes
of its model file to every worker (`client.scatter(..., broadcast=True)`, so a worker that joins
later copies them from a peer). The first task on a worker checks those bytes against the
manifest's sha256, unpickles them and caches the classifier in the worker process under that
hash; every later partition, and every later call with the same model, reuses it
(`model_loads()` counts the unpickling). Bytes rather than a pickled classifier, because the
cache key is the artifact's own hash and nothing is unpickled unchecked; a worker-side cache
rather than a scattered object, because a cache survives across calls and spilling.

Output rows carry the JSONL record's fields plus `error` (null on predicted rows), typed with
the Arrow schema of `regsec predict --format parquet`, so `to_parquet` writes nested lists and
structs as they are and `to_json(orient="records", lines=True)` writes the CLI's records."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

try:
    import dask
    import dask.dataframe as dd
    import pandas as pd
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(f"model.dask needs Dask: install the extra, pip install 'regsec[dask]' ({exc})") from exc

from model.artifact import DEFAULT_DIR, MODEL_FILE, ArtifactError, load_artifact, load_artifact_bytes, read_manifest
from model.batch import BatchCounts, predict_records
from model.classifier import RegsecClassifier
from model.inputs import SUFFIX_FORMATS, Document, jsonl_documents, read_documents, text_document
from model.output import Writer, parquet_schema
from model.prediction import RECORD_KEYS

MAX_BLOCKSIZE = 4 << 20  # JSONL bytes per partition: about 2,500 articles, seconds of work for one core
MIN_BLOCKSIZE = 16 << 10  # about ten articles
BLOCKS_PER_WORKER = 4  # small inputs are still split so that every worker gets work
_ERROR_COLUMN = "read_error"  # documents that failed before prediction (files read as Documents)

_models: dict[str, RegsecClassifier] = {}
_models_lock = threading.Lock()
_loads = 0


def model_loads() -> int:
    """How many times this process has unpickled a model for Dask tasks: once per model, however many partitions."""
    return _loads


def output_meta() -> pd.DataFrame:
    """An empty frame with the output columns and their Arrow types: the `meta` of `predict_partitions`."""
    return parquet_schema().empty_table().to_pandas(types_mapper=pd.ArrowDtype)


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The CLI's records for rows of a `predict_partitions` frame: prediction dicts, or `{"id", "error"}`."""
    import pyarrow as pa

    rows = pa.Table.from_pandas(frame, schema=parquet_schema(), preserve_index=False).to_pylist()
    return [{"id": row["id"], "error": row["error"]} if row["error"] is not None else {key: row[key] for key in RECORD_KEYS} for row in rows]


def predict_partitions(
    ddf: dd.DataFrame, *, text_column: str = "text", id_column: str = "id", model_dir: Path | str | None = None, voices: bool = True
) -> dd.DataFrame:
    """One output row per input row (same index), predicted partition by partition. Rows whose
    text is missing, empty or not a string get `error` set; a missing `id` becomes
    "partition P row R". With an active distributed Client, the model is shipped once per worker."""
    if text_column not in ddf.columns:
        raise ValueError(f"no {text_column!r} column (columns: {', '.join(map(str, ddf.columns))}); choose one with text_column=")
    return _predict(ddf, text_column, id_column, None, _ShippedModel.prepare(model_dir, _active_client()), voices)


def predict_files_with_dask(
    paths: list[str],
    scheduler_address: str,
    output_path: Path | str,
    text_field: str = "text",
    id_field: str = "id",
    model_dir: Path | str | None = None,
    voices: bool = True,
    *,
    blocksize: int | str | None = None,
) -> BatchCounts:
    """Predict JSONL, CSV or Parquet files (all one format) on the cluster at `scheduler_address`
    and write `output_path`, a new folder of part files in that format, one per partition:
    part-00000.jsonl, part-00001.jsonl, ... in input order. Workers read and write the paths
    themselves, so they must see the same filesystem; error records name inputs by absolute path. JSONL is split into partitions of about
    `blocksize` bytes (default: 4 MiB, smaller for small inputs so each worker thread gets about four);
    a CSV file is one partition (quoted articles span lines); Parquet splits as Dask reads it."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise ImportError(f"a Dask scheduler needs dask.distributed: pip install 'regsec[dask]' ({exc})") from exc

    fmt, paths = _files_format(paths)
    out = Path(output_path).resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out}: output folder exists and is not empty; choose a new folder")
    with Client(scheduler_address, set_as_default=False) as client:
        model = _ShippedModel.prepare(model_dir, client)
        if fmt == "parquet":
            frame = dd.read_parquet(paths)
            if text_field not in frame.columns:
                raise ValueError(f"{', '.join(paths)}: no {text_field!r} column (columns: {', '.join(map(str, frame.columns))}); choose one with --text-field")
            predicted = _predict(frame[[c for c in dict.fromkeys((id_field, text_field)) if c in frame.columns]], text_field, id_field, None, model, voices)
        else:
            if blocksize is None:
                blocksize = _auto_blocksize(paths, sum(client.nthreads().values()))
            frame = _document_frame(paths, fmt, text_field, id_field, blocksize)
            if frame is None:
                out.mkdir(parents=True, exist_ok=True)
                return BatchCounts()
            predicted = _predict(frame, "text", "id", _ERROR_COLUMN, model, voices)
        out.mkdir(parents=True, exist_ok=True)
        parts = predicted.to_delayed()
        writes = [dask.delayed(_write_part)(part, str(out / f"part-{i:05d}.{fmt}"), fmt) for i, part in enumerate(parts)]
        totals = client.compute(writes, sync=True)
    return BatchCounts(read=sum(t[0] for t in totals), predicted=sum(t[1] for t in totals), failed=sum(t[2] for t in totals))


# ------------------------------------------------------------------ the model on workers
class _ShippedModel:
    """What tasks need to find the model: its sha256 and either scattered bytes or a local folder."""

    def __init__(self, sha256: str, payload: Any, folder: str) -> None:
        self.sha256, self.payload, self.folder = sha256, payload, folder

    @classmethod
    def prepare(cls, model_dir: Path | str | None, client: Any) -> _ShippedModel:
        """Verify and load the model here (a bad folder fails now, with the CLI's message), then
        scatter its file's bytes to every worker when there is a distributed client."""
        directory = Path(model_dir).resolve() if model_dir is not None else DEFAULT_DIR
        manifest = read_manifest(directory)
        sha256 = str(manifest.get("artifact_sha256"))
        _cached_model(sha256, None, str(directory))  # load_artifact checks hash, numpy version and type
        if client is None:
            return cls(sha256, None, str(directory))
        payload = (directory / manifest.get("artifact_file", MODEL_FILE)).read_bytes()
        if hashlib.sha256(payload).hexdigest() != sha256:
            raise ArtifactError(f"{directory}: model file changed while being read; sha256 no longer matches the manifest")
        # A fresh key per call (hash=False): re-scattering a content-hashed key while the scheduler
        # releases an earlier call's copy can lose it ("lost dependencies"). Workers still unpickle once.
        return cls(sha256, client.scatter(payload, broadcast=True, hash=False), str(directory))


def _active_client() -> Any:
    """The default distributed Client, or None (no distributed installed, or none running)."""
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:
        return None


def _cached_model(sha256: str, payload: bytes | None, folder: str) -> RegsecClassifier:
    """This process's classifier for `sha256`, unpickled on first use from the scattered bytes
    (checked against the hash first) or from the local folder."""
    global _loads
    with _models_lock:
        clf = _models.get(sha256)
        if clf is None:
            clf = load_artifact_bytes(payload, sha256) if payload is not None else load_artifact(folder)[0]
            _models[sha256] = clf
            _loads += 1
        return clf


# ------------------------------------------------------------------ partitions
def _predict(ddf: dd.DataFrame, text_column: str, id_column: str, error_column: str | None, model: _ShippedModel, voices: bool) -> dd.DataFrame:
    return ddf.map_partitions(_predict_frame, model.payload, model.sha256, model.folder, text_column, id_column, error_column, voices, meta=output_meta())


def _predict_frame(
    frame: pd.DataFrame,
    payload: bytes | None,
    sha256: str,
    folder: str,
    text_column: str,
    id_column: str,
    error_column: str | None,
    voices: bool,
    partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Output rows for one partition, in order, with the same index."""
    import pyarrow as pa

    clf = _cached_model(sha256, payload, folder)
    number = partition_info["number"] if partition_info else 0
    documents = _frame_documents(frame, text_column, id_column, error_column, number)
    records = list(predict_records(clf, documents, batch_size=256, voices=voices))
    table = pa.Table.from_pylist(records, schema=parquet_schema())
    out = table.to_pandas(types_mapper=pd.ArrowDtype)
    out.index = frame.index
    return out


def _missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _frame_documents(frame: pd.DataFrame, text_column: str, id_column: str, error_column: str | None, number: int) -> list[Document]:
    """A Document per row: its text, or why it cannot be predicted."""
    texts = frame[text_column].tolist() if text_column in frame.columns else [None] * len(frame)
    ids = frame[id_column].tolist() if id_column in frame.columns else [None] * len(frame)
    errors = frame[error_column].tolist() if error_column and error_column in frame.columns else [None] * len(frame)
    documents = []
    for row, (doc_id, text, error) in enumerate(zip(ids, texts, errors)):
        where = f"partition {number} row {row}"
        doc_id = where if _missing(doc_id) or doc_id == "" else str(doc_id)
        if not _missing(error):
            documents.append(Document(doc_id, error=str(error)))
        elif _missing(text):
            documents.append(Document(doc_id, error=f"{where}: no {text_column!r} value"))
        elif not isinstance(text, str):
            documents.append(Document(doc_id, error=f"{where}: column {text_column!r} must be a string, got {type(text).__name__}"))
        else:
            documents.append(text_document(doc_id, text))
    return documents


# ------------------------------------------------------------------ files
def _files_format(paths: list[str]) -> tuple[str, list[str]]:
    """The one format of `paths` (by suffix; a folder is a Parquet dataset) and the paths made
    absolute (workers may run elsewhere), or a clear error."""
    if not paths:
        raise ValueError("no input paths")
    formats = set()
    for spec in paths:
        path = Path(spec)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        fmt = "parquet" if path.is_dir() else SUFFIX_FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise ValueError(f"{path}: with a Dask scheduler, inputs are {', '.join(SUFFIX_FORMATS)} files or Parquet folders")
        formats.add(fmt)
    if len(formats) > 1:
        raise ValueError(f"inputs mix formats ({', '.join(sorted(formats))}); predict one format at a time")
    return formats.pop(), [str(Path(spec).resolve()) for spec in paths]


def _auto_blocksize(paths: list[str], threads: int) -> int:
    """Bytes per JSONL partition: BLOCKS_PER_WORKER per worker thread for small inputs, MAX_BLOCKSIZE at most."""
    total = sum(Path(p).stat().st_size for p in paths)
    return max(MIN_BLOCKSIZE, min(MAX_BLOCKSIZE, -(-total // (BLOCKS_PER_WORKER * max(1, threads)))))


def _document_frame(paths: list[str], fmt: str, text_field: str, id_field: str, blocksize: int | str) -> dd.DataFrame | None:
    """A frame of (id, text, read_error) rows read as `regsec predict` reads them: JSONL in
    blocks of lines, CSV a file at a time; None when there is nothing to read."""
    meta = pd.DataFrame({"id": pd.Series(dtype="string"), "text": pd.Series(dtype="string"), _ERROR_COLUMN: pd.Series(dtype="string")})
    if fmt == "csv":
        parts = [dask.delayed(_csv_file_frame)(path, text_field, id_field) for path in paths]
    else:
        from dask.bytes import read_bytes

        _, blocks, names = read_bytes(paths, delimiter=b"\n", blocksize=blocksize, sample=False, include_path=True)
        parts = [
            dask.delayed(_jsonl_block_frame)(block, name if len(file_blocks) == 1 else f"{name} (block {b + 1})", text_field, id_field)
            for name, file_blocks in zip(names, blocks)
            for b, block in enumerate(file_blocks)
        ]
    return dd.from_delayed(parts, meta=meta, verify_meta=False) if parts else None


def _documents_frame(documents: list[Document]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": pd.array([d.id for d in documents], dtype="string"),
            "text": pd.array([d.text for d in documents], dtype="string"),
            _ERROR_COLUMN: pd.array([d.error for d in documents], dtype="string"),
        }
    )


def _csv_file_frame(path: str, text_field: str, id_field: str) -> pd.DataFrame:
    return _documents_frame(list(read_documents([path], input_format="csv", text_field=text_field, id_field=id_field)))


def _jsonl_block_frame(block: bytes, name: str, text_field: str, id_field: str) -> pd.DataFrame:
    """Documents of a block of JSONL lines; lines are numbered within the block."""
    lines = block.split(b"\n")  # as a file read in binary splits: each line decoded on its own
    return _documents_frame(list(jsonl_documents([line + b"\n" for line in lines], name, text_field, id_field)))


def _write_part(frame: pd.DataFrame, path: str, fmt: str) -> tuple[int, int, int]:
    """Write one partition's rows as `path` (via a temporary name, so a retried task never leaves
    half a file); return (read, predicted, failed)."""
    partial = f"{path}.partial"
    if fmt == "parquet":
        frame.to_parquet(partial, index=False)
    else:
        with open(partial, "w", encoding="utf-8", newline="") as handle:
            writer = Writer(handle, fmt)
            for record in frame_records(frame):
                writer.write(record)
            writer.close()
    os.replace(partial, path)
    failed = int(frame["error"].notna().sum())
    return len(frame), len(frame) - failed, failed
