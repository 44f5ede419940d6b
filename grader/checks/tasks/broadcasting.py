"""01-broadcasting: broadcast shapes, per-channel normalization, pairwise distances, the (n,1)-(n,) trap."""

from __future__ import annotations

import numpy as np

from . import Expected, Task, column_minus_vector, register, torch64
from ..messages import CASE, WORDS


def _shapes(size, rng, dtype):
    """size = (ndim_a, ndim_b, compatible): two shapes that broadcast, or that don't."""
    ndim_a, ndim_b, compatible = size
    out = rng.integers(2, 6, size=max(ndim_a, ndim_b, 1))
    def derive(ndim):
        dims = [int(d) if rng.random() < 0.6 else 1 for d in out[len(out) - ndim:]]
        return tuple(dims)
    a, b = derive(ndim_a), derive(ndim_b)
    if not compatible:
        k = min(ndim_a, ndim_b)
        if k == 0:
            raise ValueError("incompatible shapes need at least one dimension each")
        i = int(rng.integers(1, k + 1))
        la, lb = list(a), list(b)
        la[-i], lb[-i] = int(out[-i]), int(out[-i]) + 1 + int(rng.integers(0, 3))
        a, b = tuple(la), tuple(lb)
    return a, b


def _broadcast_reference(a, b):
    import torch
    try:
        shape = tuple(torch.broadcast_shapes(a, b))
    except RuntimeError:
        try:
            np.broadcast_shapes(a, b)
        except ValueError:
            return Expected(error="ValueError")
        raise AssertionError("torch and NumPy disagree on broadcasting")  # never: both implement the rule
    assert shape == np.broadcast_shapes(a, b)
    return shape


register(Task(
    name="broadcast_shape", label="np.broadcast_shapes / torch.broadcast_shapes",
    make_args=_shapes, reference=_broadcast_reference,
    # The rule is the exercise: no NumPy broadcasting helpers, and no arrays for NumPy to broadcast.
    forbids=("broadcast_shapes", "broadcast", "broadcast_to", "broadcast_arrays", "empty", "zeros", "ones",
             "full", "array", "asarray", "asanyarray", "empty_like", "zeros_like", "ones_like", "full_like",
             "arange"),
    scalar_numpy_only=True,     # any other way to make an array (np.ndarray, np.tile, np.random...) is read in the code
    describe=lambda args: f"shape_a = {args[0]}, shape_b = {args[1]}",
))


def _images(size, rng, dtype):
    n, c, h, w = size
    shift = rng.uniform(-3, 3, size=(1, c, 1, 1))
    scale = rng.uniform(0.5, 4, size=(1, c, 1, 1))
    return ((rng.standard_normal((n, c, h, w)) * scale + shift).astype(dtype),)


def _channel_stats(x):
    t = torch64(x)
    return (t.mean(dim=(0, 2, 3)).numpy(), t.std(dim=(0, 2, 3), unbiased=False).numpy())


register(Task(
    name="channel_stats", label=WORDS["channel_stats"],
    make_args=_images, reference=_channel_stats, outputs=(WORDS["mean"], WORDS["std"]),
    describe=lambda args: CASE["images"].format(shape=args[0].shape, dtype=args[0].dtype),
))


def _images_and_stats(size, rng, dtype):
    (x,) = _images(size, rng, dtype)
    c = x.shape[1]
    return x, rng.uniform(-2, 2, size=c).astype(dtype), rng.uniform(0.5, 3, size=c).astype(dtype)


def _normalize(x, mean, std):
    return ((torch64(x) - torch64(mean).view(1, -1, 1, 1)) / torch64(std).view(1, -1, 1, 1)).numpy()


register(Task(
    name="normalize_channels", label=WORDS["normalize"],
    make_args=_images_and_stats, reference=_normalize,
    describe=lambda args: CASE["normalize"].format(shape=args[0].shape, stats=args[1].shape, dtype=args[0].dtype),
))


def _point_sets(size, rng, dtype):
    n, m, d = size
    return (rng.normal(size=(n, d)).astype(dtype), rng.normal(size=(m, d)).astype(dtype))


def _pairwise(a, b):
    import torch
    return (torch.cdist(torch64(a), torch64(b), compute_mode="donot_use_mm_for_euclid_dist") ** 2).numpy()


register(Task(
    name="pairwise_sq_dists", label="torch.cdist(...) ** 2",
    make_args=_point_sets, reference=_pairwise,
    describe=lambda args: CASE["point_sets"].format(a=args[0].shape, b=args[1].shape, dtype=args[0].dtype),
))


def _column_and_vector(size, rng, dtype):
    (n,) = size
    return (rng.normal(size=(n, 1)).astype(dtype), rng.normal(size=n).astype(dtype))


def _mse(y_pred, y):
    import torch
    return float(torch.nn.functional.mse_loss(torch64(y_pred).squeeze(1), torch64(y)))


register(Task(
    name="mse_column_vs_vector", label="torch.nn.functional.mse_loss",
    make_args=_column_and_vector, reference=_mse,
    hints=(("resultado", column_minus_vector, "hint_column_minus_vector"),),
    describe=lambda args: CASE["column_vector"].format(y_pred=args[0].shape, y=args[1].shape),
))
