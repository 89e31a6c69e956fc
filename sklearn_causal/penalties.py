"""Penalties and scores computed from network quantities (torch, differentiable).

GRNGC (Liu et al.): Granger causality read from input-output gradients.

- :func:`granger_causality_scores`: Eq. 11, the time-averaged absolute
  gradient ``GC_avg(j, l, i)``.
- :func:`gradient_l1_penalty`: Eq. 12-13 without lambda, the L1 norm of the
  rows of ``GC_avg`` averaged over the output series.

GCFS (Ling et al.): local structure learning under an acyclicity constraint.

- :func:`local_reconstruction_loss`: ``1/(2n) ||X_pl(T) - X_hat_pl(T)||_F^2``
  over the target's local region (Eq. 5), cross-entropy for a class node.
- :func:`notears_acyclicity`: ``h(M o A) = tr(exp(M o A o M o A)) - d``, the
  constraint of Eq. 7 (Zheng et al., 2018).
- :func:`reconstruction_deviance` and :func:`edge_deviance_scores`: what
  cutting each edge ``k -> j`` of the learned graph costs the reconstruction
  of ``j``, a likelihood-ratio statistic that decides which edges are links.
"""

from __future__ import annotations

import torch

__all__ = [
    "edge_deviance_scores",
    "gradient_l1_penalty",
    "granger_causality_scores",
    "local_reconstruction_loss",
    "notears_acyclicity",
    "reconstruction_deviance",
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
    """NOTEARS acyclicity measure ``h(W) = tr(exp(W o W)) - d`` (GCFS Eq. 7).

    ``h(W) = 0`` exactly when the weighted graph ``W`` has no directed cycle,
    and ``h`` grows with the weight of the cycles (Zheng et al., 2018).

    Parameters
    ----------
    adjacency : Tensor of shape (d, d)
        Weighted adjacency matrix, already masked (``M o A``).

    Returns
    -------
    h : scalar Tensor
    """
    return _TraceExp.apply(adjacency * adjacency) - adjacency.shape[0]


class _TraceExp(torch.autograd.Function):
    """``tr(exp(M))`` with its gradient ``exp(M)^T``, from one matrix exponential.

    Autograd through ``torch.linalg.matrix_exp`` would exponentiate a
    ``2d x 2d`` block matrix in the backward pass; the trace needs only
    ``exp(M)``, already computed in the forward pass.
    """

    @staticmethod
    def forward(ctx, matrix):
        exponential = torch.linalg.matrix_exp(matrix)
        ctx.save_for_backward(exponential)
        return exponential.diagonal().sum()

    @staticmethod
    def backward(ctx, grad_output):
        (exponential,) = ctx.saved_tensors
        return grad_output * exponential.T


def local_reconstruction_loss(
    reconstruction: torch.Tensor,
    class_logits: torch.Tensor | None,
    x: torch.Tensor,
    outputs: torch.Tensor,
    class_index: int | None = None,
) -> torch.Tensor:
    """Reconstruction error of the local region (GCFS Eq. 5, first term).

    ``1/(2n) sum_{j in X_pl(T)} ||x_j - x_hat_j||^2`` over numeric variables,
    plus the mean cross-entropy of the categorical variable when it is in
    the region.

    Parameters
    ----------
    reconstruction : Tensor of shape (n, n_outputs)
        Reconstructed values of the variables ``outputs``.
    class_logits : Tensor of shape (n, n_classes) or None
        Logits of the categorical variable, when among ``outputs``.
    x : Tensor of shape (n, d)
        The observed variables (class codes in the categorical column).
    outputs : Tensor of int of shape (n_outputs,)
        Columns of ``x`` that were reconstructed.
    class_index : int or None
        Column of the categorical variable, if any.

    Returns
    -------
    loss : scalar Tensor
    """
    squared, _, cross_entropy = _errors(
        reconstruction, class_logits, x, outputs, class_index
    )
    loss = 0.5 * squared.sum(dim=1).mean()
    if cross_entropy is not None:
        loss = loss + cross_entropy
    return loss


def reconstruction_deviance(
    reconstruction: torch.Tensor,
    class_logits: torch.Tensor | None,
    x: torch.Tensor,
    outputs: torch.Tensor,
    class_index: int | None = None,
) -> torch.Tensor:
    """Deviance per sample of each reconstructed variable.

    Minus twice the log-likelihood of variable ``j`` under its
    reconstruction, per sample and up to a constant: ``log(mean_i (x_ij -
    x_hat_ij)^2)`` for a numeric variable (Gaussian errors with their
    maximum-likelihood variance), ``2 * cross-entropy`` for the categorical
    one. A difference of deviances is a likelihood-ratio statistic divided
    by ``n``.

    Parameters
    ----------
    reconstruction, class_logits, x, outputs, class_index
        As for :func:`local_reconstruction_loss`.

    Returns
    -------
    deviance : Tensor of shape (n_outputs,)
    """
    squared, numeric, cross_entropy = _errors(
        reconstruction, class_logits, x, outputs, class_index
    )
    deviance = torch.where(
        numeric, squared.mean(dim=0).clamp_min(torch.finfo(x.dtype).tiny).log(), 0.0
    )
    if cross_entropy is not None:
        deviance = torch.where(numeric, deviance, 2.0 * cross_entropy)
    return deviance


def edge_deviance_scores(
    module, x: torch.Tensor, outputs: torch.Tensor
) -> torch.Tensor:
    """Deviance increase of ``x_j`` when the edge ``k -> j`` is cut.

    For every source ``k`` the messages to the variables ``outputs`` are
    recomputed without ``k``'s contribution (row ``k`` of ``M o A`` set to
    zero, nothing refitted), and the score of ``k -> j`` is the increase of
    :func:`reconstruction_deviance` of ``j``: ``log(MSE_j without k / MSE_j)``
    for a numeric ``j``. Twice the log-likelihood ratio of the two models is
    ``n`` times the score, so an edge whose score exceeds ``log(n) / n``
    improves the Bayesian information criterion of ``j``'s model.

    Parameters
    ----------
    module : GraphAutoencoder
        The fitted graph autoencoder.
    x : Tensor of shape (n, d)
        Data the scores are computed on.
    outputs : Tensor of int
        The variables whose incoming edges are scored (the local region);
        edges into other variables score zero.

    Returns
    -------
    scores : Tensor of shape (d, d)
        ``scores[k, j]`` for the edge ``k -> j`` (row = cause).
    """
    with torch.no_grad():
        adjacency = module.masked_adjacency()[:, outputs]
        latent = module.encode(x)

        def deviance(columns):
            messages = module.propagate(latent, columns)
            return reconstruction_deviance(
                *module.decode(messages, outputs), x, outputs, module.class_index
            )

        full = deviance(adjacency)
        scores = torch.zeros_like(module.adjacency)
        for source in torch.nonzero(adjacency.abs().sum(dim=1)).flatten():
            cut = adjacency.clone()
            cut[source] = 0.0
            scores[source, outputs] = deviance(cut) - full
    return scores


def _errors(reconstruction, class_logits, x, outputs, class_index):
    """Errors of a reconstruction of the variables ``outputs``.

    Returns the squared errors of the numeric outputs (zero in the class
    column), the mask of numeric outputs, and the mean cross-entropy of the
    categorical variable (None when it was not reconstructed).
    """
    observed = x[:, outputs]
    numeric = torch.ones_like(outputs, dtype=torch.bool)
    if class_index is not None:
        numeric = outputs != class_index
    cross_entropy = None
    if class_logits is not None:
        codes = x[:, class_index].long()
        cross_entropy = torch.nn.functional.cross_entropy(class_logits, codes)
    return (reconstruction - observed).pow(2) * numeric, numeric, cross_entropy
