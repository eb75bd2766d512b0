import json

from typer.testing import CliRunner

from model.cli import EXIT_MODEL_ERROR, EXIT_RECORD_ERRORS, app

runner = CliRunner()


def test_predict_seed_folder_as_jsonl(repo):
    result = runner.invoke(app, ["predict", str(repo / "seeds"), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["000_81cfaf9f30d2f96d", "001_0b52452658012fa5"]
    assert all(r["relevant"] and isinstance(r["voices"], list) for r in records)


def test_bad_records_are_reported_and_good_ones_still_predicted(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text('{"id": "good", "text": "Japan scrambled jets as Chinese bombers flew near Okinawa."}\n{broken\n{"id": "empty", "text": ""}\n')
    result = runner.invoke(app, ["predict", str(path), "--format", "jsonl"])
    assert result.exit_code == EXIT_RECORD_ERRORS
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [("error" in r) for r in records] == [False, True, True]
    assert "2 of 3 inputs failed" in result.stderr


def test_stdin_and_table_format():
    result = runner.invoke(app, ["predict", "-"], input="North Korea fired two ballistic missiles toward the East Sea, Seoul's military said.")
    assert result.exit_code == 0
    assert result.stdout.startswith("stdin  relevant=yes")


def test_model_that_cannot_be_loaded(tmp_path, repo):
    result = runner.invoke(app, ["predict", str(repo / "seeds"), "--model", str(tmp_path)])
    assert result.exit_code == EXIT_MODEL_ERROR
    assert "cannot load model" in result.stderr


def test_csv_output_has_a_row_per_input(repo):
    result = runner.invoke(app, ["predict", str(repo / "seeds"), "--format", "csv"])
    assert result.exit_code == 0
    assert len(result.stdout.strip().splitlines()) == 3


def test_parquet_in_parquet_out_and_jsonl_to_a_file(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "text": ["China protested the Japanese drill near the Senkakus.", ""]}), source)
    result = runner.invoke(app, ["predict", str(source), "-o", str(tmp_path / "out.parquet"), "-q"])
    assert result.exit_code == EXIT_RECORD_ERRORS
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert rows[0]["relevant"] and rows[1]["error"] == "b: empty text"
    result = runner.invoke(app, ["predict", str(source), "-o", str(tmp_path / "out.jsonl"), "-q"])
    assert [json.loads(line)["id"] for line in (tmp_path / "out.jsonl").read_text().splitlines()] == ["a", "b"]


def test_parquet_to_stdout_is_a_usage_error(repo):
    result = runner.invoke(app, ["predict", str(repo / "seeds"), "--format", "parquet"])
    assert result.exit_code == 2 and "parquet output needs a file" in result.stderr


def test_compare_a_model_with_itself_finds_nothing_worse(tmp_path, repo):
    from model.artifact import DEFAULT_DIR

    data = tmp_path / "gold.jsonl"
    data.write_text("".join(line + "\n" for line in (repo / "data" / "corpus" / "ot_01.jsonl").read_text().splitlines()[:20]))
    result = runner.invoke(app, ["compare", str(DEFAULT_DIR), str(DEFAULT_DIR), "--data", str(data), "--report", str(tmp_path / "c.md")])
    assert result.exit_code == 0, result.output
    assert "gold (20 documents): relevance F1" in result.stdout
    assert "None: no headline metric is worse" in (tmp_path / "c.md").read_text()


def test_suggest_writes_label_records_to_correct(tmp_path, repo):
    rows = [json.loads(line) for line in (repo / "data" / "corpus" / "wa_01.jsonl").read_text().splitlines()[:30]]
    unlabeled = tmp_path / "unlabeled.jsonl"
    unlabeled.write_text("".join(json.dumps({"id": r["id"], "text": r["text"]}) + "\n" for r in rows) + '{"id": "empty", "text": ""}\n')
    result = runner.invoke(app, ["suggest", "--data", str(unlabeled), "-n", "5", "-o", str(tmp_path / "next.jsonl")])
    assert result.exit_code == EXIT_RECORD_ERRORS  # the empty record is reported
    assert "skipped empty: empty text" in result.stderr and f"suggested 5 of {len(rows)} articles" in result.stderr
    picked = [json.loads(line) for line in (tmp_path / "next.jsonl").read_text().splitlines()]
    assert len({r["id"] for r in picked}) == 5 and all({"topics", "stance", "voices", "suggest"} <= set(r) for r in picked)


def test_two_jobs_write_what_one_job_writes(tmp_path, repo):
    rows = [json.loads(line) for line in (repo / "data" / "corpus" / "nk_01.jsonl").read_text().splitlines()[:12]]
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(json.dumps({"id": r["id"], "text": r["text"]}) + "\n" for r in rows) + "{broken\n")
    one = runner.invoke(app, ["predict", str(path), "-f", "jsonl", "--batch-size", "5"])
    two = runner.invoke(app, ["predict", str(path), "-f", "jsonl", "--batch-size", "5", "--jobs", "2"])
    assert one.exit_code == two.exit_code == EXIT_RECORD_ERRORS
    assert two.stdout == one.stdout and len(two.stdout.splitlines()) == 13


def test_an_output_that_is_an_input_or_cannot_be_written_is_a_usage_error(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "text": "Seoul protested the drill."}\n')
    same = runner.invoke(app, ["predict", str(path), "-o", str(path)])
    assert same.exit_code == 2 and "is one of the inputs" in same.stderr
    assert path.read_text() == '{"id": "a", "text": "Seoul protested the drill."}\n'  # untouched
    nowhere = runner.invoke(app, ["predict", str(path), "-o", str(tmp_path / "missing" / "out.jsonl")])
    assert nowhere.exit_code == 2 and "cannot write" in nowhere.stderr


def test_export_to_a_folder_that_does_not_exist_yet(tmp_path):
    import pytest

    pytest.importorskip("onnx")
    result = runner.invoke(app, ["export", "--format", "onnx", "--out", str(tmp_path / "dist")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == ["regsec.onnx", "regsec.onnx.manifest.json"]
