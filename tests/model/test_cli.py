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
