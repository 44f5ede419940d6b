"""Small plots for the notebooks: a function and its derivative side by side."""

from __future__ import annotations

import numpy as np

from . import references


def plot_function_and_derivative(f, df, *, x=None, title: str = "", name: str = "f"):
    """Plot f and f′ on two panels sharing the x axis; returns the matplotlib Figure."""
    import matplotlib.pyplot as plt
    x = np.linspace(-6, 6, 601) if x is None else np.asarray(x, dtype=np.float64)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2), sharex=True)
    left.plot(x, f(x), color="tab:blue")
    left.set_title(f"${name}(x)$")
    right.plot(x, df(x), color="tab:orange")
    right.set_title(f"${name}'(x)$")
    for ax in (left, right):
        ax.axhline(0, color="0.6", lw=0.8)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.grid(alpha=0.3)
        ax.set_xlabel("$x$")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_reference(name: str, *, x=None, init: dict | None = None, title: str = "", symbol: str = "f"):
    """Plot a PyTorch reference activation and its derivative (from autograd)."""
    return plot_function_and_derivative(
        lambda z: references.forward(name, z, init),
        lambda z: references.backward(name, z, np.ones_like(z), init),
        x=x, title=title, name=symbol)
