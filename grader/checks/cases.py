"""Test cases as plain data: a shape, a dtype, a seed, or explicit values.

A declaration in a notebook names cases; the inputs are derived from them
deterministically, so a hidden case gives the same inputs (and the same grade)
every time it is graded, and the same declaration can be re-evaluated outside
the student's kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .messages import CASE

DEFAULT_SHAPES = ((7,), (3, 5), (2, 3, 4))
DEFAULT_DTYPES = ("float64", "float32")
KINK_MARGIN = 1e-2  # random inputs stay this far from a kink; kinks are tested explicitly


@dataclass(frozen=True)
class Case:
    shape: tuple[int, ...]
    dtype: str
    seed: int
    scale: float = 6.0
    values: tuple | None = None  # explicit inputs (nested tuples) instead of random ones

    def label(self) -> str:
        if self.values is not None:
            return CASE["values"].format(values=np.asarray(self.values, dtype=self.dtype).tolist(), dtype=self.dtype)
        return CASE["shape"].format(shape=self.shape, dtype=self.dtype)

    def inputs(self, kinks: tuple[float, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
        """The input x and a random upstream gradient of the same shape and dtype."""
        rng = np.random.default_rng(self.seed)
        if self.values is not None:
            x = np.array(self.values, dtype=np.float64)
        else:
            x = rng.uniform(-self.scale, self.scale, size=self.shape)
            for k in kinks:
                near = np.abs(x - k) < KINK_MARGIN
                x[near] = k + np.where(x[near] >= k, KINK_MARGIN, -KINK_MARGIN)
        upstream = rng.standard_normal(x.shape)
        return x.astype(self.dtype), upstream.astype(self.dtype)


def make_cases(shapes=DEFAULT_SHAPES, dtypes=DEFAULT_DTYPES, seed: int = 0,
               scale: float = 6.0, values=None) -> tuple[Case, ...]:
    """Every shape in every dtype (or every explicit input in every dtype), each with its own seed."""
    if values is not None:
        arrays = [np.asarray(v, dtype=np.float64) for v in values]
        return tuple(Case(a.shape, d, seed + i, scale, tuple(a.tolist()) if a.ndim else a.item())
                     for i, (a, d) in enumerate((a, d) for a in arrays for d in dtypes))
    return tuple(Case(tuple(s), d, seed + i, scale)
                 for i, (s, d) in enumerate((s, d) for s in shapes for d in dtypes))
