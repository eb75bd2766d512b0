"""The regsec classifier: relevance, multi-label topics and document stance over shared
TF-IDF features, each head a calibrated logistic regression, plus voices.

scikit-learn conventions: the constructor stores parameters; `fit` learns attributes ending
in `_`. Fitting uses scikit-learn; the fitted model keeps only numpy arrays (model.features,
model.linear), so prediction never imports scikit-learn."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from model.features import TfidfFeatures, make_vectorizer
from model.labels import STANCES, TOPICS
from model.language import looks_english
from model.linear import heads_from_sklearn, normalize_rows
from model.prediction import NOT_ENGLISH, TRUNCATED, UNCERTAIN, UNFAMILIAR, Prediction
from model.register import RegisterModel
from model.sentences import sentence_tokens, split_sentences
from model.stance_profile import StanceProfile, out_of_fold_profiles
from model.text_cleaning import clean_text
from model.tokens import TokenBatch, WordIndex, tokenize
from model.voices import VoiceExtractor

_THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)
MAX_CHARS = 200_000  # about 30,000 words: longer inputs are read up to here and flagged
# When to flag a prediction. Set once, as round numbers, after looking at how scores spread on the
# corpus test split and dev (not searched or tuned); `regsec evaluate` reports whether flagged records
# are wrong more often. Relevance within this distance of its threshold, or a top stance score below
# this, is flagged `uncertain`; a known-word share below this is flagged `unfamiliar` (every corpus
# and dev article is above it).
UNCERTAIN_RELEVANCE_MARGIN = 0.25
UNCERTAIN_STANCE_SCORE = 0.5
UNFAMILIAR_WORD_SHARE = 0.5


class RegsecClassifier:
    """Fit on labeled articles, predict `Prediction`s for new ones."""

    def __init__(
        self,
        *,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 2,
        C: float = 10.0,
        folds: int = 5,
        relevance_threshold: float = 0.5,
        seed: int = 0,
        version: str = "unversioned",
    ) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.C = C
        self.folds = folds
        self.relevance_threshold = relevance_threshold
        self.seed = seed
        self.version = version

    def get_params(self) -> dict[str, object]:
        """The constructor arguments, as scikit-learn estimators report them."""
        return {name: getattr(self, name) for name in ("ngram_range", "min_df", "C", "folds", "relevance_threshold", "seed", "version")}

    # ----------------------------------------------------------------- training
    def fit(
        self,
        texts: Sequence[str],
        topics: Sequence[Sequence[str]],
        stances: Sequence[str | None],
        groups: Sequence[str],
        voices: Sequence[Sequence[dict[str, Any]]] | None = None,
        registers: Sequence[str | None] | None = None,
    ) -> RegsecClassifier:
        """Learn all heads. `groups` (one event id per text) keep related articles in the
        same cross-validation fold, for calibration and threshold tuning; `voices` (the
        records' voice lists) teach the voice extractor; `registers` (wire, op_ed, state_media,
        ...; None where unknown) teach the register the stance head reads."""
        _check_documents(texts)
        if not (len(texts) == len(topics) == len(stances) == len(groups)):
            raise ValueError("texts, topics, stances and groups must have the same length")
        if registers is not None and len(registers) != len(texts):
            raise ValueError("registers must have one entry per text (None where unknown)")
        groups = np.asarray(groups)
        cleaned = [clean_text(t) for t in texts]
        vectorizer = make_vectorizer(ngram_range=self.ngram_range, min_df=self.min_df)
        X = vectorizer.fit_transform(cleaned)

        relevant = np.array([bool(t) for t in topics])
        heads = [self._calibrated(X, relevant.astype(int), groups)]
        Y = np.array([[label in doc_topics for label in TOPICS] for doc_topics in topics], dtype=int)
        self.topic_thresholds_ = []
        for k, label in enumerate(TOPICS):
            if Y[:, k].sum() < self.folds:
                raise ValueError(f"topic {label!r} has {Y[:, k].sum()} documents; need at least {self.folds}")
            head = self._calibrated(X, Y[:, k], groups)
            heads.append(head)
            self.topic_thresholds_.append(_best_f1_threshold(Y[:, k], self._out_of_fold_proba(X, Y[:, k], groups, head)))

        # Stance reads the n-grams and the room each side gets (a profile of sentence stances,
        # out of fold for the training articles so the head learns how reliable it is).
        from scipy.sparse import csr_matrix, hstack

        rel_idx = np.flatnonzero(relevant)
        rel_texts = [cleaned[i] for i in rel_idx]
        rel_voices = [voices[i] if voices is not None else [] for i in rel_idx]
        profiles = out_of_fold_profiles(rel_texts, rel_voices, groups[rel_idx], self.folds, self.seed)
        self.register_ = RegisterModel(folds=self.folds, seed=self.seed)
        rel_registers = [registers[i] if registers is not None else None for i in rel_idx]
        profiles = np.hstack([profiles, self.register_.fit_out_of_fold(X[rel_idx], rel_registers, groups[rel_idx])])
        y_stance = np.array([STANCES.index(stances[i]) for i in rel_idx])
        stance_head = self._calibrated(hstack([X[rel_idx], csr_matrix(profiles)]).tocsr(), y_stance, groups[rel_idx])
        self.stance_classes_ = [STANCES[c] for c in stance_head.classes_]
        self.profile_ = StanceProfile(seed=self.seed).fit(rel_texts, rel_voices)
        heads.append(stance_head)

        self.features_ = TfidfFeatures.from_vectorizer(vectorizer)
        self.heads_ = heads_from_sklearn(heads, n_features=X.shape[1])
        # The stance head's weights for the profile and register columns, which follow the n-grams
        # (the name is older than the register columns; models before 0.3.0 have the profile's only).
        self.profile_weights_ = stance_head.calibrated_classifiers_[0].estimator.coef_[:, X.shape[1] :].T.copy()
        self.voices_ = VoiceExtractor(folds=self.folds, seed=self.seed).fit(
            [cleaned[i] for i in rel_idx], [voices[i] if voices is not None else [] for i in rel_idx], groups[rel_idx]
        )
        self._share_word_index()
        return self

    def _share_word_index(self) -> None:
        """One word index for every feature space, so prediction looks each token up once."""
        spaces = [self.features_, *self.profile_.feature_spaces(), *self.voices_.feature_spaces()]
        words = WordIndex(word for space in spaces for word in space.words())
        for space in spaces:
            space.use_words(words)

    def _estimator(self) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000, random_state=self.seed)

    def _splits(self, y: np.ndarray, groups: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        from sklearn.model_selection import GroupKFold

        return list(GroupKFold(n_splits=self.folds).split(np.zeros(len(y)), y, groups))

    def _calibrated(self, X: Any, y: np.ndarray, groups: np.ndarray) -> Any:
        """Logistic regression fit on all rows, sigmoid-calibrated on out-of-fold scores."""
        from sklearn.calibration import CalibratedClassifierCV

        head = CalibratedClassifierCV(self._estimator(), method="sigmoid", cv=self._splits(y, groups), ensemble=False)
        return head.fit(X, y)

    def _out_of_fold_proba(self, X: Any, y: np.ndarray, groups: np.ndarray, head: Any) -> np.ndarray:
        """Positive-class probabilities for rows never seen in training: out-of-fold decisions
        through the head's own sigmoid calibrator (fit on those same out-of-fold decisions)."""
        from sklearn.model_selection import cross_val_predict

        decisions = cross_val_predict(self._estimator(), X, y, cv=self._splits(y, groups), method="decision_function")
        return head.calibrated_classifiers_[0].calibrators[0].predict(decisions)

    # --------------------------------------------------------------- prediction
    def predict_scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Relevance (n,), topic (n, len(TOPICS)) and stance (n, len(STANCES)) probabilities."""
        _check_documents(texts)
        return self._scores(TokenBatch.from_sentences([sentence_tokens(clean_text(t[:MAX_CHARS])) for t in texts]))

    def _scores(self, batch: TokenBatch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Scores of a tokenized batch of articles."""
        rows = self.features_.transform_articles(batch)
        decisions = self.heads_.decisions(rows)
        evidence = [self.profile_.transform_batch(batch)]
        if getattr(self, "register_", None) is not None:  # models before 0.3.0 read no register
            evidence.append(self.register_.probabilities(rows))
        decisions[:, 1 + len(TOPICS) :] += np.hstack(evidence) @ self.profile_weights_
        proba = self.heads_.calibrate(decisions)
        relevance, topic_scores = proba[:, 0], proba[:, 1 : 1 + len(TOPICS)]
        stance_part = proba[:, 1 + len(TOPICS) :]
        if len(self.stance_classes_) == 2:  # a binary head has one row: the second class
            stance_part = np.column_stack([1.0 - stance_part[:, 0], stance_part[:, 0]])
        else:
            stance_part = normalize_rows(stance_part)
        stance_scores = np.zeros((len(batch), len(STANCES)))
        for j, label in enumerate(self.stance_classes_):
            stance_scores[:, STANCES.index(label)] = stance_part[:, j]
        return relevance, topic_scores, stance_scores

    def predict(
        self, texts: Sequence[str], ids: Sequence[str | None] | None = None, *, voices: bool = True, batch_size: int | None = None
    ) -> list[Prediction]:
        """One `Prediction` per text; a text judged not relevant gets no topics, stance or voices.
        `voices=False` skips who-stands-where, the costliest step, for bulk scoring; `batch_size`
        bounds how many texts are featurized at once (the results are the same)."""
        with_voices = voices
        _check_documents(texts)
        ids = list(ids) if ids is not None else [None] * len(texts)
        if batch_size is not None and len(texts) > batch_size > 0:
            return [
                p
                for start in range(0, len(texts), batch_size)
                for p in self.predict(texts[start : start + batch_size], ids[start : start + batch_size], voices=voices)
            ]
        cleaned = [clean_text(t[:MAX_CHARS]) for t in texts]
        split = [split_sentences(text) for text in cleaned]
        batch = TokenBatch.from_sentences([[tokenize(sentence) for sentence in sentences] for sentences in split])
        english = [looks_english(words) for words in batch.article_tokens()]
        familiar = (self.features_.known_word_shares(batch) >= UNFAMILIAR_WORD_SHARE).tolist()
        relevance, topic_scores, stance_scores = self._scores(batch)
        # Decisions for the whole batch in numpy; the loop below only assembles records.
        chosen_topics, any_above = decide_topics(topic_scores, self.topic_thresholds_)
        likeliest_stance = np.argmax(stance_scores, axis=1).tolist()
        sure_stance = (stance_scores.max(axis=1) >= UNCERTAIN_STANCE_SCORE).tolist()
        near_threshold = (np.abs(relevance - self.relevance_threshold) < UNCERTAIN_RELEVANCE_MARGIN).tolist()
        relevant = [bool(r) and e for r, e in zip((relevance >= self.relevance_threshold).tolist(), english)]
        voiced = [i for i in range(len(texts)) if relevant[i]] if with_voices else []
        found = dict(zip(voiced, self.voices_.extract_many([split[i] for i in voiced], batch.subset(voiced))))
        relevance, topic_scores, stance_scores = relevance.tolist(), topic_scores.tolist(), stance_scores.tolist()
        out = []
        for i, doc_id in enumerate(ids):
            flags = [TRUNCATED] if len(texts[i]) > MAX_CHARS else []
            if not english[i]:
                flags.append(NOT_ENGLISH)
            elif not familiar[i]:
                flags.append(UNFAMILIAR)
            uncertain = near_threshold[i]
            topics: list[str] = []
            stance = None
            if relevant[i]:
                topics = chosen_topics[i]
                uncertain = uncertain or not any_above[i] or not sure_stance[i]
                stance = STANCES[likeliest_stance[i]]
            if uncertain and english[i]:
                flags.append(UNCERTAIN)
            out.append(
                Prediction(
                    id=doc_id,
                    relevant=relevant[i],
                    relevance=round(relevance[i], 4),
                    topics=topics,
                    topic_scores={label: round(score, 4) for label, score in zip(TOPICS, topic_scores[i])},
                    stance=stance,
                    stance_scores={label: round(score, 4) for label, score in zip(STANCES, stance_scores[i])},
                    model_version=self.version,
                    voices=found.get(i, []),
                    flags=flags,
                )
            )
        return out


def decide_topics(topic_scores: np.ndarray, thresholds: Sequence[float], labels: Sequence[str] = TOPICS) -> tuple[list[list[str]], list[bool]]:
    """Per document, the topics at or above their thresholds, likeliest first, and whether there
    was any: a relevant document has at least one topic, so one with none gets its likeliest
    (and `predict` flags it uncertain)."""
    above = (topic_scores >= np.asarray(thresholds)).tolist()
    order = np.argsort(-topic_scores, axis=1, kind="stable").tolist()
    chosen = [[labels[k] for k in ranked if row[k]] for ranked, row in zip(order, above)]
    return [topics or [labels[ranked[0]]] for topics, ranked in zip(chosen, order)], [bool(topics) for topics in chosen]


def _check_documents(texts: object) -> None:
    if isinstance(texts, str):
        raise TypeError("expected a list of texts, got a single string; wrap it: predict([text])")


def _best_f1_threshold(y: np.ndarray, proba: np.ndarray) -> float:
    """The probability cut-off that maximizes F1 on out-of-fold predictions."""
    best, best_f1 = 0.5, -1.0
    for t in _THRESHOLD_GRID:
        pred = proba >= t
        tp = int((pred & (y == 1)).sum())
        f1 = 2 * tp / max(1, int(pred.sum()) + int(y.sum()))
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return best
