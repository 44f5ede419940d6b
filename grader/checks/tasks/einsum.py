"""02-einsum: each operation checked against torch.einsum and against the explicit operation.

Every task requires that the answer calls ``np.einsum`` (observed while it runs).
"""

from __future__ import annotations

import numpy as np

from . import Task, register, torch64


def _einsum_task(name, spec, shapes, explicit, operands=lambda *args: args):
    """shapes: size -> argument shapes; explicit: the same operation without einsum (NumPy, float64);
    operands: the einsum operands made from the arguments (the Gram matrix uses X twice)."""
    def make_args(size, rng, dtype):
        return tuple(rng.normal(size=s).astype(dtype) for s in shapes(*size))

    def reference(*args):
        import torch
        result = torch.einsum(spec, *[torch64(a) for a in operands(*args)]).numpy()
        # Two references must agree, or the task itself is wrong.
        assert np.allclose(result, explicit(*args), rtol=1e-12, atol=1e-12), name
        return float(result) if result.ndim == 0 else result

    def sensitivity(*args):
        # Multilinear in each operand: Σ_j |∂q/∂v_j|·|v_j| is the same einsum of absolute values, once per operand.
        absolute = [np.abs(a) for a in operands(*args)]
        return len(absolute) * np.einsum(spec, *absolute)

    register(Task(name=name, label=f"torch.einsum('{spec}')", make_args=make_args, reference=reference,
                  requires=("einsum",), sensitivity=sensitivity))


_einsum_task("einsum_transpose", "ij->ji", lambda n, m: [(n, m)], lambda a: a.T)
_einsum_task("einsum_sum", "ij->", lambda n, m: [(n, m)], lambda a: a.sum())
_einsum_task("einsum_row_sums", "ij->i", lambda n, m: [(n, m)], lambda a: a.sum(axis=1))
_einsum_task("einsum_col_sums", "ij->j", lambda n, m: [(n, m)], lambda a: a.sum(axis=0))
_einsum_task("einsum_dot", "i,i->", lambda n: [(n,), (n,)], lambda a, b: a @ b)
_einsum_task("einsum_outer", "i,j->ij", lambda n, m: [(n,), (m,)], np.outer)
_einsum_task("einsum_matmul", "ik,kj->ij", lambda n, k, m: [(n, k), (k, m)], lambda a, b: a @ b)
_einsum_task("einsum_batch_matmul", "bik,bkj->bij", lambda b, n, k, m: [(b, n, k), (b, k, m)],
             lambda a, c: a @ c)
_einsum_task("einsum_trace", "ii->", lambda n: [(n, n)], np.trace)
_einsum_task("einsum_diagonal", "ii->i", lambda n: [(n, n)], lambda a: np.diagonal(a).copy())
_einsum_task("einsum_gram", "id,jd->ij", lambda n, d: [(n, d)], lambda x: x @ x.T,
             operands=lambda x: (x, x))
_einsum_task("einsum_bilinear", "i,ij,j->", lambda n, m: [(n,), (n, m), (m,)], lambda x, a, y: x @ a @ y)
_einsum_task("einsum_attention_scores", "bqd,bkd->bqk", lambda b, q, k, d: [(b, q, d), (b, k, d)],
             lambda qq, kk: qq @ kk.transpose(0, 2, 1))
