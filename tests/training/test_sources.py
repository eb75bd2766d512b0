import json

import pytest

from training.sources import FieldMapping, load_labeled


def test_a_csv_with_other_column_names_and_labels_maps_onto_the_standard(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(
        "article,topics,stance,target,voices\n"
        '"Seoul and Tokyo signed the intelligence pact.",alliances;talks,against,the pact,[]\n'
        '"A recipe for kimchi stew.",,,,[]\n',
        encoding="utf-8",
    )
    mapping = FieldMapping(text_field="article", labels={"alliances": "alliance_cooperation", "talks": "diplomacy", "against": "oppose"})
    records, problems = load_labeled([path], mapping)
    assert problems == []
    first, second = (r.data for r in records)
    assert first["topics"] == ["alliance_cooperation", "diplomacy"] and first["stance"] == "oppose"
    assert first["id"] == "mine.csv:2" and second["id"] == "mine.csv:3"  # no id column: file and line
    assert second["topics"] == []


def test_mapping_a_label_to_nothing_drops_that_topic_and_voice_labels_are_renamed(tmp_path):
    record = {
        "doc": "n1",
        "text": "Japan backed the drill. It was large.",
        "topics": ["military_activity", "weather"],
        "stance": "pro",
        "target": "the drill",
        "voices": [{"actor": "JPN", "role": "govt", "stance": "pro", "evidence": "Japan backed the drill."}],
    }
    path = tmp_path / "mine.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    mapping = FieldMapping(id_field="doc", labels={"weather": "", "pro": "support", "govt": "government"})
    (rec,), problems = load_labeled([path], mapping)
    assert problems == []
    assert rec.data["id"] == "n1" and rec.data["topics"] == ["military_activity"]
    assert rec.data["voices"][0]["stance"] == "support" and rec.data["voices"][0]["role"] == "government"


def test_an_unmapped_label_is_still_reported_with_its_source_and_line(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "t", "topics": ["weather"], "voices": []}) + "\n", encoding="utf-8")
    _, problems = load_labeled([path], FieldMapping(labels={"storms": "cyber"}))
    problem = problems[0]
    assert (problem.source, problem.line) == (str(path), 1) and "unknown topic" in problem.message


def test_label_pairs_parse_and_a_pair_without_equals_is_refused():
    assert FieldMapping.parse_labels(["a=b", " c = "]) == {"a": "b", "c": ""}
    with pytest.raises(ValueError, match="'nope' is not old=new"):
        FieldMapping.parse_labels(["nope"])


def test_user_records_without_ids_or_with_numeric_ids_are_named_by_the_default_mapping(tmp_path):
    path = tmp_path / "mine.jsonl"
    rows = [{"text": "A recipe for stew.", "topics": [], "voices": []}, {"id": 7, "text": "A recipe for soup.", "topics": [], "voices": []}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    records, problems = load_labeled([path], FieldMapping())
    assert problems == [] and [r.data["id"] for r in records] == ["mine.jsonl:1", "7"]
    _, problems = load_labeled([path])  # the corpus is read as written: a missing id is a problem
    assert "field 'id' must be a str" in problems[0].message
