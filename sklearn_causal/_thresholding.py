"""Turning causal strengths into a binary graph without the ground truth."""

from __future__ import annotations

from numbers import Real

import numpy as np

__all__ = ["lag_links", "otsu_log_threshold", "resolve_threshold"]


def otsu_log_threshold(scores: np.ndarray) -> float:
    """Split strengths into "weak" and "strong" on a log scale (Otsu, 1979).

    Sparsity-penalised strengths are spread over orders of magnitude: the
    penalty pushes absent links towards zero without reaching it. On
    ``log10`` of the positive strengths, the cut that maximises the
    between-class variance ``w0 * w1 * (mean0 - mean1) ** 2`` separates the
    two groups; the threshold is the geometric mean of the two strengths on
    either side of the cut.

    Parameters
    ----------
    scores : ndarray
        Non-negative strengths (any shape).

    Returns
    -------
    threshold : float
        Strengths strictly above it are links. When fewer than two distinct
        positive strengths exist, the largest strength (nothing is a link).
    """
    values = np.sort(np.asarray(scores, dtype=float).ravel())
    positive = values[values > 0]
    if np.unique(positive).size < 2:
        return float(values[-1]) if values.size else 0.0
    logs = np.log10(positive)
    n = logs.size
    counts = np.arange(1, n)
    cumulative = np.cumsum(logs)[:-1]
    total = logs.sum()
    mean_low = cumulative / counts
    mean_high = (total - cumulative) / (n - counts)
    between = counts * (n - counts) * (mean_low - mean_high) ** 2
    between[logs[1:] == logs[:-1]] = -np.inf
    cut = int(np.argmax(between))
    return float(10 ** ((logs[cut] + logs[cut + 1]) / 2))


def resolve_threshold(threshold: str | float, scores: np.ndarray) -> float:
    """The numeric threshold for ``threshold`` ("auto" or a number)."""
    if isinstance(threshold, str):
        return otsu_log_threshold(scores)
    if isinstance(threshold, Real):
        return float(threshold)
    raise TypeError(f"threshold must be 'auto' or a number, got {threshold!r}.")


def lag_links(lag_scores: np.ndarray, links: np.ndarray) -> tuple[np.ndarray, float]:
    """The lags at which each link acts, without the ground truth.

    Each link of ``links`` acts at its strongest lag, and at every other lag
    whose strength is above Otsu's log threshold
    (:func:`otsu_log_threshold`) of the per-lag strengths of the
    off-diagonal links: the penalty pushes the lags a link does not use
    towards zero as it does absent links. So ``result.any(axis=0) ==
    links``: every link has at least one lag, and nothing outside
    ``links`` has one.

    Parameters
    ----------
    lag_scores : ndarray of shape (n_lags, n_series, n_series)
        Non-negative per-lag strengths (row = cause).
    links : ndarray of bool of shape (n_series, n_series)
        The summary graph.

    Returns
    -------
    lag_links : ndarray of bool of shape (n_lags, n_series, n_series)
    threshold : float
        The per-lag threshold (infinite when there is no off-diagonal link,
        and then only the strongest lag of each link is kept).
    """
    cross = links & ~np.eye(links.shape[0], dtype=bool)
    threshold = otsu_log_threshold(lag_scores[:, cross]) if cross.any() else np.inf
    strongest = lag_scores == lag_scores.max(axis=0, keepdims=True)
    # A tie for the strongest lag keeps the earliest one only.
    strongest &= np.cumsum(strongest, axis=0) == 1
    return links & ((lag_scores > threshold) | strongest), float(threshold)
