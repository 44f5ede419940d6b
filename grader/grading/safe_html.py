"""HTML that a student wrote never runs: markdown and outputs are cleaned *after* rendering.

A student controls the markdown cells they add and the outputs of their cells.
Feedback pages and formgrader (the instructor's Jupyter origin, where a script
could run code as the instructor) render them with nbconvert's HTMLExporter, so
``nbgrader_config.py`` replaces two of its filters with these: markdown is
rendered as nbconvert renders it and then cleaned, and ``clean_html`` (what the
templates apply to HTML and SVG outputs when ``sanitize_html`` is on) uses the
same allow-list. Cleaning the rendered HTML, not the markdown source, leaves
every formula's text as written (nbconvert's SanitizeHTML preprocessor escapes
``<`` inside ``$…$`` and mangles it). Images load only from ``data:`` URIs.
"""

from __future__ import annotations

import bleach
from jinja2 import pass_context
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6",
        "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "ul"}
ATTRIBUTES = {"*": ["class", "id", "title"], "a": ["href"], "img": ["src", "alt"], "td": ["align"],
              "th": ["align"]}
LINKS = {"http", "https", "mailto"}


def _allowed(tag: str, name: str, value: str) -> bool:
    if name == "src":   # nothing is fetched: only images embedded in the notebook
        return tag == "img" and value.startswith("data:image/") and not value.startswith("data:image/svg")
    if name == "href":
        return value.startswith("#") or value.split(":", 1)[0].lower() in LINKS
    return name in ATTRIBUTES.get(tag, []) or name in ATTRIBUTES["*"]


def clean_html(html) -> str:
    """Only formatting tags and safe attributes; scripts, styles, frames, forms and handlers become text."""
    text = html.decode() if isinstance(html, bytes) else str(html)
    return bleach.clean(text, tags=TAGS, attributes=_allowed, protocols=LINKS | {"data"}, strip=True,
                        strip_comments=True)


@pass_context
def markdown2html(context, source: str) -> str:
    """nbconvert's markdown rendering (math kept for MathJax), then cleaned."""
    cell = context.get("cell", {})
    renderer = IPythonRenderer(escape=False, attachments=cell.get("attachments", {}), embed_images=False,
                               path=context.get("resources", {}).get("metadata", {}).get("path", ""),
                               anchor_link_text="¶")
    return clean_html(MarkdownWithMath(renderer=renderer).render(source))
