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

# Lines that are page furniture rather than article prose.
_NOISE_LINE = re.compile(
    r"(\bphoto\b.{0,40}(/|\bcredit\b|\bcourtesy\b)|\bAFP PHOTO\b|\bgetty images\b|\(photo:|^\s*(photo|image|file photo|caption)\s*[:|]"
    r"|\bcookies?\b.{0,80}\b(accept|consent|policy|experience|browsing)\b|\bwe use cookies\b"
    r"|^\s*(share|share this( article| story)?|tweet|email|print|whatsapp|facebook|twitter|linkedin|reddit|copy link)"
    r"(\s*[|/·•,]\s*(share|tweet|email|print|whatsapp|facebook|twitter|linkedin|reddit|copy link))*\s*$"
    r"|\b(sign up|subscribe)\b.{0,60}\b(newsletter|inbox|updates)\b|^\s*advertisement\s*$|^\s*read more\s*:?"
    r"|\ball rights reserved\b|^\s*restricted to subscription use\s*$)",
    re.IGNORECASE,
)

_MIN_WORDS_BEFORE_TAIL = 80
# Every noise pattern contains one of these; lines without any skip the regular expression.
_NOISE_HINTS = (
    "photo", "getty", "image", "caption", "cookie", "share", "tweet", "email", "print", "whatsapp", "facebook", "twitter",
    "linkedin", "reddit", "copy link", "sign up", "subscribe", "advertisement", "read more", "rights reserved", "restricted",
)
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
    kept: list[str] = []
    words_so_far = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        if words_so_far >= _MIN_WORDS_BEFORE_TAIL and _TAIL_MARKERS.match(stripped):
            break
        lowered = stripped.lower()
        if any(hint in lowered for hint in _NOISE_HINTS) and _NOISE_LINE.search(stripped):
            continue
        kept.append(stripped)
        words_so_far += len(stripped.split())
    return "\n".join(kept)
