"""Student-derived text made safe to show the instructor: a terminal, a log, the Markdown summary.

File names, archive entry names and exception messages about a student's notebook are chosen by the
student. Printed raw, an ANSI escape sequence can clear the screen or rewrite what the instructor
reads, a bidi override can reverse it, and a lone surrogate (a file name that is not UTF-8) can crash
the print. ``printable`` is the one place that neutralises them; reports stay raw JSON (data) and are
escaped where they are shown.
"""

from __future__ import annotations

import re

# CommonMark lets any ASCII punctuation be escaped with "\"; these are the ones that start markup
# inline (emphasis, code, links, images, tables, headings after a list marker, strikethrough).
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|#~!])")


def _escaped(char: str) -> str:
    if char in "\n\r\t":
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: object) -> str:
    """``text`` with every non-printable character (controls, ESC, bidi and zero-width marks,
    surrogates) written as a ``repr``-style escape; printable text, accents included, unchanged.

    Backslashes are left alone so that escaping twice changes nothing: a string may pass through
    more than one place that shows it.
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escaped(c) for c in text)


def markdown(text: object) -> str:
    """``printable(text)`` that renders as itself in Markdown and HTML: no markup, no tags."""
    text = printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)
