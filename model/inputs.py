"""Articles to predict, read lazily from .txt files, folders of them, JSONL, CSV, Parquet or stdin.
A document that cannot be read becomes a `Document` with an `error`, never an exception,
so a batch always accounts for every input."""

from __future__ import annotations

import codecs
import csv
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

INPUT_FORMATS = ("auto", "text", "jsonl", "csv", "parquet")
SUFFIX_FORMATS = {".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet"}
PARQUET_BATCH_ROWS = 1024  # rows read from a Parquet file at a time: memory stays flat
csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True)
class Document:
    """One article to predict (`text`), or the reason it could not be read (`error`)."""

    id: str
    text: str | None = None
    error: str | None = None


def decode(data: bytes, name: str) -> Document | str:
    """Text of a file's bytes (UTF-8, or UTF-16/UTF-8 with a byte-order mark); an error
    Document for binary or undecodable bytes."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return Document(name, error=f"{name}: starts with a {encoding} byte-order mark but does not decode as {encoding}")
    if b"\x00" in data[:8192]:
        return Document(name, error=f"{name}: binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Document(name, error=f"{name}: not UTF-8 text (invalid byte at offset {exc.start}); re-encode it as UTF-8")


def text_document(doc_id: str, text: str) -> Document:
    """A Document for `text`, or an error Document when it holds no words."""
    if not text.strip():
        return Document(doc_id, error=f"{doc_id}: empty text")
    return Document(doc_id, text=text)


def read_documents(
    paths: list[str],
    *,
    input_format: str = "auto",
    text_field: str = "text",
    id_field: str = "id",
    stdin: TextIO | None = None,
) -> Iterator[Document]:
    """Every document of every path, in order. `-` reads stdin (one article, or records
    with --input-format jsonl/csv); a folder yields its .txt files, sorted."""
    if input_format not in INPUT_FORMATS:
        raise ValueError(f"input format must be one of {', '.join(INPUT_FORMATS)}, got {input_format!r}")
    for spec in paths:
        if spec == "-":
            if input_format == "parquet":
                yield Document("stdin", error="stdin: Parquet cannot be read from stdin; give the file's path")
                continue
            stream = stdin if stdin is not None else sys.stdin
            try:
                yield from _from_stream(stream, "stdin", "text" if input_format == "auto" else input_format, text_field, id_field)
            except UnicodeDecodeError as exc:
                yield Document("stdin", error=f"stdin: not UTF-8 text ({exc.reason})")
            continue
        path = Path(spec)
        try:
            if path.is_dir():
                files = sorted(p for p in path.rglob("*.txt") if p.is_file())
                if not files:
                    yield Document(str(path), error=f"{path}: folder holds no .txt files")
                for file in files:
                    yield _from_file(file)
                continue
            if not path.exists():
                yield Document(str(path), error=f"{path}: no such file or folder")
                continue
            fmt = input_format if input_format != "auto" else SUFFIX_FORMATS.get(path.suffix.lower(), "text")
            if fmt == "text":
                yield _from_file(path)
            elif fmt == "parquet":
                yield from _parquet(path, text_field, id_field)
            elif fmt == "jsonl":
                with open(path, "rb") as handle:
                    yield from jsonl_documents(handle, str(path), text_field, id_field)
            else:
                with open(path, encoding="utf-8", errors="strict", newline="") as handle:
                    yield from _from_stream(handle, str(path), fmt, text_field, id_field)
        except (OSError, UnicodeDecodeError, RecursionError, ValueError) as exc:  # pyarrow's errors are OSError/ValueError
            yield Document(str(path), error=f"{path}: cannot read ({exc})")


def _from_file(path: Path) -> Document:
    decoded = decode(path.read_bytes(), str(path))
    if isinstance(decoded, Document):
        return Document(path.stem, error=decoded.error)
    return text_document(path.stem, decoded)


def _from_stream(stream: TextIO, name: str, fmt: str, text_field: str, id_field: str) -> Iterator[Document]:
    if fmt == "text":
        yield text_document(name, stream.read())
    elif fmt == "jsonl":
        yield from jsonl_documents(stream, name, text_field, id_field)
    else:
        yield from _csv(stream, name, text_field, id_field)


def _record_document(record: object, where: str, text_field: str, id_field: str) -> Document:
    if not isinstance(record, dict):
        return Document(where, error=f"{where}: expected a JSON object, got {type(record).__name__}")
    doc_id = record.get(id_field)
    doc_id = where if doc_id is None or doc_id == "" else str(doc_id)
    text = record.get(text_field)
    if text is None:
        return Document(doc_id, error=f"{where}: no {text_field!r} field (choose the field with --text-field)")
    if not isinstance(text, str):
        return Document(doc_id, error=f"{where}: field {text_field!r} must be a string, got {type(text).__name__}")
    return text_document(doc_id, text)


def jsonl_documents(lines: Iterable[str | bytes], name: str, text_field: str, id_field: str) -> Iterator[Document]:
    """A Document per non-blank JSONL line, named `name:line`; a bad line (not UTF-8, not JSON,
    no text) becomes an error Document and the lines around it are still read. Lines may be
    bytes (a file read in binary: each line is decoded on its own) or text (stdin)."""
    for n, line in enumerate(lines, 1):
        where = f"{name}:{n}"
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield Document(where, error=f"{where}: not UTF-8 text (invalid byte at column {exc.start + 1}); re-encode the file as UTF-8")
                continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Document(where, error=f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        yield _record_document(record, where, text_field, id_field)


def _csv(stream: TextIO, name: str, text_field: str, id_field: str) -> Iterator[Document]:
    reader = csv.DictReader(stream)
    for row in reader:
        where = f"{name}:{reader.line_num}"
        if None in row:  # more cells than header columns
            yield Document(str(row.get(id_field) or where), error=f"{where}: row has more cells than the header")
            continue
        yield _record_document({k: v for k, v in row.items() if v is not None}, where, text_field, id_field)



def _parquet(path: Path, text_field: str, id_field: str) -> Iterator[Document]:
    """Rows of a Parquet file, a batch of rows at a time; `where` is the 1-based row number."""
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path)
    names = table.schema_arrow.names
    if text_field not in names:
        yield Document(str(path), error=f"{path}: no {text_field!r} column (columns: {', '.join(names)}; choose one with --text-field)")
        return
    columns = [text_field] + ([id_field] if id_field in names and id_field != text_field else [])
    row = 0
    for batch in table.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
        for record in batch.to_pylist():
            row += 1
            yield _record_document(record, f"{path}:{row}", text_field, id_field)
