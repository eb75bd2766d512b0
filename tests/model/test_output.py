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
