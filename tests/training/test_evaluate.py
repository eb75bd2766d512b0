from training.evaluate import read_seeds, score, seed_table
from training.report import run_evaluation
from training.sources import load_labeled


def test_scores_on_the_real_articles(default_model, dev_set):
    records, problems = load_labeled([dev_set])
    assert problems == []
    metrics = score([r.data for r in records], default_model.predict([r.data["text"] for r in records]))
    assert metrics["documents"] == len(records)
    assert 0 <= metrics["topics"]["micro_f1"] <= 1 and 0 <= metrics["stance"]["macro_f1"] <= 1


def test_seed_table_lists_gold_and_predicted(default_model, repo):
    seeds, problems = read_seeds(repo / "seeds")
    assert problems == [] and len(seeds) == 2
    rows = seed_table(default_model, seeds)
    assert {"gold_topics", "predicted_topics", "gold_stance", "predicted_stance", "correct"} <= set(rows[0])


def test_perfect_predictions_score_one(default_model, repo):
    seeds, _ = read_seeds(repo / "seeds")
    preds = default_model.predict([s.data["text"] for s in seeds])
    gold = [{**s.data, "topics": p.topics, "stance": p.stance} for s, p in zip(seeds, preds)]
    metrics = score(gold, preds)
    assert metrics["topics"]["micro_f1"] == 1.0 and metrics["relevance"]["f1"] == 1.0


def test_evaluate_writes_reports(tmp_path, repo):
    summary = run_evaluation(None, [], tmp_path, repo.parent / "shared")
    assert "seeds" in summary
    assert {"evaluation.md", "metrics.json"} <= {p.name for p in tmp_path.iterdir()}
