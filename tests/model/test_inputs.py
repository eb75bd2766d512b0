import codecs
import io

from model.inputs import read_documents


def test_txt_files_and_folders(tmp_path):
    (tmp_path / "a.txt").write_text("Seoul and Tokyo signed the pact.", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("The North fired a missile.", encoding="utf-8")
    docs = list(read_documents([str(tmp_path)]))
    assert [(d.id, d.error) for d in docs] == [("a", None), ("b", None)]


def test_jsonl_bad_lines_become_error_records_and_good_ones_survive(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "1", "text": "ok text"}\nnot json\n{"id": "3"}\n{"id": "4", "text": 5}\n{"id": "5", "text": "  "}\n', encoding="utf-8")
    docs = list(read_documents([str(path)]))
    assert [d.id for d in docs] == ["1", f"{path}:2", "3", "4", "5"]
    assert docs[0].text == "ok text"
    assert "not valid JSON" in docs[1].error
    assert "no 'text' field" in docs[2].error
    assert "must be a string" in docs[3].error
    assert "empty text" in docs[4].error


def test_csv_with_custom_fields_and_embedded_newlines(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text('key,body\nk1,"line one\nline two"\nk2,second,extra\n', encoding="utf-8")
    docs = list(read_documents([str(path)], text_field="body", id_field="key"))
    assert docs[0].id == "k1" and docs[0].text == "line one\nline two"
    assert "more cells than the header" in docs[1].error


def test_unreadable_inputs_are_reported_not_raised(tmp_path):
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "latin.txt").write_bytes("Séoul".encode("latin-1"))
    (tmp_path / "utf16.txt").write_bytes(codecs.BOM_UTF16_LE + "Tokyo protested.".encode("utf-16-le"))
    docs = {d.id: d for d in read_documents([str(tmp_path / n) for n in ("bin.txt", "latin.txt", "utf16.txt", "missing.txt")])}
    assert "binary file" in docs["bin"].error
    assert "not UTF-8" in docs["latin"].error
    assert docs["utf16"].text == "Tokyo protested."
    assert "no such file" in docs[str(tmp_path / "missing.txt")].error


def test_stdin_is_one_article_or_jsonl():
    docs = list(read_documents(["-"], stdin=io.StringIO("One article.")))
    assert [(d.id, d.text) for d in docs] == [("stdin", "One article.")]
    docs = list(read_documents(["-"], input_format="jsonl", stdin=io.StringIO('{"id": "x", "text": "t"}\n')))
    assert [(d.id, d.text) for d in docs] == [("x", "t")]


def test_parquet_rows_are_read_with_their_row_numbers(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "articles.parquet"
    pq.write_table(pa.table({"doc": ["a", None, "c"], "body": ["Seoul protested.", "Tokyo replied.", None]}), path)
    docs = list(read_documents([str(path)], text_field="body", id_field="doc"))
    assert [(d.id, d.text) for d in docs[:2]] == [("a", "Seoul protested."), (f"{path}:2", "Tokyo replied.")]
    assert docs[2].id == "c" and "no 'body' field" in docs[2].error


def test_a_parquet_file_without_the_text_column_is_one_clear_error(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "articles.parquet"
    pq.write_table(pa.table({"id": ["a"], "content": ["x"]}), path)
    (doc,) = read_documents([str(path)])
    assert "no 'text' column (columns: id, content; choose one with --text-field)" in doc.error
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    (doc,) = read_documents([str(tmp_path / "broken.parquet")])
    assert doc.error.startswith(f"{tmp_path / 'broken.parquet'}: cannot read")


def test_a_line_that_is_not_utf8_is_one_error_and_its_neighbours_are_read(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"id": "a", "text": "Seoul protested."}\n{"id": "b", "text": "bad \xff byte"}\n{"id": "c", "text": "Tokyo replied."}\n')
    docs = list(read_documents([str(path)]))
    assert [d.id for d in docs] == ["a", f"{path}:2", "c"]
    assert docs[1].error.startswith(f"{path}:2: not UTF-8 text") and docs[2].text == "Tokyo replied."


def test_parquet_cannot_come_from_stdin():
    import io

    (doc,) = read_documents(["-"], input_format="parquet", stdin=io.StringIO("PAR1"))
    assert "Parquet cannot be read from stdin" in doc.error
