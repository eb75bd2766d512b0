"""Where labeled records come from: local JSONL, CSV or Parquet files (or folders of them),
or a Hugging Face hub dataset id for users who are online. JSONL is read line by line so
each bad line is reported with its number; CSV, Parquet and hub data go through `datasets`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from model.inputs import SUFFIX_FORMATS
from training.records import LabeledRecord, Problem, Row, read_jsonl, validate_rows

SUFFIXES = tuple(SUFFIX_FORMATS)  # the labeled-file kinds are the ones predict reads
_LIST_FIELDS = ("topics", "voices")


@dataclass(frozen=True)
class FieldMapping:
    """How a user's records map onto the label standard: which fields hold the text and the
    id, and label renames (`--map-label old=new`) applied to topics, stance and voice
    stance/role; a rename to "" drops that topic. Records without an id get `source:line`."""

    text_field: str = "text"
    id_field: str = "id"
    labels: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse_labels(cls, pairs: list[str]) -> dict[str, str]:
        """`["old=new", ...]` as a dict; a ValueError names the pair that has no `=`."""
        mapping = {}
        for pair in pairs:
            old, sep, new = pair.partition("=")
            if not sep or not old.strip():
                raise ValueError(f"label mapping {pair!r} is not old=new")
            mapping[old.strip()] = new.strip()
        return mapping

    def apply(self, row: object, source: str, line: int) -> object:
        """The row in the standard's field names and labels (non-dict rows pass through for
        `check_record` to report)."""
        if not isinstance(row, dict):
            return row
        row = dict(row)
        if self.text_field != "text" and self.text_field in row:
            row["text"] = row.pop(self.text_field)
        if self.id_field != "id":
            row["id"] = row.pop(self.id_field, None)
        if row.get("id") in (None, ""):
            row["id"] = f"{Path(source).name}:{line}"
        elif not isinstance(row["id"], str):
            row["id"] = str(row["id"])
        if self.labels:
            row = self._rename_labels(row)
        return row

    def _rename_labels(self, row: dict) -> dict:
        rename = self.labels.get
        if isinstance(row.get("topics"), list):
            row["topics"] = [new for new in (rename(t, t) if isinstance(t, str) else t for t in row["topics"]) if new != ""]
        if isinstance(row.get("stance"), str):
            row["stance"] = rename(row["stance"], row["stance"])
        if isinstance(row.get("voices"), list):
            row["voices"] = [
                {**v, **{k: rename(v[k], v[k]) for k in ("stance", "role") if isinstance(v.get(k), str)}} if isinstance(v, dict) else v
                for v in row["voices"]
            ]
        return row


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
    """CSV cells hold `topics` and `voices` as JSON text (topics also as `a;b`); decode them where they are strings."""
    row = dict(row)
    for key in _LIST_FIELDS:
        if row.get(key) is None and key in row:  # an empty cell: no topics, no voices
            row[key] = []
        elif isinstance(row.get(key), str):
            try:
                row[key] = json.loads(row[key]) if row[key].strip() else []
            except json.JSONDecodeError:
                if key == "topics":  # also "a;b": the spreadsheet habit
                    row[key] = [t.strip() for t in row[key].split(";") if t.strip()]
                # voices stay a string: check_record reports the wrong type
    return row


def load_labeled(specs: list[str | Path], mapping: FieldMapping | None = None) -> tuple[list[LabeledRecord], list[Problem]]:
    """Every valid record of every source, and every problem found on the way. With a `mapping`
    (user data), records are read through it; without one (the corpus), exactly as written."""
    def rows() -> Iterator[Row]:
        for spec in specs:
            for source, line, row in rows_from(spec):
                yield source, line, mapping.apply(row, source, line) if mapping is not None else row

    return validate_rows(rows())
