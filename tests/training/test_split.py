from training.records import LabeledRecord
from training.split import is_test, split_records


def _rec(i, event):
    return LabeledRecord("f", i, {"id": f"d{i}", "event": event})


def test_documents_of_one_event_stay_together():
    records = [_rec(i, f"event-{i % 40}") for i in range(400)]
    train, test = split_records(records)
    assert {r.group for r in train}.isdisjoint({r.group for r in test})
    assert 0.1 < len(test) / len(records) < 0.3


def test_split_is_stable():
    assert [is_test(f"e{i}") for i in range(50)] == [is_test(f"e{i}") for i in range(50)]
