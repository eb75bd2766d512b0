"""model.dask on a two-worker LocalCluster over loopback: the same records as clf.predict, the
model unpickled once per worker, bad rows as error rows, and file round trips."""

import json

import pytest

pytest.importorskip("distributed")
pytest.importorskip("dask.dataframe")

import dask  # noqa: E402
import dask.dataframe as dd  # noqa: E402
import pandas as pd  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

from model import dask as regsec_dask  # noqa: E402
from model.artifact import ArtifactError  # noqa: E402
from model.batch import BatchCounts, run_batch  # noqa: E402
from model.inputs import read_documents  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None, processes=True) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster):
    with Client(cluster) as active:
        yield active


@pytest.fixture(scope="module")
def articles(repo):
    records = [json.loads(line) for path in sorted((repo / "data" / "corpus").glob("*.jsonl")) for line in path.read_text(encoding="utf-8").splitlines()]
    return [(r["id"], r["text"]) for r in records[::25][:60]]


def test_partitions_give_the_records_clf_predict_gives(client, articles, default_model):
    frame = pd.DataFrame({"id": [i for i, _ in articles], "text": [t for _, t in articles]}, index=pd.RangeIndex(100, 100 + len(articles)))
    predicted = regsec_dask.predict_partitions(dd.from_pandas(frame, npartitions=6)).compute()

    expected = [p.to_dict() for p in default_model.predict([t for _, t in articles], ids=[i for i, _ in articles])]
    assert regsec_dask.frame_records(predicted) == expected
    assert list(predicted.index) == list(frame.index)  # rows line up with the input, so they can be joined back
    assert list(predicted.columns) == list(regsec_dask.output_meta().columns)


def test_the_model_is_unpickled_once_per_worker(client, articles):
    frame = dd.from_pandas(pd.DataFrame({"id": [i for i, _ in articles], "text": [t for _, t in articles]}), npartitions=8)
    regsec_dask.predict_partitions(frame).compute()
    regsec_dask.predict_partitions(frame, voices=False).compute()  # a second call reuses each worker's copy
    loads = client.run(regsec_dask.model_loads)
    assert len(loads) == 2 and set(loads.values()) == {1}  # 16 partitions over 2 workers, one unpickling each


def test_bad_rows_become_error_rows(client, articles):
    good_id, good_text = articles[0]
    frame = pd.DataFrame({"id": [good_id, "empty", "none", "number", None], "text": [good_text, "  ", None, 42, good_text]}, dtype=object)
    with dask.config.set({"dataframe.convert-string": False}):  # by default Dask would turn 42 into "42"
        mixed = dd.from_pandas(frame, npartitions=1)
    records = regsec_dask.frame_records(regsec_dask.predict_partitions(mixed).compute())
    assert records[0]["id"] == good_id and "error" not in records[0]
    assert records[1:4] == [
        {"id": "empty", "error": "empty: empty text"},
        {"id": "none", "error": "partition 0 row 2: no 'text' value"},
        {"id": "number", "error": "partition 0 row 3: column 'text' must be a string, got int"},
    ]
    assert records[4]["id"] == "partition 0 row 4" and "error" not in records[4]


def test_a_missing_text_column_or_model_is_refused_before_any_work(client, tmp_path):
    frame = dd.from_pandas(pd.DataFrame({"id": ["a"], "body": ["Seoul and Tokyo ..."]}), npartitions=1)
    with pytest.raises(ValueError, match="no 'text' column \\(columns: id, body\\)"):
        regsec_dask.predict_partitions(frame)
    with pytest.raises(ArtifactError, match="no manifest"):
        regsec_dask.predict_partitions(frame, text_column="body", model_dir=tmp_path)


def test_output_survives_to_parquet_and_to_json(client, articles, tmp_path):
    frame = dd.from_pandas(pd.DataFrame({"id": [i for i, _ in articles[:10]] + ["bad"], "text": [t for _, t in articles[:10]] + [""]}), npartitions=3)
    predicted = regsec_dask.predict_partitions(frame)
    records = regsec_dask.frame_records(predicted.compute())
    predicted.to_parquet(tmp_path / "parquet")
    predicted.to_json(str(tmp_path / "json" / "*.jsonl"), orient="records", lines=True)

    assert regsec_dask.frame_records(pd.read_parquet(tmp_path / "parquet", dtype_backend="pyarrow")) == records
    from_json = [json.loads(line) for path in sorted((tmp_path / "json").glob("*.jsonl")) for line in path.read_text().splitlines()]
    assert [{k: v for k, v in row.items() if v is not None} if row["error"] else {k: v for k, v in row.items() if k != "error"} for row in from_json] == records


@pytest.fixture(scope="module")
def jsonl_file(tmp_path_factory, articles):
    lines = [json.dumps({"id": i, "text": t}) for i, t in articles]
    lines[4] = "{not json"
    lines[9] = json.dumps({"id": "empty", "text": ""})
    lines[30] = json.dumps({"id": "no-text", "body": "elsewhere"})
    path = tmp_path_factory.mktemp("dask_files") / "articles.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_files_round_trip_to_the_cli_records(cluster, jsonl_file, articles, default_model, tmp_path):
    later = tmp_path / "zz_first.jsonl"  # given first, sorts last: output follows the order given
    later.write_text("".join(json.dumps({"id": f"z{i}", "text": t}) + "\n" for i, (_, t) in enumerate(articles[:5])), encoding="utf-8")
    counts = regsec_dask.predict_files_with_dask([str(later), str(jsonl_file)], cluster.scheduler_address, tmp_path / "out", blocksize="64MiB")

    expected = []
    expected_counts = run_batch(default_model, read_documents([str(later), str(jsonl_file)]), expected.append)
    parts = sorted((tmp_path / "out").iterdir())
    assert [p.name for p in parts] == ["part-00000.jsonl", "part-00001.jsonl"]
    assert [json.loads(line) for part in parts for line in part.read_text(encoding="utf-8").splitlines()] == expected
    assert counts == expected_counts == BatchCounts(read=65, predicted=62, failed=3)


def test_jsonl_is_split_into_blocks_with_order_and_counts_kept(cluster, jsonl_file, default_model, tmp_path):
    counts = regsec_dask.predict_files_with_dask([str(jsonl_file)], cluster.scheduler_address, tmp_path / "out", voices=False)  # blocks sized for 2 workers

    parts = sorted((tmp_path / "out").iterdir())
    records = [json.loads(line) for part in parts for line in part.read_text(encoding="utf-8").splitlines()]
    expected = []
    run_batch(default_model, read_documents([str(jsonl_file)]), expected.append, voices=False)
    assert len(parts) > 1 and counts.read == 60 and counts.failed == 3
    assert [r for r in records if "error" not in r] == [r for r in expected if "error" not in r]
    assert [r["id"] for r in records if "error" in r][1:] == ["empty", "no-text"]  # the malformed line is named by its block


def test_parquet_files_round_trip(cluster, articles, default_model, tmp_path):
    source = tmp_path / "articles.parquet"
    pd.DataFrame({"id": [i for i, _ in articles[:20]] + ["blank"], "text": [t for _, t in articles[:20]] + [None]}).to_parquet(source)
    counts = regsec_dask.predict_files_with_dask([str(source)], cluster.scheduler_address, tmp_path / "out", model_dir=None)

    written = pd.read_parquet(tmp_path / "out", dtype_backend="pyarrow")
    records = regsec_dask.frame_records(written)
    expected = [p.to_dict() for p in default_model.predict([t for _, t in articles[:20]], ids=[i for i, _ in articles[:20]])]
    assert records[:20] == expected
    assert records[20] == {"id": "blank", "error": "partition 0 row 20: no 'text' value"}
    assert counts == BatchCounts(read=21, predicted=20, failed=1)


def test_csv_files_round_trip(cluster, articles, default_model, tmp_path):
    source = tmp_path / "articles.csv"
    pd.DataFrame({"id": [i for i, _ in articles[:8]], "text": [t for _, t in articles[:8]]}).to_csv(source, index=False)
    regsec_dask.predict_files_with_dask([str(source)], cluster.scheduler_address, tmp_path / "out")
    expected = tmp_path / "expected.csv"
    with open(expected, "w", encoding="utf-8", newline="") as handle:
        from model.output import Writer

        writer = Writer(handle, "csv")
        run_batch(default_model, read_documents([str(source)]), writer.write)
        writer.close()
    assert (tmp_path / "out" / "part-00000.csv").read_text(encoding="utf-8") == expected.read_text(encoding="utf-8")


def test_files_are_checked_before_the_cluster_is_used(tmp_path):
    (tmp_path / "a.jsonl").write_text("{}\n")
    (tmp_path / "b.csv").write_text("id,text\n")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "old.jsonl").write_text("{}\n")
    address = "tcp://127.0.0.1:9"  # nothing listens there: each error must come first
    with pytest.raises(FileNotFoundError, match="missing.jsonl: no such file"):
        regsec_dask.predict_files_with_dask([str(tmp_path / "missing.jsonl")], address, tmp_path / "out")
    with pytest.raises(ValueError, match="inputs mix formats \\(csv, jsonl\\)"):
        regsec_dask.predict_files_with_dask([str(tmp_path / "a.jsonl"), str(tmp_path / "b.csv")], address, tmp_path / "out")
    with pytest.raises(FileExistsError, match="not empty"):
        regsec_dask.predict_files_with_dask([str(tmp_path / "a.jsonl")], address, tmp_path / "full")


def test_the_cli_predicts_on_a_scheduler_into_a_folder(cluster, jsonl_file, tmp_path):
    from typer.testing import CliRunner

    from model.cli import EXIT_RECORD_ERRORS, app

    result = CliRunner().invoke(app, ["predict", str(jsonl_file), "--scheduler", cluster.scheduler_address, "--output", str(tmp_path / "labels")])
    assert result.exit_code == EXIT_RECORD_ERRORS  # the three bad lines of jsonl_file
    assert "60 records, 57 labeled, 3 failed" in result.stderr
    records = [json.loads(line) for part in sorted((tmp_path / "labels").iterdir()) for line in part.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 60
    again = CliRunner().invoke(app, ["predict", str(jsonl_file), "--scheduler", cluster.scheduler_address])
    assert again.exit_code == 2 and "--scheduler needs --output" in again.stderr
