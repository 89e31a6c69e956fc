"""Ridge vector autoregressions on the estimator's own held-out split.

Closed-form linear forecasts of the standardised series from their lag
windows, fitted on the training windows and scored on the held-out ones (the
rows ``GrangerGRNGC`` holds out), the penalty the best of a small grid on
those held-out windows. They cost a few matrix decompositions and need no
ground truth: ``instantaneous="auto"`` reads what the past explains from
them, and ``model="auto"`` skips its linear forecasters where a ridge VAR
forecasts clearly worse than the network.
"""

from __future__ import annotations

import numpy as np

from ._windows import make_lag_windows

__all__ = ["held_out_share", "ridge_errors", "ridge_var"]

# Ridge penalties tried, as multiples of the number of training windows
# (the series are standardised, so the Gram matrices scale with it).
PENALTIES = np.logspace(-4, 1, 11)


def held_out_share(errors: np.ndarray, scale: np.ndarray) -> float:
    """Mean over series of ``1 - error / scale``, the best penalty's
    (``errors`` of shape (n_penalties, n_series)); series whose ``scale``
    is NaN (constant over the training windows) are left out."""
    return float(np.max(np.nanmean(1.0 - errors / scale, axis=1)))


def ridge_var(Z: np.ndarray, groups, valid_rows: np.ndarray, lag: int) -> dict:
    """The ridge VAR(``lag``) of the best held-out share, and its parts.

    Parameters
    ----------
    Z : ndarray of shape (n_timepoints, n_series)
        Standardised series.
    groups : ndarray of shape (n_timepoints,) or None
        Trajectory labels.
    valid_rows : ndarray of int
        Rows of ``Z`` held out (the targets scored); the others train.
    lag : int
        Window length.

    Returns
    -------
    dict or None
        None when every series is constant over the training windows. Else
        the windows, centred on the training windows' means (``past_train``,
        ``past_valid`` of shape (n, lag * n_series), ``present_train``,
        ``present_valid``), ``scale`` (each series' variance over the
        training windows, NaN where constant), ``penalties`` (absolute),
        ``coefficients`` of the best penalty and its ``share`` (mean over
        series of the held-out variance explained, :func:`held_out_share`).
    """
    windows = make_lag_windows(Z, lag, groups)
    valid = np.isin(windows.rows, valid_rows)
    past = windows.inputs.reshape(len(windows.inputs), -1)
    present = windows.targets
    past_mean, present_mean = past[~valid].mean(0), present[~valid].mean(0)
    parts = {
        "past_train": past[~valid] - past_mean,
        "past_valid": past[valid] - past_mean,
        "present_train": present[~valid] - present_mean,
        "present_valid": present[valid] - present_mean,
    }
    scale = parts["present_train"].var(axis=0)
    if not np.any(scale > 1e-12):
        return None
    scale[scale <= 1e-12] = np.nan
    penalties = PENALTIES * len(parts["past_train"])
    # A multi-output ridge for every penalty through one eigendecomposition.
    values, vectors = np.linalg.eigh(parts["past_train"].T @ parts["past_train"])
    projected = vectors.T @ (parts["past_train"].T @ parts["present_train"])
    share = -np.inf
    for penalty in penalties:
        coefficients = vectors @ (projected / (values + penalty)[:, None])
        left = parts["present_valid"] - parts["past_valid"] @ coefficients
        candidate = held_out_share((left**2).mean(0)[None], scale)
        if candidate > share:
            share, best = candidate, coefficients
    return {
        **parts,
        "scale": scale,
        "penalties": penalties,
        "coefficients": best,
        "share": share,
    }


def ridge_errors(fit: dict) -> np.ndarray:
    """Squared held-out errors of a :func:`ridge_var` ``fit``, of shape
    (n_valid, n_series): its held-out windows in the order of
    :func:`~sklearn_causal._windows.make_lag_windows`."""
    return (fit["present_valid"] - fit["past_valid"] @ fit["coefficients"]) ** 2
