from model.text_cleaning import clean_text


def test_comment_section_and_share_lines_are_removed():
    body = " ".join(["The defense ministry said the drills would continue through Friday."] * 12)
    page = f"Share | Tweet | Email\n{body}\nPhoto: Getty Images / staff\n3 Comments\nGreat article, thanks!"
    cleaned = clean_text(page)
    assert cleaned == body


def test_a_comment_marker_near_the_top_is_not_a_cut():
    page = "Comments\nSeoul said on Monday it would expand the exercise.\nThe North called it a rehearsal for invasion."
    assert "rehearsal for invasion" in clean_text(page)


def test_seed_page_keeps_article_and_drops_reader_comment(repo):
    page = (repo / "seeds" / "000_81cfaf9f30d2f96d.txt").read_text(encoding="utf-8")
    cleaned = clean_text(page)
    assert "Fumio Kishida" in cleaned
    assert "glad to glance at this web site" not in cleaned


def test_photo_credit_caption_is_removed(repo):
    cleaned = clean_text((repo / "seeds" / "001_0b52452658012fa5.txt").read_text(encoding="utf-8"))
    assert "AFP PHOTO" not in cleaned and "Send this to a friend" not in cleaned
    assert cleaned.startswith("South Korea, Japan sign intelligence deal")
