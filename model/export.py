"""Model files that load without running code: skops (the whole classifier, loaded only against
a reviewed allow-list of types) and ONNX (relevance and topic scores from text, for services
outside Python).

The ONNX graph is built by hand with onnx.helper rather than through skl2onnx: the fitted model
keeps numpy arrays, not scikit-learn objects, so skl2onnx would need a TfidfVectorizer rebuilt
from them and still could not express the Platt-calibrated heads with two outputs; by hand it
is twenty nodes, no extra dependency, and it computes in float64 like the numpy path (scores
agree to about 1e-15). It needs onnxruntime or another runtime with its com.microsoft Tokenizer,
as every skl2onnx text pipeline does: standard ONNX has no regular-expression tokenizer.
Not in the graph (no ONNX ops for them): text cleaning and the English check (Python regular
expressions), the stance head (it reads a per-sentence stance profile) and voices (rules and
sentence classifiers). skops, onnx and onnxruntime are imported only when used (extra `export`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from model.artifact import ArtifactError, load_artifact, sha256_of
from model.classifier import MAX_CHARS, RegsecClassifier, decide_topics
from model.labels import TOPICS

# Every type a regsec skops file may ask for beyond skops' own safe defaults (builtins, numpy
# arrays). Loading constructs these classes from stored attributes only; none runs code from
# its state. Review this list whenever a fitted classifier starts holding a new class.
SKOPS_TRUSTED_TYPES: tuple[str, ...] = (
    "model.classifier.RegsecClassifier",
    "model.features.TfidfFeatures",
    "model.hash_table.IntHashTable",
    "model.linear.LinearHeads",
    "model.register.RegisterModel",
    "model.stance_profile.StanceProfile",
    "model.tokens.WordIndex",
    "model.voices.VoiceExtractor",
)

MANIFEST_SUFFIX = ".manifest.json"  # regsec.skops -> regsec.skops.manifest.json
ONNX_TOKEN_PATTERN = r"[\pL\pN_]{2,}"  # RE2's spelling of model.features.TOKEN_PATTERN, [\w]{2,}
ONNX_LOCALE = "C.UTF-8"  # lower-casing locale; onnxruntime refuses a locale the system lacks
ONNX_OPSET = 17
ONNX_IR_VERSION = 8  # readable by onnxruntime 1.13 and later
ONNX_INPUT = "text"
ONNX_OUTPUTS = ("relevance", "topic_probabilities")
_PAD = "#"  # pads the tokenizer's rows; matches no vocabulary term (not a word character)
_EXTRA_HINT = "install regsec[export] (pip install 'regsec[export]')"


class UntrustedTypesError(ArtifactError):
    """A skops file asks for types outside SKOPS_TRUSTED_TYPES."""


def manifest_path_for(path: Path | str) -> Path:
    """Where an exported file's manifest lives: beside it, named after it."""
    path = Path(path)
    return path.with_name(path.name + MANIFEST_SUFFIX)


# ------------------------------------------------------------------------ shared
def _classifier_and_manifest(source: RegsecClassifier | Path | str, manifest: dict[str, Any] | None) -> tuple[RegsecClassifier, dict[str, Any]]:
    """A fitted classifier and its manifest, from a model folder or an in-memory classifier."""
    if isinstance(source, RegsecClassifier):
        return source, manifest or {
            "name": "regsec",
            "version": source.version,
            "labels": {"topics": list(TOPICS)},
            "topic_thresholds": dict(zip(TOPICS, source.topic_thresholds_)),
        }
    return load_artifact(source)


def _write_manifest(source_manifest: dict[str, Any], path: Path, artifact_format: str, extra: dict[str, Any]) -> dict[str, Any]:
    """The model folder's manifest, re-pointed at the exported file (with its sha256), beside it."""
    manifest = {k: v for k, v in source_manifest.items() if not k.startswith("artifact_")}
    if "artifact_sha256" in source_manifest:
        manifest["exported_from"] = {k: source_manifest[k] for k in ("artifact_file", "artifact_sha256") if k in source_manifest}
    manifest |= {
        **extra,
        "artifact_format": artifact_format,
        "artifact_file": path.name,
        "artifact_sha256": sha256_of(path),
        "artifact_bytes": path.stat().st_size,
    }
    manifest_path_for(path).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def _verify_against_manifest(path: Path) -> None:
    """Refuse a file whose sha256 differs from the manifest beside it (when there is one)."""
    manifest_path = manifest_path_for(path)
    if not manifest_path.is_file():
        return
    try:
        expected = json.loads(manifest_path.read_text(encoding="utf-8")).get("artifact_sha256")
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError) as exc:
        raise ArtifactError(f"{manifest_path}: not a valid manifest ({exc}); re-export or delete it") from exc
    if sha256_of(path) != expected:
        raise ArtifactError(f"{path}: sha256 does not match {manifest_path.name}; the file is damaged or was replaced: re-export it")


def _import(module: str) -> Any:
    """An optional dependency, or an ImportError that names the extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"regsec export needs {module.split('.')[0]}: {_EXTRA_HINT} ({exc})") from exc


# ------------------------------------------------------------------------- skops
def export_skops(source: RegsecClassifier | Path | str, out_path: Path | str, *, manifest: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write the whole classifier as a skops file (a zip of JSON and .npy arrays) and its manifest
    beside it; returns that manifest. `source` is a model folder, or a classifier with its
    folder's `manifest` (a minimal one is made without)."""
    sio = _import("skops.io")
    import zipfile

    clf, source_manifest = _classifier_and_manifest(source, manifest)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(clf, out_path, compression=zipfile.ZIP_DEFLATED)
    untrusted = set(sio.get_untrusted_types(file=out_path)) - set(SKOPS_TRUSTED_TYPES)
    if untrusted:  # the classifier grew a new class: review it, then add it to the list
        out_path.unlink()
        raise UntrustedTypesError(f"the classifier holds types not in SKOPS_TRUSTED_TYPES: {sorted(untrusted)}; review them before exporting")
    return _write_manifest(source_manifest, out_path, "skops", {"skops_version": _import("skops").__version__})


def load_skops(path: Path | str) -> RegsecClassifier:
    """Load a skops file written by `export_skops`, constructing only SKOPS_TRUSTED_TYPES (and
    skops' safe defaults); checks the sha256 against the manifest beside it when present."""
    sio = _import("skops.io")
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"{path}: no such skops file")
    _verify_against_manifest(path)
    try:
        asked = sio.get_untrusted_types(file=path)
    except Exception as exc:  # a damaged zip or schema: skops raises many kinds
        raise ArtifactError(f"{path}: not a readable skops file ({type(exc).__name__}: {exc})") from exc
    refused = sorted(set(asked) - set(SKOPS_TRUSTED_TYPES))
    if refused:
        raise UntrustedTypesError(
            f"{path}: refusing to load: it asks for types outside regsec's allow-list: {', '.join(refused)}. "
            "A regsec model holds only numpy arrays and regsec's own classes; do not load this file"
        )
    try:
        clf = sio.load(path, trusted=list(SKOPS_TRUSTED_TYPES))
    except Exception as exc:
        raise ArtifactError(f"{path}: cannot load skops file ({type(exc).__name__}: {exc})") from exc
    if not isinstance(clf, RegsecClassifier):
        raise ArtifactError(f"{path}: holds a {type(clf).__name__}, not a RegsecClassifier")
    return clf


# -------------------------------------------------------------------------- ONNX
def build_onnx(clf: RegsecClassifier, *, locale: str = ONNX_LOCALE, double: bool = True) -> Any:
    """An onnx.ModelProto: cleaned article text [N] -> relevance [N] and topic probabilities
    [N, len(TOPICS)], computed as model.features and model.linear do, in float64. `double=False`
    computes in float32: about twice as fast, scores within about 2e-6, near-tied topics may swap order."""
    onnx = _import("onnx")
    from onnx import TensorProto, helper, numpy_helper

    features, heads = clf.features_, clf.heads_
    n_heads = 1 + len(TOPICS)  # relevance, then the topics; the stance columns stay out
    terms = sorted(features.vocabulary, key=features.vocabulary.__getitem__)
    low, high = features.ngram_range
    pool, indexes, starts = [], [], []
    for n in range(1, high + 1):  # the pool lists 1-grams, then 2-grams, ... as runs of tokens
        starts.append(len(pool))
        for term in terms:
            tokens = term.split(" ")
            if len(tokens) == n:
                pool.extend(tokens)
                indexes.append(features.vocabulary[term])
    real, real_type = (np.float64, TensorProto.DOUBLE) if double else (np.float32, TensorProto.FLOAT)

    def const(name: str, value: np.ndarray, dtype: type = real) -> Any:
        return numpy_helper.from_array(np.asarray(value, dtype=dtype), name)

    initializers = [
        const("idf", features.idf),
        const("weights_f32", heads.weights[:n_heads].T, np.float32),  # stored as trained; widened when run
        const("bias", heads.bias[:n_heads]),
        const("calib_a", heads.calib_a[:n_heads]),
        const("calib_b", heads.calib_b[:n_heads]),
        const("one", 1.0),
        const("tiny", 1e-30),
        const("relevance_col", 0, np.int64),
        const("topics_start", [1], np.int64),
        const("topics_end", [n_heads], np.int64),
        const("col_axis", [1], np.int64),
    ]
    node = helper.make_node
    count_nodes = [node("Cast", ["counts_f32"], ["counts"], to=real_type)] if double else [node("Identity", ["counts_f32"], ["counts"])]
    weight_nodes = [node("Cast", ["weights_f32"], ["weights"], to=real_type)] if double else [node("Identity", ["weights_f32"], ["weights"])]
    nodes = [
        node("StringNormalizer", [ONNX_INPUT], ["lowered"], case_change_action="LOWER", is_case_sensitive=1, locale=locale),
        node("Tokenizer", ["lowered"], ["tokens"], domain="com.microsoft", mark=0, mincharnum=1, pad_value=_PAD, tokenexp=ONNX_TOKEN_PATTERN),
        node(
            "TfIdfVectorizer",
            ["tokens"],
            ["counts_f32"],
            mode="TF",
            min_gram_length=low,
            max_gram_length=high,
            max_skip_count=0,
            ngram_counts=starts,
            ngram_indexes=indexes,
            pool_strings=pool,
        ),
        *count_nodes,
        # Sublinear tf of whole counts c: log(max(c, 1)) + min(c, 1), i.e. 1 + log(c) where c > 0, else 0.
        node("Max", ["counts", "one"], ["counts_at_least_1"]),
        node("Log", ["counts_at_least_1"], ["log_counts"]),
        node("Min", ["counts", "one"], ["present"]),
        node("Add", ["log_counts", "present"], ["tf"]),
        node("Mul", ["tf", "idf"], ["tfidf"]),
        # l2 normalization after the product: (x / |x|) . W == (x . W) / |x|, on (N, heads) rather than (N, vocabulary).
        node("ReduceL2", ["tfidf"], ["norm"], axes=[1], keepdims=1),
        node("Max", ["norm", "tiny"], ["safe_norm"]),  # an empty row stays zero
        *weight_nodes,
        node("MatMul", ["tfidf", "weights"], ["raw_products"]),
        node("Div", ["raw_products", "safe_norm"], ["products"]),
        node("Add", ["products", "bias"], ["decisions"]),
        # Platt scaling as model.linear.LinearHeads.calibrate: sigmoid(-(a * decision + b)).
        node("Mul", ["decisions", "calib_a"], ["scaled"]),
        node("Add", ["scaled", "calib_b"], ["shifted"]),
        node("Neg", ["shifted"], ["logits"]),
        node("Sigmoid", ["logits"], ["probabilities"]),
        node("Gather", ["probabilities", "relevance_col"], [ONNX_OUTPUTS[0]], axis=1),
        node("Slice", ["probabilities", "topics_start", "topics_end", "col_axis"], [ONNX_OUTPUTS[1]]),
    ]
    graph = helper.make_graph(
        nodes,
        "regsec_relevance_topics",
        [helper.make_tensor_value_info(ONNX_INPUT, TensorProto.STRING, ["N"])],
        [
            helper.make_tensor_value_info(ONNX_OUTPUTS[0], real_type, ["N"]),
            helper.make_tensor_value_info(ONNX_OUTPUTS[1], real_type, ["N", len(TOPICS)]),
        ],
        initializers,
        doc_string="regsec: cleaned English article text -> relevance and topic probabilities (TF-IDF, calibrated logistic heads).",
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", ONNX_OPSET), helper.make_opsetid("com.microsoft", 1)],
        producer_name="regsec",
        producer_version=_package_version(),
        ir_version=ONNX_IR_VERSION,
    )
    helper.set_model_props(model, onnx_metadata(clf))
    onnx.checker.check_model(model)
    return model


def onnx_metadata(clf: RegsecClassifier) -> dict[str, str]:
    """What a service needs to turn the graph's scores into regsec's labels (string values; lists as JSON)."""
    return {
        "model_version": clf.version,
        "topics": json.dumps(list(TOPICS)),
        "topic_thresholds": json.dumps([float(t) for t in clf.topic_thresholds_]),
        "relevance_threshold": repr(float(clf.relevance_threshold)),
        "input": f"cleaned article text, at most {MAX_CHARS} characters (regsec cleans page noise first; plain article text also works)",
        "decision_rule": (
            "relevant = relevance >= relevance_threshold; when relevant, topics = every topic whose probability >= its threshold, "
            "highest first, or the single highest topic when none reaches its threshold; not relevant: no topics"
        ),
        "not_exported": "text cleaning, the English check, stance, voices",
        "token_pattern": ONNX_TOKEN_PATTERN,
    }


def _package_version() -> str:
    from model import __version__

    return __version__


def export_onnx(
    source: RegsecClassifier | Path | str,
    out_path: Path | str,
    *,
    manifest: dict[str, Any] | None = None,
    locale: str = ONNX_LOCALE,
    double: bool = True,
) -> dict[str, Any]:
    """Write the relevance and topic part of the model as ONNX, and its manifest beside it;
    returns that manifest. `source` as for `export_skops`; `locale` and `double` as for `build_onnx`."""
    clf, source_manifest = _classifier_and_manifest(source, manifest)
    model = build_onnx(clf, locale=locale, double=double)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(model.SerializeToString())
    extra = {"onnx_opset": ONNX_OPSET, "onnx_inputs": [ONNX_INPUT], "onnx_outputs": list(ONNX_OUTPUTS), "onnx_version": _import("onnx").__version__}
    return _write_manifest(source_manifest, out_path, "onnx", extra)


def decide(
    relevance: np.ndarray, topic_scores: np.ndarray, relevance_threshold: float, topic_thresholds: Sequence[float], topics: Sequence[str] = TOPICS
) -> list[tuple[bool, list[str]]]:
    """(relevant, topics) per document by the rule `RegsecClassifier.predict` applies (without its English check)."""
    chosen, _ = decide_topics(np.asarray(topic_scores).reshape(len(relevance), -1), topic_thresholds, topics)
    return [(True, labels) if rel >= relevance_threshold else (False, []) for rel, labels in zip(relevance, chosen)]


class OnnxScorer:
    """Run an exported ONNX model with onnxruntime: scores, and labels by the model's own thresholds.
    One thread by default, as regsec's numpy path (`threads=None`: onnxruntime's choice, every core)."""

    def __init__(self, path: Path | str, *, batch_size: int = 64, threads: int | None = 1) -> None:
        ort = _import("onnxruntime")
        path = Path(path)
        if not path.is_file():
            raise ArtifactError(f"{path}: no such ONNX file")
        _verify_against_manifest(path)
        options = ort.SessionOptions()
        if threads is not None:
            options.intra_op_num_threads = threads
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:
            hint = "; re-export with export_onnx(..., locale=...) naming a UTF-8 locale this system has" if "locale" in str(exc) else ""
            raise ArtifactError(f"{path}: onnxruntime cannot load it ({exc}){hint}") from exc
        meta = self.session.get_modelmeta().custom_metadata_map
        self.topics: list[str] = json.loads(meta["topics"])
        self.topic_thresholds: list[float] = json.loads(meta["topic_thresholds"])
        self.relevance_threshold = float(meta["relevance_threshold"])
        self.version = meta["model_version"]
        self.batch_size = batch_size

    def scores(self, texts: Sequence[str], *, clean: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Relevance (n,) and topic (n, len(topics)) probabilities; `clean` applies regsec's text
        cleaning and length cap first, as `RegsecClassifier.predict_scores` does."""
        if isinstance(texts, str):
            raise TypeError("expected a list of texts, got a single string; wrap it: scores([text])")
        prepared = [_prepare(t) for t in texts] if clean else list(texts)
        relevance, topics = np.zeros(len(prepared)), np.zeros((len(prepared), len(self.topics)))
        for start in range(0, len(prepared), self.batch_size):
            batch = np.array(prepared[start : start + self.batch_size], dtype=object)
            rel, top = self.session.run(list(ONNX_OUTPUTS), {ONNX_INPUT: batch})
            relevance[start : start + len(batch)], topics[start : start + len(batch)] = rel, top
        return relevance, topics

    def labels(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """Per text: relevant, relevance, topics and topic_scores as regsec's records give them,
        cleaned and English-checked with regsec's Python code; flags only `truncated` and
        `not_english` (no stance, no voices, so nothing that reads them)."""
        from model.language import looks_english
        from model.prediction import NOT_ENGLISH, TRUNCATED
        from model.tokens import tokenize

        if isinstance(texts, str):
            raise TypeError("expected a list of texts, got a single string; wrap it: labels([text])")
        prepared = [_prepare(t) for t in texts]
        relevance, topic_scores = self.scores(prepared, clean=False)
        decisions = decide(relevance, topic_scores, self.relevance_threshold, self.topic_thresholds, self.topics)
        out = []
        for text, cleaned, rel, scores, (relevant, topics) in zip(texts, prepared, relevance, topic_scores, decisions):
            flags = [TRUNCATED] if len(text) > MAX_CHARS else []
            if not looks_english(tokenize(cleaned)):
                flags.append(NOT_ENGLISH)
            keep = NOT_ENGLISH not in flags
            out.append(
                {
                    "relevant": relevant and keep,
                    "relevance": round(float(rel), 4),
                    "topics": topics if keep else [],
                    "topic_scores": {label: round(float(s), 4) for label, s in zip(self.topics, scores)},
                    "flags": flags,
                }
            )
        return out


def _prepare(text: str) -> str:
    from model.text_cleaning import clean_text

    return clean_text(text[:MAX_CHARS])
