"""Penalties and scores computed from network quantities (torch, differentiable).

GRNGC (Liu et al.): Granger causality read from input-output gradients.

- :func:`granger_causality_scores`: Eq. 11, the time-averaged absolute
  gradient ``GC_avg(j, l, i)``.
- :func:`gradient_l1_penalty`: Eq. 12-13 without lambda, the L1 norm of the
  rows of ``GC_avg`` averaged over the output series.
"""

from __future__ import annotations

import torch

__all__ = ["gradient_l1_penalty", "granger_causality_scores"]


def granger_causality_scores(jacobian: torch.Tensor) -> torch.Tensor:
    """Time-averaged absolute input-output gradients (GRNGC Eq. 11).

    Parameters
    ----------
    jacobian : Tensor of shape (n_windows, n_outputs, lag, n_series)
        ``d x_hat_{t, j} / d x_{t-k+m, i}`` for every window ``t`` (Eq. 10).

    Returns
    -------
    scores : Tensor of shape (n_outputs, lag, n_series)
        ``GC_avg(j, m, i) = mean_t |d x_hat_{t, j} / d x_{t-k+m, i}|``, indexed
        by effect ``j``, window position ``m`` and cause ``i``.
    """
    return jacobian.abs().mean(dim=0)


def gradient_l1_penalty(jacobian: torch.Tensor) -> torch.Tensor:
    """Sparsity penalty on the gradients (GRNGC Eq. 12-13, without lambda).

    ``(1 / p) sum_j ||GC_avg(j, :)||_1``, the L1 norm running over every
    cause and lag. Dividing by the number of output rows ``p`` puts the
    penalty on the same per-series scale as the mean squared forecast error,
    so one ``lam`` suits any number of series. When the Jacobian holds a
    random subset of the output rows, this is an unbiased estimate of the
    full penalty.

    Parameters
    ----------
    jacobian : Tensor of shape (n_windows, n_outputs, lag, n_series)

    Returns
    -------
    penalty : scalar Tensor
    """
    return granger_causality_scores(jacobian).sum() / jacobian.shape[1]
