"""Turning causal strengths into a binary graph without the ground truth."""

from __future__ import annotations

from numbers import Real

import numpy as np

__all__ = ["otsu_threshold", "resolve_threshold"]


def otsu_threshold(scores: np.ndarray, *, log_scale: bool) -> float:
    """Split strengths into "weak" and "strong" (Otsu, 1979).

    The cut of the sorted strengths that maximises the between-class
    variance ``w0 * w1 * (mean0 - mean1) ** 2`` separates the two groups.
    On a log scale (``log10`` of the positive strengths) the split separates
    strengths by order of magnitude, which suits gradient strengths whose
    absent links the penalty pushes towards zero; on the linear scale it
    separates large weights from the rest.

    Parameters
    ----------
    scores : ndarray
        Non-negative strengths (any shape).
    log_scale : bool
        Split ``log10(scores)`` (zeros left out) rather than ``scores``.

    Returns
    -------
    threshold : float
        Strengths strictly above it are links: the midpoint of the two
        strengths on either side of the cut (geometric mean on the log
        scale). With fewer than two distinct values, the largest strength
        (nothing is a link).
    """
    values = np.sort(np.asarray(scores, dtype=float).ravel())
    candidates = values[values > 0] if log_scale else values
    if np.unique(candidates).size < 2:
        return float(values[-1]) if values.size else 0.0
    points = np.log10(candidates) if log_scale else candidates
    n = points.size
    counts = np.arange(1, n)
    cumulative = np.cumsum(points)[:-1]
    mean_low = cumulative / counts
    mean_high = (points.sum() - cumulative) / (n - counts)
    between = counts * (n - counts) * (mean_low - mean_high) ** 2
    between[points[1:] == points[:-1]] = -np.inf
    cut = int(np.argmax(between))
    middle = (points[cut] + points[cut + 1]) / 2
    return float(10**middle if log_scale else middle)


def resolve_threshold(
    threshold: str | float, scores: np.ndarray, *, log_scale: bool
) -> float:
    """The numeric threshold for ``threshold`` ("auto": Otsu, or a number)."""
    if isinstance(threshold, str):
        return otsu_threshold(scores, log_scale=log_scale)
    if isinstance(threshold, Real):
        return float(threshold)
    raise TypeError(f"threshold must be 'auto' or a number, got {threshold!r}.")
