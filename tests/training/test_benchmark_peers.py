"""Small pure pieces of training.benchmark_peers: cues, keyword baseline, ratios, the table."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from model.labels import STANCES, TOPICS
from training import benchmark_peers as bp
from training.evaluate import score

TABLE = """
| label | what it covers | typical cues |
|---|---|---|
| `nuclear_missile` | nuclear programs | ICBM, nuclear test, Yongbyon |
| `territorial_dispute` | disputes | Senkaku/Diaoyu, South China Sea |
| `not_a_topic` | ignored | foo |
"""


def rec(text, topics=(), stance=None, group="g"):
    data = {"id": text[:10], "text": text, "topics": list(topics), "stance": stance, "voices": [], "target": "t" if topics else None}
    return SimpleNamespace(data=data, group=group)


def test_parse_cues_reads_the_topic_table_and_splits_slashes():
    cues = bp.parse_cues(TABLE)
    assert cues == {"nuclear_missile": ["ICBM", "nuclear test", "Yongbyon"], "territorial_dispute": ["Senkaku", "Diaoyu", "South China Sea"]}


def test_parse_cues_of_the_project_guide_covers_every_topic():
    assert set(bp.parse_cues(bp.LABELS_MD.read_text(encoding="utf-8"))) == set(TOPICS)


def test_cue_pattern_matches_whole_words_case_and_hyphen_insensitively():
    pattern = bp.cue_pattern(["nuclear test", "ICBM"])
    assert pattern.search("after the Nuclear-Test on Monday")
    assert pattern.search("an icbm.")
    assert not pattern.search("ICBMs")  # whole words only
    assert not pattern.search("nucleartest")


def test_keyword_peer_predicts_cued_topics_and_the_majority_stance():
    peer = bp.KeywordPeer(bp.parse_cues(TABLE))
    peer.fit([rec("a", ["nuclear_missile"], "oppose"), rec("b", ["nuclear_missile"], "oppose"), rec("c", ["nuclear_missile"], "support"), rec("d")])
    on, off = peer.predict(["North Korea fired an ICBM near the Senkaku islands.", "The football final ended 2-1."])
    assert on.relevant and on.topics == ["nuclear_missile", "territorial_dispute"] and on.stance == "oppose"
    assert not off.relevant and off.topics == [] and off.stance is None
    scores = score([{"topics": ["nuclear_missile"], "stance": "oppose", "voices": []}, {"topics": [], "stance": None, "voices": []}], [on, off])
    assert scores["relevance"]["f1"] == 1.0


def test_majority_stance_ignores_off_topic_records_and_breaks_ties_in_label_order():
    assert bp.majority_stance([rec("a", ["cyber"], "oppose"), rec("b"), rec("c")]) == "oppose"
    assert bp.majority_stance([rec("a", ["cyber"], "neutral"), rec("b", ["cyber"], "support")]) == STANCES[0]


def test_make_prediction_withholds_topics_and_stance_when_not_relevant():
    p = bp.make_prediction("x", 0.2, {"cyber": 0.9}, ["cyber"], {"oppose": 0.7, "support": 0.3})
    assert not p.relevant and p.topics == [] and p.stance is None
    q = bp.make_prediction("x", 0.8, {"cyber": 0.9}, ["cyber", "diplomacy"], {"oppose": 0.7, "support": 0.3})
    assert q.relevant and q.topics == ["diplomacy", "cyber"] and q.stance == "oppose"  # topics in TOPICS order
    assert set(q.topic_scores) == set(TOPICS) and set(q.stance_scores) == set(STANCES)


def test_validation_split_keeps_events_whole_and_covers_everything():
    records = [rec(f"doc {i}", group=f"event-{i % 40}") for i in range(200)]
    fit, val = bp.validation_split(records)
    assert len(fit) + len(val) == 200 and fit and val
    assert not {r.group for r in fit} & {r.group for r in val}


def test_chunk_ids_windows():
    assert bp.chunk_ids(list(range(5)), 2) == [[0, 1], [2, 3], [4]]
    assert bp.chunk_ids([], 254) == [[]]


def test_best_threshold_maximizes_micro_f1():
    sim = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.35]])
    truth = np.array([[1, 0], [0, 1], [0, 0]])
    th = bp.best_threshold(sim, truth, grid=[0.3, 0.5, 0.85])
    assert th == 0.5


def test_ratio_and_cell_formatting():
    assert bp.ratio(0.9, 0.6) == "×1.50"
    assert bp.ratio(1.0, 0.0) == "n/a" and bp.ratio(None, 1.0) == "n/a"
    assert bp.cell(0.6, 0.9) == "0.600 (×1.50)"
    assert bp.cell(None, 0.9) == "—"
    assert bp.cell(12.34, 2.0, "{:.1f}") == "12.3 (×0.16)"
    assert bp.cell(0.9, 0.9, show_ratio=False) == "0.900"


def result(name, f1, speed, error=None):
    if error:
        return {"peer": name, "error": error}
    scores = {"relevance_f1": f1, "topic_micro_f1": f1, "topic_macro_f1": f1, "stance_macro_f1": f1}
    return {"peer": name, "scores": {"test": scores, "seeds": scores}, "train_seconds": 1.0, "docs_per_second": speed, "latency_ms": 2.0,
            "peak_rss_mb": 100.0, "size_mb": 1.0}


def test_table_puts_regsec_last_with_ratios_beside_peers_and_skips_absent_dev():
    lines = bp.table([result("regsec", 0.8, 100.0), result("keywords", 0.4, 400.0), result("fasttext", 0, 0, error="needs fasttext-numpy2")])
    assert lines[0] == "| measure | keyword cues | fastText | regsec |"
    row = next(line for line in lines if line.startswith("| corpus test split: relevance F1"))
    assert row == "| corpus test split: relevance F1 | 0.400 (×2.00) | — | 0.800 |"
    assert not any("dev" in line for line in lines)
    speed = next(line for line in lines if "articles/s" in line)
    assert "400.0 (×0.25)" in speed


def test_wins_lists_what_a_peer_does_better():
    found = bp.wins([result("regsec", 0.8, 100.0), result("keywords", 0.4, 400.0)])
    assert [w[1] for w in found] == ["batch prediction, one core (articles/s)"]
    assert bp.wins([result("keywords", 0.4, 400.0)]) == []


def test_report_names_the_command_and_the_machine():
    text = bp.report([result("regsec", 0.8, 100.0), result("tfidf_lr", 0.7, 300.0)], {"train": 10, "test": 2, "seeds": 2}, dev_present=False)
    assert "python -m training.benchmark_peers" in text and "cores" in text and "absent" in text
    assert "| measure | TF-IDF + LR | regsec |" in text


def test_missing_extra_names_the_package():
    with pytest.raises(bp.MissingExtra, match="fasttext-numpy2"):
        bp._need("surely_not_an_installed_module_xyz", "fasttext")


def test_fasttext_clean_is_one_lowercase_line():
    assert bp.FastTextPeer.clean("North Korea's ICBM,\nfired.") == "north korea ' s icbm , fired ."


class FakeFastText:
    """Stands in for a trained fastText model: fixed label probabilities."""

    def __init__(self, probs):
        self.probs = probs

    def predict(self, line, k=-1, threshold=0.0):
        labels = sorted(self.probs, key=self.probs.get, reverse=True)
        return tuple(f"__label__{label}" for label in labels), np.array([self.probs[label] for label in labels])


def test_fasttext_lines_carry_every_topic_or_offtopic():
    lines = bp.FastTextPeer._topic_lines([rec("Missile test.", ["nuclear_missile", "diplomacy"], "oppose"), rec("Football.")])
    assert lines == ["__label__nuclear_missile __label__diplomacy missile test .", "__label__offtopic football ."]
    assert bp.FastTextPeer._stance_lines([rec("Missile test.", ["nuclear_missile"], "oppose"), rec("Football.")]) == ["__label__oppose missile test ."]


def test_fasttext_prediction_rules_relevance_topics_and_stance():
    peer = bp.FastTextPeer()
    peer.stance_model = FakeFastText({"support": 0.2, "oppose": 0.7, "neutral": 0.1})
    peer.topic_model = FakeFastText({"nuclear_missile": 0.8, "diplomacy": 0.55, "cyber": 0.1, "offtopic": 0.3})
    (p,) = peer.predict(["anything"])
    assert p.relevant and p.topics == ["nuclear_missile", "diplomacy"] and p.stance == "oppose"
    peer.topic_model = FakeFastText({"nuclear_missile": 0.2, "offtopic": 0.9})
    (q,) = peer.predict(["anything"])
    assert not q.relevant and q.topics == [] and q.stance is None


def test_fasttext_package_imports_when_installed():
    fasttext = pytest.importorskip("fasttext")
    assert hasattr(fasttext, "train_supervised")


def test_why_gives_figures_and_the_reason_for_each_kind_of_win(monkeypatch):
    monkeypatch.setitem(bp.REASONS, "keywords", {"speed": "Regexes are cheap."})
    text = "\n".join(bp.why([result("regsec", 0.8, 100.0), result("keywords", 0.4, 400.0)]))
    assert text.startswith("**keyword cues** wins on batch prediction, one core (articles/s) 400.0 against regsec's 100.0.")
    assert text.endswith("Regexes are cheap.")
    assert bp.why([result("regsec", 0.8, 100.0)]) == ["No peer beats regsec on any measure in this run."]


def test_kind_of_measure():
    assert bp._kind("real articles (dev): topic macro F1") == "dev"
    assert bp._kind("training time (s)") == "train_seconds"
    assert bp._kind("one-article latency, warm (ms)") == "speed"
    assert bp._kind("model size on disk (MB)") == "size"
