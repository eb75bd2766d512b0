"""Writers for predictions: jsonl, csv and parquet for machines, json (one array), table for
people. Each writes record by record (parquet: a row group every PARQUET_ROWS records), so
output streams as the batch goes and memory stays flat."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, TextIO

from model.labels import STANCES, TOPICS

OUTPUT_FORMATS = ("table", "json", "jsonl", "csv", "parquet")
SUFFIX_FORMATS = {".jsonl": "jsonl", ".json": "json", ".csv": "csv", ".parquet": "parquet", ".txt": "table"}
PARQUET_ROWS = 1024
CSV_COLUMNS = ("id", "relevant", "relevance", "topics", "stance", "voices", "flags", "model_version", "error")


class Writer:
    """Writes records (prediction dicts or `{"id", "error"}`) to a stream in one format."""

    def __init__(self, stream: TextIO, fmt: str) -> None:
        if fmt not in OUTPUT_FORMATS or fmt == "parquet":
            raise ValueError(f"text output format must be one of {', '.join(OUTPUT_FORMATS[:-1])}, got {fmt!r}")
        self.stream, self.fmt, self.count = stream, fmt, 0
        if fmt == "csv":
            self._csv = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, lineterminator="\n")
            self._csv.writeheader()
        elif fmt == "json":
            stream.write("[")

    def write(self, record: dict[str, Any]) -> None:
        """Write one record completely (a line is never left half-written by this call)."""
        if self.fmt == "jsonl":
            self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        elif self.fmt == "json":
            self.stream.write(("," if self.count else "") + "\n  " + json.dumps(record, ensure_ascii=False))
        elif self.fmt == "csv":
            self._csv.writerow(_csv_row(record))
        else:
            self.stream.write(format_table_entry(record) + "\n")
        self.count += 1

    def close(self) -> None:
        """Finish the document (the closing bracket of a JSON array) and flush."""
        if self.fmt == "json":
            self.stream.write("\n]\n" if self.count else "]\n")
        self.stream.flush()


def parquet_schema() -> Any:
    """The Arrow schema of a Parquet output row: the JSONL record's fields, typed, plus `error`."""
    import pyarrow as pa

    voice = pa.struct([("actor", pa.string()), ("role", pa.string()), ("stance", pa.string()), ("evidence", pa.string()), ("score", pa.float64())])
    return pa.schema(
        [
            ("id", pa.string()),
            ("relevant", pa.bool_()),
            ("relevance", pa.float64()),
            ("topics", pa.list_(pa.string())),
            ("topic_scores", pa.struct([(t, pa.float64()) for t in TOPICS])),
            ("stance", pa.string()),
            ("stance_scores", pa.struct([(s, pa.float64()) for s in STANCES])),
            ("voices", pa.list_(voice)),
            ("flags", pa.list_(pa.string())),
            ("model_version", pa.string()),
            ("error", pa.string()),
        ]
    )


class ParquetWriter:
    """Writes records to a Parquet file with one fixed schema (the JSONL record's fields, plus
    `error`, null on predicted rows), a row group every PARQUET_ROWS records."""

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        self.schema = parquet_schema()
        self._file = pq.ParquetWriter(path, self.schema)
        self._rows: list[dict[str, Any]] = []
        self.count = 0

    def write(self, record: dict[str, Any]) -> None:
        """Buffer one record; a full buffer is written out as a row group."""
        self._rows.append(record)
        self.count += 1
        if len(self._rows) >= PARQUET_ROWS:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self._rows:
            self._file.write_table(pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []

    def close(self) -> None:
        """Write what is buffered and the file footer (a Parquet file is unreadable without it)."""
        self._flush()
        self._file.close()


def format_for(output: Path | None, fmt: str | None) -> str:
    """The output format: the one asked for, else the output file's suffix, else table."""
    if fmt:
        return fmt
    if output is None:
        return "table"
    if output.suffix.lower() not in SUFFIX_FORMATS:
        raise ValueError(f"{output}: cannot tell the format from the suffix {output.suffix!r}; use --format")
    return SUFFIX_FORMATS[output.suffix.lower()]


def _csv_row(record: dict[str, Any]) -> dict[str, Any]:
    row = {key: record.get(key, "") for key in CSV_COLUMNS}
    row["topics"] = ";".join(record.get("topics", []))
    row["voices"] = ";".join(f"{v['actor']}/{v['role']}:{v['stance']}" for v in record.get("voices", []))
    row["flags"] = ";".join(record.get("flags", []))
    return row


def format_table_entry(record: dict[str, Any]) -> str:
    """A few readable lines for one record: relevance, topics with scores, stance, voices."""
    if "error" in record:
        return f"{record['id']}\n  ERROR {record['error']}\n"
    head = f"{record['id']}  relevant={'yes' if record['relevant'] else 'no'} ({record['relevance']:.2f})"
    if record.get("flags"):
        head += "  [" + ", ".join(record["flags"]) + "]"
    if not record["relevant"]:
        return head + "\n  not regional-security reporting\n"
    scores = record["topic_scores"]
    topics = ", ".join(f"{t} {scores[t]:.2f}" for t in record["topics"])
    stance = record["stance"]
    lines = [head, f"  topics: {topics}", f"  stance: {stance} ({record['stance_scores'][stance]:.2f})"]
    if record.get("voices"):
        lines.append("  who stands where:")
        lines += [f"    {v['actor']} {v['role']}: {v['stance']} ({v['score']:.2f}) “{_short(v['evidence'])}”" for v in record["voices"]]
    return "\n".join(lines) + "\n"


def _short(sentence: str, limit: int = 90) -> str:
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"
