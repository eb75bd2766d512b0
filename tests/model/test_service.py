"""The HTTP service: every good request gets the CLI's records, every bad one a clear 4xx
JSON error (never a 500), the committed OpenAPI schema is current, and one loaded model
gives the same predictions from 8 threads at once as serially.

FastAPI tests skip when the `serve` extra is not installed; the thread test always runs."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.inputs import read_documents

ARTICLE = "North Korea fired a ballistic missile into the sea on Tuesday, South Korea's military said, and Japan protested the launch."
OTHER = "Japan scrambled fighter jets as Chinese bombers flew near Okinawa, the defense ministry in Tokyo said."
JSON = {"content-type": "application/json"}


def _test_client_class():
    """FastAPI's TestClient, or a skip when the serve extra (or its test client's HTTP library) is missing."""
    pytest.importorskip("fastapi")
    try:
        from fastapi.testclient import TestClient
    except (ImportError, RuntimeError) as exc:  # starlette raises RuntimeError without httpx2/httpx
        pytest.skip(f"fastapi.testclient is unusable: {exc}")
    return TestClient


@pytest.fixture(scope="module")
def client():
    TestClient = _test_client_class()
    from model.service import create_app

    with TestClient(create_app(), raise_server_exceptions=True) as test_client:
        yield test_client


@contextmanager
def limits(client, **changes):
    """Run with other limits on the shared app (saves loading the model again)."""
    state = client.app.state.regsec
    saved = state.limits
    state.limits = replace(saved, **changes)
    try:
        yield
    finally:
        state.limits = saved


@contextmanager
def classifier(client, clf):
    state = client.app.state.regsec
    saved = state.clf
    state.clf = clf
    try:
        yield
    finally:
        state.clf = saved


def post(client, body: bytes | str, headers=JSON):
    return client.post("/v1/predict", content=body.encode() if isinstance(body, str) else body, headers=headers)


def assert_error(response, status: int, *fragments: str):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    message = response.json()["error"]
    for fragment in fragments:
        assert fragment in message, message


# --------------------------------------------------------------------------- good requests
def test_single_text_gives_the_cli_record(client, default_model):
    response = client.post("/v1/predict", json={"text": ARTICLE})
    assert response.status_code == 200
    assert response.json() == default_model.predict([ARTICLE])[0].to_dict()


def test_single_text_with_id_and_without_voices(client, default_model):
    response = client.post("/v1/predict", json={"text": ARTICLE, "id": "a1", "voices": False})
    assert response.status_code == 200
    assert response.json() == default_model.predict([ARTICLE], ids=["a1"], voices=False)[0].to_dict()
    assert response.json()["voices"] == []


def test_documents_keep_order_and_report_bad_ones_as_records(client, default_model):
    body = {
        "documents": [
            {"id": "a", "text": ARTICLE, "title": "ignored"},
            {"id": "empty", "text": "   "},
            {"id": 7, "text": OTHER},
            {"id": "no-text"},
            "not an object",
            {"id": "number", "text": 12},
            {"id": {"x": 1}, "text": OTHER},
        ]
    }
    response = client.post("/v1/predict", json=body)
    assert response.status_code == 200
    data = response.json()
    expected = [p.to_dict() for p in default_model.predict([ARTICLE, OTHER], ids=["a", "7"])]
    results = data["results"]
    assert [results[0], results[2]] == expected
    assert results[1] == {"id": "empty", "error": "documents[1]: 'text' is empty; send the article's text"}
    assert results[3] == {"id": "no-text", "error": "documents[3]: no 'text' field"}
    assert results[4] == {"id": None, "error": "documents[4]: expected an object with 'id' and 'text', got a JSON string"}
    assert results[5] == {"id": "number", "error": "documents[5]: 'text' is a JSON number, not a string"}
    assert results[6] == {"id": None, "error": "documents[6]: 'id' must be a string or a number, not a JSON object"}
    assert (data["predicted"], data["failed"]) == (2, 5)


def test_health_ready_and_model_info(client):
    from model.artifact import DEFAULT_DIR, read_manifest

    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    manifest = read_manifest(DEFAULT_DIR)
    info = client.get("/v1/model").json()
    assert info["version"] == manifest["version"] == ready.json()["model_version"]
    assert info["artifact_sha256"] == manifest["artifact_sha256"]
    assert info["metrics_test_split"] == manifest["metrics_test_split"]
    assert info["labels"] == manifest["labels"]
    assert info["limits"] == {"max_body_bytes": 2 * 1024 * 1024, "max_documents": 100, "max_chars": 200_000, "timeout_seconds": 30.0}


def test_json_with_charset_and_lone_surrogates_is_served(client):
    body = '{"id": "\\udfff", "text": "North Korea \\ud800 fired a missile toward Japan."}'
    response = post(client, body, {"content-type": "application/json; charset=UTF-8"})
    assert response.status_code == 200
    assert json.loads(response.content)["id"] == "\udfff"


# ---------------------------------------------------------------------------- bad requests
def test_body_over_the_limit_by_content_length(client):
    with limits(client, max_body_bytes=1000):
        assert_error(client.post("/v1/predict", json={"text": "x" * 2000}), 413, "the limit is 1000 bytes")


def test_body_over_the_limit_without_content_length(client):
    def chunks():
        for _ in range(20):
            yield b" " * 100
        yield b'{"text": "x"}'

    with limits(client, max_body_bytes=1000):
        assert_error(client.post("/v1/predict", content=chunks(), headers=JSON), 413, "over the 1000 byte limit")


def test_huge_document_over_the_default_body_limit(client):
    assert_error(client.post("/v1/predict", json={"text": ARTICLE * 30_000}), 413, "the limit is 2097152 bytes")


def test_too_many_documents(client):
    with limits(client, max_documents=3):
        response = client.post("/v1/predict", json={"documents": [{"text": ARTICLE}] * 4})
    assert_error(response, 413, "4 documents; the limit is 3 per request")


def test_too_many_characters(client):
    long_text = "Japan " * 40_000  # 240,000 characters: under the body limit, over the 200,000 character one
    assert_error(client.post("/v1/predict", json={"text": long_text}), 413, "'text' is too long: 240000 characters; the limit is 200000")
    response = client.post("/v1/predict", json={"documents": [{"id": "long", "text": long_text}, {"id": "ok", "text": ARTICLE}]})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0] == {"id": "long", "error": "documents[0]: 'text' is too long: 240000 characters; the limit is 200000 per document"}
    assert results[1]["relevant"] is True


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({"content-type": "text/plain"}, "Content-Type 'text/plain' is not supported"),
        ({"content-type": "application/x-www-form-urlencoded"}, "is not supported; send the body as application/json"),
        ({}, "no Content-Type"),
        ({"content-type": "application/json; charset=latin-1"}, "charset 'latin-1' is not supported"),
        ({"content-type": "application/json", "content-encoding": "gzip"}, "content-encoding 'gzip' is not supported"),
    ],
)
def test_wrong_content_type(client, headers, fragment):
    assert_error(post(client, json.dumps({"text": ARTICLE}), headers), 415, fragment)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{broken", "malformed JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
        (b'{"text": "a"} trailing', "malformed JSON: Extra data"),
        (b"", "empty body"),
        (b'{"text": "caf\xe9"}', "body is not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "malformed JSON: RecursionError"),
        (b'{"text": "a", "id": ' + b"9" * 5000 + b"}", "malformed JSON: ValueError"),
    ],
)
def test_malformed_json(client, body, fragment):
    assert_error(post(client, body), 400, fragment)


def test_bad_content_length(client):
    assert_error(post(client, b'{"text": "a"}', {**JSON, "content-length": "abc"}), 400, "Content-Length 'abc' is not a number")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"text": ""}, "'text' is empty"),
        ({"text": " \n\t "}, "'text' is empty"),
        ({"text": 42}, "'text' is a JSON number, not a string"),
        ({"text": None}, "'text' is a JSON null, not a string"),
        ([{"text": ARTICLE}], "the body must be a JSON object such as {\"text\": \"...\"}, not a JSON array"),
        ("just a string", "not a JSON string"),
        (None, "not a JSON null"),
        (3.5, "not a JSON number"),
        ({}, "send either 'text' (one article) or 'documents' (a list of {id, text}), neither was given"),
        ({"text": ARTICLE, "documents": []}, "not both"),
        ({"text": ARTICLE, "voice": False}, "unknown field(s) 'voice'"),
        ({"text": ARTICLE, "voices": "no"}, "'voices' must be true or false, not a JSON string"),
        ({"text": ARTICLE, "id": [1]}, "'id' must be a string or a number, not a JSON array"),
        ({"documents": {"id": "a", "text": ARTICLE}}, "'documents' must be a list of {id, text} objects, not a JSON object"),
        ({"documents": []}, "'documents' is empty"),
    ],
)
def test_wrong_shape_or_empty_text(client, body, fragment):
    assert_error(post(client, json.dumps(body)), 422, fragment)


def test_unknown_path_and_wrong_method_are_json(client):
    assert_error(client.get("/v1/nothing"), 404, "Not Found")
    response = client.get("/v1/predict")
    assert_error(response, 405, "Method Not Allowed")
    assert "POST" in response.headers.get("allow", "")


class _Slow:
    """A classifier that takes its time."""

    def __init__(self, clf, seconds: float) -> None:
        self.clf, self.seconds, self.version = clf, seconds, clf.version
        self.done = threading.Event()

    def predict(self, texts, ids=None, *, voices=True):
        self.done.wait(self.seconds)
        return self.clf.predict(texts, ids, voices=voices)


def test_prediction_over_the_time_limit_is_a_504(client, default_model):
    slow = _Slow(default_model, 5.0)
    with limits(client, timeout_seconds=0.2), classifier(client, slow):
        response = client.post("/v1/predict", json={"text": ARTICLE})
    slow.done.set()  # let the abandoned thread finish now
    assert_error(response, 504, "prediction took longer than the 0.2 s limit")
    assert client.post("/v1/predict", json={"text": ARTICLE}).status_code == 200


class _Fragile:
    """A classifier with a bug: it raises on any text that holds BOOM."""

    def __init__(self, clf) -> None:
        self.clf, self.version = clf, clf.version

    def predict(self, texts, ids=None, *, voices=True):
        if any("BOOM" in t for t in texts):
            raise RuntimeError("boom")
        return self.clf.predict(texts, ids, voices=voices)


def test_a_model_bug_costs_only_the_documents_that_trigger_it(client, default_model):
    with classifier(client, _Fragile(default_model)):
        batch = client.post("/v1/predict", json={"documents": [{"id": "a", "text": ARTICLE}, {"id": "b", "text": "BOOM " + ARTICLE}]})
        single = client.post("/v1/predict", json={"text": "BOOM"})
    assert batch.status_code == 200
    results = batch.json()["results"]
    assert results[0] == default_model.predict([ARTICLE], ids=["a"])[0].to_dict()
    assert results[1] == {"id": "b", "error": "the model could not label this text (RuntimeError)"}
    assert_error(single, 422, "the model could not label this text (RuntimeError)")


def test_a_model_that_cannot_be_loaded_leaves_the_service_unready(tmp_path):
    TestClient = _test_client_class()
    from model.service import create_app

    with TestClient(create_app(tmp_path)) as unready:
        assert unready.get("/healthz").status_code == 200
        assert_error(unready.get("/v1/model"), 503, "model not loaded", "no manifest")
        ready = unready.get("/readyz")
        assert ready.status_code == 503 and ready.json()["ready"] is False and "no manifest" in ready.json()["error"]
        response = unready.post("/v1/predict", json={"text": ARTICLE})
        assert_error(response, 503, "model not loaded")
        assert response.headers["retry-after"] == "5"


def test_not_ready_before_startup():
    TestClient = _test_client_class()
    from model.service import create_app

    unstarted = TestClient(create_app())  # not entered: the lifespan (model loading) never ran
    assert unstarted.get("/readyz").status_code == 503
    assert_error(unstarted.post("/v1/predict", json={"text": ARTICLE}), 503, "model not loaded yet")


_KEYS = st.sampled_from(["text", "id", "voices", "documents", "x"]) | st.text(max_size=5)
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_JSON_VALUES)
def test_any_json_body_gets_a_record_or_a_4xx(client, body):
    response = client.post("/v1/predict", content=json.dumps(body).encode(), headers=JSON)
    assert response.status_code in (200, 413, 422), response.text
    data = response.json()
    if response.status_code == 200:
        assert "relevant" in data or "results" in data
    else:
        assert isinstance(data["error"], str) and data["error"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_any_bytes_get_a_record_or_a_4xx(client, body):
    response = post(client, body)
    assert 200 <= response.status_code < 500, response.text
    assert response.status_code == 200 or response.json()["error"]


def test_limits_are_checked_when_the_app_is_made():
    pytest.importorskip("fastapi")
    from model.service import create_app

    for bad in ({"max_body_bytes": 0}, {"max_documents": -1}, {"max_chars": 1.5}, {"timeout_seconds": 0}):
        with pytest.raises(ValueError, match="must be a positive"):
            create_app(**bad)


def test_app_from_env_reads_the_limits(monkeypatch, tmp_path):
    pytest.importorskip("fastapi")
    from model.service import app_from_env

    monkeypatch.setenv("REGSEC_MODEL_DIR", str(tmp_path))
    monkeypatch.setenv("REGSEC_MAX_DOCUMENTS", "5")
    monkeypatch.setenv("REGSEC_TIMEOUT_SECONDS", "2.5")
    state = app_from_env().state.regsec
    assert (state.model_dir, state.limits.max_documents, state.limits.timeout_seconds) == (tmp_path, 5, 2.5)
    monkeypatch.setenv("REGSEC_MAX_CHARS", "many")
    with pytest.raises(ValueError, match="REGSEC_MAX_CHARS='many' is not an integer"):
        app_from_env()


def test_serve_command_refuses_a_bad_model_folder(tmp_path):
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    import typer
    from typer.testing import CliRunner

    from model.serve_cli import serve

    app = typer.Typer()
    app.command()(serve)
    app.command("other")(lambda: None)  # two commands, so `serve` is a subcommand as in model.cli
    result = CliRunner().invoke(app, ["serve", "--model", str(tmp_path)])
    assert result.exit_code == 3
    assert "cannot load model" in result.stderr


# --------------------------------------------------------------------------------- schema
def test_committed_openapi_schema_is_current(repo):
    pytest.importorskip("fastapi")
    from model.service import create_app

    committed = json.loads((repo / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert committed == create_app().openapi(), "regenerate it: python -m model.service openapi docs/openapi.json"


# ---------------------------------------------------------------------- thread safety
def _texts(repo) -> list[str]:
    seeds = [d.text for d in read_documents([str(repo / "seeds")]) if d.error is None]
    paragraphs = [p for s in seeds for p in s.split("\n") if p.strip()]
    corpus = sorted((repo / "data" / "corpus").glob("*.jsonl"))[:4]
    articles = [json.loads(line)["text"] for path in corpus for line in path.read_text(encoding="utf-8").splitlines()[:10] if line.strip()]
    return seeds + paragraphs + articles + [ARTICLE, OTHER, "Tokyo stocks rose.", "北朝鮮がミサイルを発射した。" * 5]


def test_eight_threads_predict_what_one_does(repo):
    from model import load

    clf = load()
    texts = _texts(repo)
    ids = [str(i) for i in range(len(texts))]
    serial = [p.to_dict() for p in clf.predict(texts, ids=ids)]
    start = threading.Barrier(8)

    def work(k: int) -> list[dict]:
        start.wait()
        out = []
        for _ in range(3):  # several rounds, in a different chunking per thread, so calls overlap
            size = 1 + k % 4
            chunk = []
            for i in range(0, len(texts), size):
                chunk += [p.to_dict() for p in clf.predict(texts[i : i + size], ids=ids[i : i + size], voices=True)]
            out.append(chunk)
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(8)))
    for per_thread in results:
        for round_ in per_thread:
            assert round_ == serial
