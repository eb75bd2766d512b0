"""Whatever the web produces, regsec answers with a record or a clear error, never a crash,
a hang or a lost record."""

import json
import math
import os
import signal
import subprocess
import sys
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.inputs import read_documents
from model.prediction import NOT_ENGLISH, TRUNCATED

ARTICLE = "North Korea fired a ballistic missile into the sea on Tuesday, South Korea's military said, and Japan protested the launch."
REGSEC = [sys.executable, "-m", "model.cli"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400))
def test_any_unicode_text_gives_a_well_formed_record(default_model, text):
    record = default_model.predict([text])[0].to_dict()
    json.dumps(record)
    scores = [record["relevance"], *record["topic_scores"].values(), *record["stance_scores"].values(), *(v["score"] for v in record["voices"])]
    assert all(math.isfinite(s) and 0.0 <= s <= 1.0 for s in scores)
    assert record["relevant"] == bool(record["topics"]) == (record["stance"] is not None)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from([ARTICLE, "Tokyo stocks rose.", "", "北朝鮮がミサイルを発射した。" * 5, ARTICLE.upper()]), min_size=1, max_size=6),
       st.randoms())
def test_prediction_does_not_depend_on_the_batch(default_model, texts, rng):
    alone = [default_model.predict([t])[0].to_dict() for t in texts]
    order = list(range(len(texts)))
    rng.shuffle(order)
    shuffled = default_model.predict([texts[i] for i in order])
    assert [shuffled[order.index(i)].to_dict() for i in range(len(texts))] == alone


def test_non_english_articles_are_flagged_not_labeled(default_model):
    korean = "북한이 화요일 동해상으로 탄도미사일 두 발을 발사했다고 합동참모본부가 밝혔다. " * 3
    chinese = "朝鲜周二向东部海域发射了两枚弹道导弹，韩国军方表示。日本政府提出抗议。" * 3
    for pred in default_model.predict([korean, chinese]):
        assert NOT_ENGLISH in pred.flags and not pred.relevant and pred.topics == []


def test_huge_article_is_read_up_to_a_limit_and_flagged(default_model):
    pred = default_model.predict([ARTICLE + " " + "word " * 2_000_000])[0]
    assert TRUNCATED in pred.flags


def test_html_is_read_as_its_text(default_model):
    page = f"<html><head><script>var ad = 1;</script></head><body><p>{ARTICLE}</p><p>Seoul&rsquo;s allies condemned it.</p></body></html>"
    assert default_model.predict([page])[0].relevant


def test_empty_whitespace_and_odd_files_are_reported(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "blank.txt").write_text(" \n\t\n")
    (tmp_path / "loop").mkdir()
    (tmp_path / "loop" / "up").symlink_to(tmp_path)
    docs = list(read_documents([str(tmp_path / "empty.txt"), str(tmp_path / "blank.txt"), str(tmp_path / "loop")]))
    assert [d.error.split(": ", 1)[1] for d in docs] == ["empty text", "empty text", "folder holds no .txt files"]


def _run(args, stdin=None, **kwargs):
    return subprocess.run(REGSEC + args, input=stdin, capture_output=True, text=True, timeout=120, **kwargs)


def test_batch_counts_in_equal_out(tmp_path):
    lines = [json.dumps({"id": f"d{i}", "text": ARTICLE}) for i in range(5)]
    lines += ["{bad json", json.dumps({"id": "d1", "text": ARTICLE}), json.dumps({"id": "x", "body": "no text"}), "[1, 2]"]
    lines.append(json.dumps({"id": "long", "text": "a" * 5_000_000}))  # a single 5 MB line
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _run(["predict", str(path), "--format", "jsonl"])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(lines)
    assert sum("error" in r for r in records) == 3 and result.returncode == 1
    assert [r["id"] for r in records].count("d1") == 2  # duplicate ids are both answered, in input order


def test_csv_with_ragged_rows(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(f'id,text\na,"{ARTICLE}"\nb\nc,"two\nlines",extra\n', encoding="utf-8")
    records = [json.loads(line) for line in _run(["predict", str(path), "--format", "jsonl"]).stdout.splitlines()]
    assert [r["id"] for r in records] == ["a", "b", "c"]
    assert "error" not in records[0] and "no 'text' field" in records[1]["error"] and "more cells" in records[2]["error"]


def test_output_pipe_closed_early_exits_quietly(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text("".join(json.dumps({"id": str(i), "text": ARTICLE}) + "\n" for i in range(3000)), encoding="utf-8")
    result = subprocess.run(f"{sys.executable} -m model.cli predict {path} --format jsonl | head -1", shell=True, capture_output=True, text=True, timeout=120)
    assert json.loads(result.stdout)["id"] == "0"
    assert "Traceback" not in result.stderr and "Error" not in result.stderr


def test_stdin_closed_early_and_empty_stdin():
    result = _run(["predict", "-", "--format", "jsonl"], stdin="")
    assert result.returncode == 1 and json.loads(result.stdout)["error"] == "stdin: empty text"


def test_interrupt_leaves_only_complete_records(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text("".join(json.dumps({"id": str(i), "text": ARTICLE * 20}) + "\n" for i in range(200_000)), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    with open(out, "w") as handle:
        proc = subprocess.Popen(REGSEC + ["predict", str(path), "--format", "jsonl", "--batch-size", "64"], stdout=handle, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while out.stat().st_size < 20_000 and time.monotonic() < deadline:
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and b"interrupted after" in err
    lines = out.read_text().splitlines()
    assert lines and all(json.loads(line)["id"] == str(i) for i, line in enumerate(lines))


def test_missing_paths_and_unreadable_folders(tmp_path):
    result = _run(["predict", str(tmp_path / "nope.txt"), "--format", "jsonl"])
    assert result.returncode == 1 and "no such file or folder" in result.stdout
    if os.geteuid() != 0:  # root reads everything: the permission case only means something for users
        locked = tmp_path / "locked"
        locked.mkdir(mode=0)
        assert "error" in _run(["predict", str(locked), "--format", "jsonl"]).stdout
