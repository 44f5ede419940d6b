"""A picture for a failing visible activation check: the student's curves against PyTorch's on a fixed grid.

The grading kernel only observes the student's ``forward`` and ``backward`` on
``layer_checks.GRID`` (fixed and public) and writes them as plain data; this
module, in the judge's process, computes PyTorch's curves itself and draws both
with matplotlib's Agg canvas, shading where they differ. Only a failing *visible*
check gets one (its numbers are readable feedback anyway, docs/security.md): a
hidden check's failure shows fixed text only. The PNG is embedded in a
``text/html`` output (a ``data:`` image, which the feedback's sanitizer and CSP
allow) with a Spanish caption, kept under ``MAX_BYTES``.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import threading

import nbformat
import numpy as np

from ..checks import references
from ..checks.compare import tolerances_for
from ..checks.layer_checks import GRID, GRID_UPSTREAM, LayerCheck
from ..checks.messages import TEXT

MAX_BYTES = 60_000          # per embedded PNG
SIZE, DPI = (8.0, 2.8), 80  # 640 × 224 pixels
YOURS, THEIRS, DIFFER = "#d1741f", "#0969da", "#cf222e"
_DRAWING = threading.Lock()   # jobs are scored on threads; matplotlib is not thread-safe


def _values(value) -> np.ndarray | None:
    """The student's values on the grid as float64, or None if not a real-valued array of the grid's shape."""
    if not isinstance(value, np.ndarray) or value.shape != GRID.shape or value.dtype.kind not in "fiub":
        return None
    return np.asarray(value, dtype=np.float64)


def _differ(got: np.ndarray | None, expected: np.ndarray) -> np.ndarray:
    """Where the student's value is off the reference by more than the float64 tolerance (everywhere if none)."""
    if got is None:
        return np.ones(expected.shape, dtype=bool)
    rtol, atol = tolerances_for("float64")
    with np.errstate(invalid="ignore", over="ignore"):
        return ~(np.abs(got - expected) <= atol + rtol * np.abs(expected))


def _runs(mask: np.ndarray) -> list[tuple[float, float]]:
    """The x-intervals of the grid where ``mask`` holds (each point widened by half a step)."""
    half = (GRID[1] - GRID[0]) / 2
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return [(GRID[start] - half, GRID[stop - 1] + half) for start, stop in zip(edges[::2], edges[1::2])]


def _panel(ax, title: str, got: np.ndarray | None, expected: np.ndarray, reference: str) -> None:
    mask, note = _differ(got, expected), ""
    for i, (low, high) in enumerate(_runs(mask)):
        ax.axvspan(low, high, color=DIFFER, alpha=0.15, lw=0, label=TEXT["plot_differ"] if i == 0 else None)
    ax.plot(GRID, expected, color=THEIRS, lw=2, label=reference)
    low, high = float(np.min(expected)), float(np.max(expected))
    span = max(high - low, 1e-3)
    if got is None:
        ax.text(0.5, 0.5, TEXT["plot_no_values"], transform=ax.transAxes, ha="center", color=DIFFER, fontsize=9)
    else:
        shown = np.where(np.isfinite(got), got, np.nan)
        finite = shown[np.isfinite(shown)]
        if finite.size:   # far-off values widen the view at most 2 spans each way: the reference stays readable
            low = max(min(low, float(finite.min())), low - 2 * span)
            high = min(max(high, float(finite.max())), high + 2 * span)
        if finite.size and (finite.min() < low or finite.max() > high):
            note = TEXT["plot_clipped"]
        ax.plot(GRID, np.clip(shown, low, high), color=YOURS, lw=1.6, ls="--", label=TEXT["plot_yours"])
    pad = 0.08 * max(high - low, 1e-3)
    ax.set_ylim(low - pad, high + pad)
    ax.set_xlim(GRID[0], GRID[-1])
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(f"x ({note})" if note else "x", fontsize=9, color=YOURS if note else "black")
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", framealpha=0.8)   # activations rise to the right


def _png(fig) -> bytes:
    """The figure as a palette PNG (line plots need few colours: a third of the RGB size)."""
    from PIL import Image
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    with Image.open(io.BytesIO(buffer.getvalue())) as image:
        out = io.BytesIO()
        image.convert("RGB").quantize(colors=64).save(out, format="png", optimize=True)
    return out.getvalue()


def draw(check: LayerCheck, layer_name: str, grid: dict) -> bytes | None:
    """The PNG of the student's observed curves against PyTorch's; None if they agree on the whole grid
    or the student's code gave no curve at all."""
    function = check.kind == "function"
    curves = [_values(grid.get(key)) for key in (("forward",) if function else ("forward", "backward"))]
    return _draw(check.reference, tuple(sorted(check.init.items())), function, layer_name,
                 *(None if c is None else c.tobytes() for c in curves))


@functools.lru_cache(maxsize=8)   # the same mistake fails several cells of a notebook: drawn once
def _draw(reference: str, init: tuple, function: bool, layer_name: str, *curves: bytes | None) -> bytes | None:
    init = dict(init)
    got = [None if c is None else np.frombuffer(c, dtype=np.float64) for c in curves]
    panels = [(TEXT["plot_function" if function else "plot_forward"].format(what=layer_name), got[0],
               references.forward(reference, GRID, init), references.get(reference).label)]
    if not function:
        panels.append((TEXT["plot_backward"].format(what=layer_name, g=GRID_UPSTREAM), got[1],
                       references.backward(reference, GRID, np.full_like(GRID, GRID_UPSTREAM), init),
                       TEXT["plot_autograd"]))
    if all(curve is None for curve in got) or not any(_differ(g, e).any() for _, g, e, _ in panels):
        return None     # nothing of theirs to show (an unsolved exercise), or nothing differs
    with _DRAWING:
        return _render(panels)


def _render(panels: list) -> bytes | None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(SIZE[0] if len(panels) == 2 else SIZE[0] / 2 + 0.5, SIZE[1]), dpi=DPI)
    FigureCanvasAgg(fig)
    for i, panel in enumerate(panels):
        _panel(fig.add_subplot(1, len(panels), i + 1), *panel)
    fig.subplots_adjust(left=0.07 * 2 / len(panels), right=0.98, bottom=0.17, top=0.89, wspace=0.18)
    png = _png(fig)
    return png if len(png) <= MAX_BYTES else None


def figure_output(check, layer_name: str, observed: list, notes: list, grade_id: str):
    """The feedback output of a failing visible check's plot, or None (hidden, softmax, no grid, no difference)."""
    grid = getattr(observed[0], "grid", None) if observed else None
    if not isinstance(check, LayerCheck) or check.hidden or not isinstance(grid, dict) or not grid:
        return None
    try:
        png = draw(check, layer_name, grid)
    except Exception as exc:  # noqa: BLE001 - a picture must never stop grading
        notes.append(f"{grade_id}: the feedback plot could not be drawn ({type(exc).__name__})")
        return None
    if png is None:
        return None
    reference = references.get(check.reference).label
    suffix = "_function" if check.kind == "function" else ""
    alt = TEXT["plot_alt" + suffix].format(what=layer_name, reference=reference)
    caption = TEXT["plot_caption" + suffix].format(
        reference=reference, n=GRID.size, g=GRID_UPSTREAM)
    source = (f'<div class="grafica"><img src="data:image/png;base64,{base64.b64encode(png).decode()}" '
              f'alt="{html.escape(alt)}"><p>{html.escape(caption)}</p></div>')
    return nbformat.v4.new_output("display_data", data={"text/html": source, "text/plain": caption})


def same_as(grade_id: str):
    """The output that stands for a plot already shown in an earlier test cell of the page."""
    text = TEXT["plot_same"].format(cell=grade_id)
    link = html.escape(text).replace(html.escape(f"«{grade_id}»"),
                                     f'<a href="#{html.escape(grade_id)}">«{html.escape(grade_id)}»</a>')
    return nbformat.v4.new_output("display_data", data={"text/html": f'<p class="grafica">{link}</p>',
                                                        "text/plain": text})
