import json

import pytest

from training.records import check_record
from training.sources import load_labeled

GOOD = {
    "id": "x1", "title": "t", "text": "Beijing criticized the drills. Seoul defended them.",
    "topics": ["military_activity"], "target": "joint drills", "stance": "neutral",
    "voices": [{"actor": "CHN", "role": "government", "stance": "oppose", "evidence": "Beijing criticized the drills."}],
}


def test_a_good_record_has_no_problems():
    assert check_record(GOOD) == []


@pytest.mark.parametrize(
    "change, message",
    [
        ({"topics": ["weather"]}, "unknown topic"),
        ({"stance": "maybe"}, "stance 'maybe'"),
        ({"target": None}, "needs a target"),
        ({"topics": [], "target": None, "stance": "neutral", "voices": []}, "target and stance null"),
        ({"voices": [{"actor": "China", "role": "government", "stance": "oppose", "evidence": "Beijing criticized the drills."}]}, "not an ISO"),
        ({"voices": [{"actor": "CHN", "role": "state", "stance": "oppose", "evidence": "Beijing criticized the drills."}]}, "role 'state'"),
        ({"voices": [{"actor": "CHN", "role": "government", "stance": "oppose", "evidence": "Not in the text."}]}, "does not occur"),
        ({"text": 5}, "'text' must be a str"),
    ],
)
def test_each_label_error_is_named(change, message):
    assert any(message in m for m in check_record({**GOOD, **change}))


def test_every_bad_line_is_reported_with_file_and_line(tmp_path):
    path = tmp_path / "c.jsonl"
    lines = [json.dumps(GOOD), "{oops", json.dumps({**GOOD, "id": "x2", "topics": ["weather"]}), json.dumps(GOOD)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records, problems = load_labeled([path])
    assert [r.data["id"] for r in records] == ["x1"]
    assert [(p.line, p.message.split()[0]) for p in problems] == [(2, "not"), (3, "unknown"), (4, "id")]
    assert all(p.source == str(path) for p in problems)


def test_csv_source_through_datasets(tmp_path):
    path = tmp_path / "c.csv"
    row = {**GOOD, "topics": json.dumps(GOOD["topics"]), "voices": json.dumps(GOOD["voices"])}
    import csv

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    records, problems = load_labeled([path])
    assert problems == [] and records[0].data["voices"][0]["actor"] == "CHN"


def test_missing_path_is_a_problem_not_a_crash(tmp_path):
    records, problems = load_labeled([tmp_path / "none.jsonl"])
    assert records == [] and "no such file" in problems[0].message
