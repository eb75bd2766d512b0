"""Writers for predictions: jsonl and csv for machines, json (one array), table for people.
Each writes record by record, so output streams as the batch goes."""

from __future__ import annotations

import csv
import json
from typing import Any, TextIO

OUTPUT_FORMATS = ("table", "json", "jsonl", "csv")
CSV_COLUMNS = ("id", "relevant", "relevance", "topics", "stance", "voices", "model_version", "error")


class Writer:
    """Writes records (prediction dicts or `{"id", "error"}`) to a stream in one format."""

    def __init__(self, stream: TextIO, fmt: str) -> None:
        if fmt not in OUTPUT_FORMATS:
            raise ValueError(f"output format must be one of {', '.join(OUTPUT_FORMATS)}, got {fmt!r}")
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


def _csv_row(record: dict[str, Any]) -> dict[str, Any]:
    row = {key: record.get(key, "") for key in CSV_COLUMNS}
    row["topics"] = ";".join(record.get("topics", []))
    row["voices"] = ";".join(f"{v['actor']}/{v['role']}:{v['stance']}" for v in record.get("voices", []))
    return row


def format_table_entry(record: dict[str, Any]) -> str:
    """A few readable lines for one record: relevance, topics with scores, stance, voices."""
    if "error" in record:
        return f"{record['id']}\n  ERROR {record['error']}\n"
    head = f"{record['id']}  relevant={'yes' if record['relevant'] else 'no'} ({record['relevance']:.2f})"
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
