import json

from tests.conftest import REPO, SHARED
from training.data_check import Minimums, check_corpus, ngrams


def _doc(i, text, **extra):
    return {"id": f"d{i}", "title": "t", "text": text, "topics": [], "target": None, "stance": None, "voices": [], **extra}


PROSE = [
    "Japan's central bank left interest rates unchanged on Tuesday and said wages were rising faster than it had expected in the spring round of talks.",
    "A typhoon forced hundreds of flights to be cancelled at Okinawa's main airport as ferries stayed in port and schools closed for the day.",
    "The baseball star signed a ten-year contract in Los Angeles, the largest in the history of the sport, and thanked fans in Japanese and English.",
    "Shanghai's stock index closed higher after a report that factory orders had recovered in the autumn, led by makers of electric cars and batteries.",
]


def _write(path, docs):
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


def test_the_corpus_passes_every_check():
    refs = [REPO / "seeds"] + ([SHARED / "eval"] if (SHARED / "eval").is_dir() else [])
    report = check_corpus([REPO / "data" / "corpus"], Minimums(), refs)
    assert report.problems == [] and report.shortfalls == []
    assert report.mean_share < 0.03


def test_duplicates_and_templated_text_are_caught(tmp_path):
    long = " ".join(PROSE) + " " + " ".join(PROSE[::-1])
    docs = [_doc(i, p + " " + long.split(".")[i]) for i, p in enumerate(PROSE)]
    docs.append(_doc(9, docs[0]["text"]))  # exact copy
    report = check_corpus([_write(tmp_path / "c.jsonl", docs)], minimums=None)
    messages = [p.message for p in report.problems]
    assert any("exact duplicate of d0" in m for m in messages)
    assert any("near-duplicate" in m for m in messages)


def test_lengths_and_shortfalls_are_reported(tmp_path):
    report = check_corpus([_write(tmp_path / "c.jsonl", [_doc(1, "Too short to be an article.")])], Minimums())
    assert any("words; documents run 60-900" in p.message for p in report.problems)
    assert "documents: 1 < 1500" in report.shortfalls


def test_copied_reference_text_is_caught(tmp_path):
    reference = tmp_path / "ref.txt"
    reference.write_text(PROSE[0] + " " + PROSE[1], encoding="utf-8")
    path = _write(tmp_path / "c.jsonl", [_doc(1, PROSE[0] + " " + PROSE[2] + " " + PROSE[3])])
    report = check_corpus([path], minimums=None, references=[reference])
    assert any("held-out article ref.txt" in p.message for p in report.problems)


def test_an_opposition_voice_without_domestic_politics_is_reported(tmp_path):
    text = " ".join(PROSE)
    voice = {"actor": "KOR", "role": "opposition", "stance": "oppose", "evidence": PROSE[0]}
    labeled = {"topics": ["alliance_cooperation"], "target": "a pact", "stance": "oppose", "voices": [voice]}
    fixed = {**labeled, "topics": ["alliance_cooperation", "domestic_politics"]}
    mislabeled = check_corpus([_write(tmp_path / "mislabeled.jsonl", [_doc(1, text, **labeled)])], minimums=None)
    assert [p.message for p in mislabeled.problems] == ["an opposition voice but no domestic_politics topic (data/LABELS.md section 6)"]
    assert check_corpus([_write(tmp_path / "fixed.jsonl", [_doc(1, text, **fixed)])], minimums=None).problems == []


def test_ngrams_are_word_sequences():
    assert ngrams("a b c d e f g h i", n=8) == {"a b c d e f g h", "b c d e f g h i"}


def test_datasheet_reports_the_current_counts():
    from training.data_check import DATASHEET_END, DATASHEET_START, counts_markdown

    report = check_corpus([REPO / "data" / "corpus"], Minimums())
    sheet = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    block = sheet.split(DATASHEET_START, 1)[1].split(DATASHEET_END, 1)[0].strip()
    assert block == counts_markdown(report), "run `regsec data check --datasheet data/README.md`"
