"""Penalties and scores computed from network quantities (torch, differentiable).

GRNGC (Liu et al.): Granger causality read from input-output gradients.

- :func:`granger_causality_scores`: Eq. 11, the time-averaged absolute
  gradient ``GC_avg(j, l, i)``.
- :func:`gradient_l1_penalty`: Eq. 12-13 without lambda, the L1 norm of the
  rows of ``GC_avg`` averaged over the output series.

GCFS (Ling et al.): local structure learning under an acyclicity constraint.

- :func:`gaussian_negative_log_likelihood`: the reconstruction term of Eq. 5
  as a likelihood, ``0.5 sum_j log(mean_i (x_ij - x_hat_ij)^2)`` per sample
  (Gaussian errors with their maximum-likelihood variances), plus the
  cross-entropy of a categorical variable.
- :func:`notears_acyclicity`: ``h(A) = tr(exp(A o A)) - d``, the constraint
  of Eq. 7 (Zheng et al., 2018), for one graph or a stack of graphs.
"""

from __future__ import annotations

import torch

__all__ = [
    "gaussian_negative_log_likelihood",
    "gradient_l1_penalty",
    "granger_causality_scores",
    "notears_acyclicity",
]


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


def notears_acyclicity(adjacency: torch.Tensor) -> torch.Tensor:
    """NOTEARS acyclicity measure ``h(A) = tr(exp(A o A)) - d`` (GCFS Eq. 7).

    ``h(A) = 0`` exactly when the weighted graph ``A`` has no directed cycle,
    and ``h`` grows with the weight of the cycles (Zheng et al., 2018).

    Parameters
    ----------
    adjacency : Tensor of shape (..., d, d)
        Weighted adjacency matrix (``M o A``), or a stack of them.

    Returns
    -------
    h : Tensor of shape (...)
        One value per graph (a scalar for one graph).
    """
    return _TraceExp.apply(adjacency * adjacency) - adjacency.shape[-1]


class _TraceExp(torch.autograd.Function):
    """``tr(exp(M))`` with its gradient ``exp(M)^T``, from one matrix exponential.

    Autograd through ``torch.linalg.matrix_exp`` would exponentiate a
    ``2d x 2d`` block matrix in the backward pass; the trace needs only
    ``exp(M)``, already computed in the forward pass. Leading dimensions
    are a batch of matrices.
    """

    @staticmethod
    def forward(ctx, matrix):
        exponential = torch.linalg.matrix_exp(matrix)
        ctx.save_for_backward(exponential)
        return exponential.diagonal(dim1=-2, dim2=-1).sum(-1)

    @staticmethod
    def backward(ctx, grad_output):
        (exponential,) = ctx.saved_tensors
        return grad_output[..., None, None] * exponential.transpose(-2, -1)


def gaussian_negative_log_likelihood(
    reconstruction: torch.Tensor,
    class_logits: torch.Tensor | None,
    observed: torch.Tensor,
    class_column: int | None = None,
) -> torch.Tensor:
    """Negative log-likelihood per sample of reconstructed variables (GCFS Eq. 5).

    Each numeric variable ``j`` is Gaussian around its reconstruction with
    the maximum-likelihood variance ``s_j^2 = mean_i (x_ij - x_hat_ij)^2``,
    which gives ``0.5 * log(s_j^2)`` per sample up to a constant; a
    categorical variable adds the mean cross-entropy of its class logits.
    Unlike the squared error of Eq. 5, the likelihood does not depend on the
    scale of any variable, and a difference of two values is a
    log-likelihood ratio per sample, so an edge can be priced in the units
    of the Bayesian information criterion.

    Parameters
    ----------
    reconstruction : Tensor of shape (n_restarts, n, k)
        Reconstructions of ``k`` variables by each of ``n_restarts`` models.
    class_logits : Tensor of shape (n_restarts, n, n_classes) or None
        Logits of the categorical variable, when it is among the ``k``.
    observed : Tensor of shape (n, k)
        The observed values (integer class codes in the categorical column).
    class_column : int or None, default=None
        Column of ``observed`` holding the categorical variable, if any; its
        column of ``reconstruction`` is ignored.

    Returns
    -------
    nll : Tensor of shape (n_restarts,)
    """
    squared = (reconstruction - observed).pow(2).mean(dim=1)
    tiny = torch.finfo(squared.dtype).tiny
    log_variance = squared.clamp_min(tiny).log()
    if class_column is not None:
        numeric = (
            torch.arange(observed.shape[1], device=observed.device) != class_column
        )
        log_variance = log_variance[:, numeric]
    nll = 0.5 * log_variance.sum(dim=1)
    if class_logits is not None:
        restarts, n, n_classes = class_logits.shape
        codes = observed[:, class_column].long().repeat(restarts)
        cross_entropy = torch.nn.functional.cross_entropy(
            class_logits.reshape(restarts * n, n_classes), codes, reduction="none"
        )
        nll = nll + cross_entropy.reshape(restarts, n).mean(dim=1)
    return nll
