"""Spell-check Spanish prose with hunspell (Debian's hunspell-es) and a reviewed word list."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

WORDLISTS = Path(__file__).parent  # palabras*.txt: reviewed technical terms, one per line
DICTIONARY = "es_ES"

_STRIP = [
    re.compile(r"```.*?```", re.DOTALL),          # code blocks
    re.compile(r"\$\$.*?\$\$", re.DOTALL),        # display math
    re.compile(r"\$[^$\n]*\$"),                   # inline math
    re.compile(r"`[^`\n]*`"),                     # inline code
    re.compile(r"https?://\S+"),                  # links
    re.compile(r"<[^>]+>"),                       # HTML tags
    re.compile(r"\{[^{}]*\}"),                    # str.format placeholders
    re.compile(r"\b\w+(?:[._]\w+)+"),              # identifiers: np.asarray, grad_output
    re.compile(r"\*\*|__|\*"),                    # emphasis markers
]
WORD = re.compile(r"[A-Za-zÁÉÍÓÚÜÑáéíóúüñ]+(?:-[A-Za-zÁÉÍÓÚÜÑáéíóúüñ]+)*")


def prose(text: str) -> str:
    """The words of a markdown/message text, without math, code, links or placeholders."""
    for pattern in _STRIP:
        text = pattern.sub(" ", text)
    return text


def misspelled(text: str) -> list[str]:
    words = []
    for token in WORD.findall(prose(text)):
        words.extend(part for part in token.split("-") if len(part) > 1)
    if not words:
        return []
    with tempfile.NamedTemporaryFile("w", suffix=".dic", encoding="utf-8") as personal:
        for wordlist in sorted(WORDLISTS.glob("palabras*.txt")):
            personal.write(wordlist.read_text(encoding="utf-8") + "\n")
        personal.flush()
        proc = subprocess.run(["hunspell", "-d", DICTIONARY, "-p", personal.name, "-l"],
                              input="\n".join(words), capture_output=True, text=True, check=True)
    return sorted(set(proc.stdout.split()))
