import csv
import io
import json

import pytest

from model.output import Writer

RECORD = {
    "id": "a", "relevant": True, "relevance": 0.9, "topics": ["diplomacy"], "topic_scores": {"diplomacy": 0.8},
    "stance": "neutral", "stance_scores": {"support": 0.1, "oppose": 0.2, "neutral": 0.7}, "voices": [], "model_version": "v",
}
ERROR = {"id": "b", "error": "b: empty text"}


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "table"])
def test_every_format_writes_every_record(fmt):
    out = io.StringIO()
    writer = Writer(out, fmt)
    writer.write(RECORD)
    writer.write(ERROR)
    writer.close()
    text = out.getvalue()
    if fmt == "jsonl":
        assert [json.loads(line)["id"] for line in text.splitlines()] == ["a", "b"]
    elif fmt == "json":
        assert [r["id"] for r in json.loads(text)] == ["a", "b"]
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert rows[0]["topics"] == "diplomacy" and rows[1]["error"] == "b: empty text"
    else:
        assert "stance: neutral" in text and "ERROR b: empty text" in text


def test_empty_json_output_is_an_empty_array():
    out = io.StringIO()
    Writer(out, "json").close()
    assert json.loads(out.getvalue()) == []


def test_parquet_output_keeps_every_record_and_its_nested_fields(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    from model import output

    monkeypatch.setattr(output, "PARQUET_ROWS", 2)  # several row groups
    writer = output.ParquetWriter(tmp_path / "out.parquet")
    for record in (RECORD, ERROR, {**RECORD, "id": "c"}):
        writer.write(record)
    writer.close()
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["topics"] == ["diplomacy"] and rows[0]["stance_scores"]["neutral"] == 0.7 and rows[0]["error"] is None
    assert rows[1]["error"] == "b: empty text" and rows[1]["relevant"] is None
    assert pq.ParquetFile(tmp_path / "out.parquet").num_row_groups == 2


def test_the_output_format_follows_the_file_suffix_unless_given():
    from pathlib import Path

    from model.output import format_for

    assert format_for(None, None) == "table"
    assert format_for(Path("labels.parquet"), None) == "parquet"
    assert format_for(Path("labels.out"), "jsonl") == "jsonl"
    with pytest.raises(ValueError, match="cannot tell the format"):
        format_for(Path("labels.out"), None)
