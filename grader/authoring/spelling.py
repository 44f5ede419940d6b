"""Spell-check Spanish prose with hunspell (Debian's hunspell-es) and the course's reviewed word lists.

Used by the spelling gate (``tests/test_spelling.py``) and by ``python -m grader check NOTEBOOK``.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

WORDLISTS = Path("tests") / "spelling"  # in the course root: palabras*.txt, reviewed terms, one per line
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


def markdown_of(notebook: Path) -> str:
    """The prose a student reads in a notebook: its markdown cells."""
    import json
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def misspelled(text: str, wordlists: Path = WORDLISTS) -> list[str]:
    words = []
    for token in WORD.findall(prose(text)):
        words.extend(part for part in token.split("-") if len(part) > 1)
    if not words:
        return []
    with tempfile.NamedTemporaryFile("w", suffix=".dic", encoding="utf-8") as personal:
        for wordlist in sorted(Path(wordlists).glob("palabras*.txt")):
            personal.write(wordlist.read_text(encoding="utf-8") + "\n")
        personal.flush()
        proc = subprocess.run(["hunspell", "-d", DICTIONARY, "-p", personal.name, "-l"],
                              input="\n".join(words), capture_output=True, text=True, check=True)
    return sorted(set(proc.stdout.split()))
