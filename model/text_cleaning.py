"""Strip scraped-page noise (HTML markup, photo credits, share lines, cookie notices, comment
sections) from article text, so training and prediction both see the article itself."""

from __future__ import annotations

import html
import re
import unicodedata

# A line that opens a reader-comment section or page footer: everything after it is dropped.
_TAIL_MARKERS = re.compile(
    r"^\s*(\d+\s+comments?|comments?(\s*\(\d+\))?|leave a (reply|comment)|reader comments?"
    r"|join the (conversation|discussion)|add a comment|post a comment|show comments?"
    r"|send this to a friend|related (stories|articles|coverage|news)|more from .{0,40}"
    r"|you may also like|recommended( for you)?|most (read|popular))\s*:?\s*$",
    re.IGNORECASE,
)

# Lines that are page furniture rather than article prose: each kind of noise line, the words
# one of which it must contain, and its pattern (case-insensitive). A line is matched only against
# the kinds whose words it contains: most lines contain none.
_SOCIAL_WORDS = ("share", "tweet", "email", "print", "whatsapp", "facebook", "twitter", "linkedin", "reddit", "copy link")
_SOCIAL = "|".join(_SOCIAL_WORDS)
_NOISE_KINDS = (
    (("photo",), r"\bphoto\b.{0,40}(/|\bcredit\b|\bcourtesy\b)|\bAFP PHOTO\b|\(photo:"),
    (("photo", "image", "caption"), r"^\s*(photo|image|file photo|caption)\s*[:|]"),
    (("getty",), r"\bgetty images\b"),
    (("cookie",), r"\bcookies?\b.{0,80}\b(accept|consent|policy|experience|browsing)\b|\bwe use cookies\b"),
    (_SOCIAL_WORDS, rf"^\s*(?:{_SOCIAL}|share this(?: article| story)?)(?:\s*[|/·•,]\s*(?:{_SOCIAL}))*\s*$"),  # a row of share buttons
    (("sign up", "subscribe"), r"\b(sign up|subscribe)\b.{0,60}\b(newsletter|inbox|updates)\b"),
    (("advertisement",), r"^\s*advertisement\s*$"),
    (("read more",), r"^\s*read more\s*:?"),
    (("rights reserved",), r"\ball rights reserved\b"),
    (("restricted",), r"^\s*restricted to subscription use\s*$"),
)
_NOISE_LINES = [(words, re.compile(pattern, re.IGNORECASE)) for words, pattern in _NOISE_KINDS]

_MIN_WORDS_BEFORE_TAIL = 80
_HTML_HINT = re.compile(r"<(?:html|body|p|div|br|span|article|script|!doctype)\b", re.IGNORECASE)
_HTML_DROP = re.compile(r"<(script|style|noscript|nav|footer|header|aside)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_BREAK = re.compile(r"<(?:br|/p|/div|/h[1-6]|/li|/tr|/article)\b[^>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]{0,2000}>")


def strip_html(raw: str) -> str:
    """Article text of an HTML page: scripts, styles and page chrome dropped, block ends as
    line breaks, tags removed, entities decoded. Plain text is returned unchanged."""
    if not _HTML_HINT.search(raw[:5000]):
        return raw
    text = _HTML_DROP.sub(" ", raw)
    text = _HTML_BREAK.sub("\n", text)
    return html.unescape(_HTML_TAG.sub(" ", text))


def clean_text(raw: str) -> str:
    """Return the article prose of a scraped page: NFC-normalized, noise lines and the
    comment section removed, blank lines collapsed."""
    text = unicodedata.normalize("NFC", strip_html(raw)).replace("\r\n", "\n").replace("\r", "\n")
    lowered = text.lower()
    kinds = [(words, pattern) for words, pattern in _NOISE_LINES if any(word in lowered for word in words)]
    kept: list[str] = []
    words_so_far = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        if words_so_far >= _MIN_WORDS_BEFORE_TAIL and _TAIL_MARKERS.match(stripped):
            break
        if kinds and _is_noise(stripped, kinds):
            continue
        kept.append(stripped)
        if words_so_far < _MIN_WORDS_BEFORE_TAIL:  # counted only until the tail markers apply
            words_so_far += len(stripped.split())
    return "\n".join(kept)


def _is_noise(line: str, kinds: list[tuple[tuple[str, ...], re.Pattern[str]]]) -> bool:
    """True when `line` is one of the noise `kinds` that it has a word of."""
    lowered = line.lower()
    return any(pattern.search(line) for words, pattern in kinds if any(word in lowered for word in words))
