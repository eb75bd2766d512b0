"""The committed reports and README describe the committed model: numbers are computed, not typed."""

import json

from model.artifact import DEFAULT_DIR
from tests.conftest import REPO


def test_reports_are_for_the_packaged_model():
    metrics = json.loads((REPO / "reports" / "metrics.json").read_text())
    manifest = json.loads((DEFAULT_DIR / "manifest.json").read_text())
    assert metrics["model_version"] == manifest["version"], "rerun `regsec evaluate` after training"


def test_readme_results_table_matches_the_metrics():
    metrics = json.loads((REPO / "reports" / "metrics.json").read_text())
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert metrics["model_version"] in readme
    for name, s in metrics["sets"].items():
        row = (
            f"| {name} | {s['documents']} | {s['relevance']['f1']:.3f} | {s['topics']['micro_f1']:.3f} | {s['topics']['macro_f1']:.3f} "
            f"| {s['stance']['macro_f1']:.3f} | {s['voices']['f1']:.3f} |"
        )
        assert row in readme, f"README results for {name} are stale"


def test_readme_opens_with_the_two_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```bash", 1)[1].split("```", 1)[0]
    assert "pip install . && regsec predict seeds/" in first_block
    assert 'pip install -e ".[dev]" && ruff check . && pytest' in first_block
    assert 'pip install -e ".[dev]" && ruff check . && pytest' in (REPO / ".ci" / "run").read_text()


def test_readme_figures_for_the_uncertain_flag_match_the_metrics():
    sets = json.loads((REPO / "reports" / "metrics.json").read_text())["sets"]
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    corpus = sets["corpus_test"]["uncertain"]
    assert (
        f"{corpus['flagged']} of {sets['corpus_test']['documents']} flagged, "
        f"{corpus['correct_when_flagged']:.0%} against {corpus['correct_when_not']:.0%}"
    ) in readme, "README's uncertain-flag figures are stale"
    if "shared_eval_dev" in sets:
        dev = sets["shared_eval_dev"]["uncertain"]
        assert f"{dev['flagged']} are flagged" in readme
        assert f"right for {dev['correct_when_flagged']:.0%} of those against {dev['correct_when_not']:.0%} of the rest" in readme
