"""Where labeled records come from: local JSONL, CSV or Parquet files (or folders of them),
or a Hugging Face hub dataset id for users who are online. JSONL is read line by line so
each bad line is reported with its number; CSV, Parquet and hub data go through `datasets`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from training.records import LabeledRecord, Problem, Row, read_jsonl, validate_rows

SUFFIXES = (".jsonl", ".csv", ".parquet")
_LIST_FIELDS = ("topics", "voices")


def source_files(path: Path) -> list[Path]:
    """A file, or the labeled files (sorted, recursively) in a folder."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
    return [path]


def rows_from(spec: str | Path) -> Iterator[Row]:
    """Rows of one `--data` source: a path (file or folder) or, when no such path exists,
    a hub dataset id loaded with `datasets.load_dataset(spec, split="train")`."""
    path = Path(spec)
    if not path.exists():
        if path.suffix in SUFFIXES or str(spec).startswith((".", "/", "~")):
            yield str(spec), 0, Problem(str(spec), 0, "no such file or folder")
        else:
            yield from _dataset_rows(str(spec), str(spec), None)
        return
    for file in source_files(path):
        if file.suffix == ".jsonl":
            yield from read_jsonl(file)
        elif file.suffix in (".csv", ".parquet"):
            yield from _dataset_rows(str(file), file.suffix.lstrip("."), str(file))
        else:
            yield str(file), 0, Problem(str(file), 0, f"unsupported file type {file.suffix!r}; use {', '.join(SUFFIXES)}")


def _dataset_rows(source: str, builder: str, data_file: str | None) -> Iterator[Row]:
    import datasets

    try:
        if data_file is None:
            table = datasets.load_dataset(builder, split="train")
        else:
            table = datasets.load_dataset(builder, data_files=data_file, split="train")
    except Exception as exc:  # datasets raises many types for missing or unreadable data
        yield source, 0, Problem(source, 0, f"cannot load ({type(exc).__name__}: {exc})")
        return
    first_line = 2 if builder == "csv" else 1  # a CSV's first line is its header
    for i, row in enumerate(table):
        yield source, i + first_line, _decode_list_fields(row)


def _decode_list_fields(row: dict) -> dict:
    """CSV cells hold `topics` and `voices` as JSON text; decode them where they are strings."""
    row = dict(row)
    for key in _LIST_FIELDS:
        if isinstance(row.get(key), str):
            try:
                row[key] = json.loads(row[key]) if row[key].strip() else []
            except json.JSONDecodeError:
                pass  # left as a string: check_record reports the wrong type
    return row


def load_labeled(specs: list[str | Path]) -> tuple[list[LabeledRecord], list[Problem]]:
    """Every valid record of every source, and every problem found on the way."""
    def rows() -> Iterator[Row]:
        for spec in specs:
            yield from rows_from(spec)

    return validate_rows(rows())
