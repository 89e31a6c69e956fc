"""Where the couplings between series show: in the past, or at the same time.

``GrangerGRNGC(instantaneous="auto")`` adds the instantaneous coupling when
the other series' present values explain more of a series than the other
series' past does. Both shares are measured by linear ridge regressions on
lag-1 windows of the standardised series, fitted on the training windows and
scored on the held-out ones (the rows the estimator holds out), so the test
needs no ground truth and costs a few matrix inversions. With the coupling,
:func:`present_and_past` reads the ranking from the strengths at lag 0 and
at the lags of the past.
"""

from __future__ import annotations

import numpy as np

from ._ridge_var import held_out_share, ridge_var

__all__ = ["explained_shares", "present_and_past"]


def explained_shares(
    Z: np.ndarray, groups, valid_rows: np.ndarray, forecast_errors=None
) -> tuple[float, float]:
    """Held-out shares of the series' variance explained by the others.

    Parameters
    ----------
    Z : ndarray of shape (n_timepoints, n_series)
        Standardised series, without constant ones.
    groups : ndarray of shape (n_timepoints,) or None
        Trajectory labels.
    valid_rows : ndarray of int
        Rows of ``Z`` held out (the targets scored); the others train.
    forecast_errors : ndarray of shape (n_valid, n_series), optional
        Squared held-out errors of another forecaster of the rows
        ``valid_rows`` (in order) from the past, e.g. a network: the past
        then explains the larger of its share and the VAR's.

    Returns
    -------
    lagged : float
        The share of each series' variance (mean over series) that the past
        explains (a ridge VAR(1) forecast, or ``forecast_errors`` when they
        are lower) beyond a ridge AR(1) forecast from the series' own past:
        what the other series' past adds (negative where it only adds
        variance).
    instantaneous : float
        The share that the other series' VAR(1) residuals at the same time
        explain further (a ridge regression of each series' residual on
        the others'): what the other series' present adds to the past.

    Each linear share is the best over a grid of ridge penalties, on
    held-out windows, relative to each series' variance over the training
    windows. A series constant over the training windows is left out of
    the means; when every series is, both shares are 0.
    """
    var = ridge_var(Z, groups, valid_rows, 1)
    if var is None:
        return 0.0, 0.0
    past_train, past_valid = var["past_train"], var["past_valid"]
    present_train, present_valid = var["present_train"], var["present_valid"]
    scale, penalties, best = var["scale"], var["penalties"], var["coefficients"]
    var_share = var["share"]

    # Own past: one coefficient per series and penalty.
    own = (past_train * present_train).sum(0) / (
        (past_train**2).sum(0) + penalties[:, None]
    )
    own_errors = ((present_valid - own[:, None] * past_valid) ** 2).mean(1)
    residual_train = present_train - past_train @ best
    residual_valid = present_valid - past_valid @ best

    # The others at t: each series' residual regressed on every other
    # series' residual. The ridge coefficients of all these regressions are
    # read off one inverse, -P[i, j] / P[j, j] with P = (R'R + penalty I)^-1.
    gram = residual_train.T @ residual_train
    instant_errors = []
    for penalty in penalties:
        precision = np.linalg.inv(gram + penalty * np.eye(Z.shape[1]))
        coefficients = -precision / np.diag(precision)
        np.fill_diagonal(coefficients, 0.0)
        left = residual_valid - residual_valid @ coefficients
        instant_errors.append((left**2).mean(0))
    past_share = var_share
    if forecast_errors is not None:
        network = held_out_share(forecast_errors.mean(0)[None], scale)
        past_share = max(past_share, network)
    lagged = past_share - held_out_share(own_errors, scale)
    instantaneous = held_out_share(np.array(instant_errors), scale)
    # Shares of the whole variance: what the others at t explain beyond the
    # best VAR(1).
    return lagged, instantaneous - var_share


def present_and_past(present: np.ndarray | None, lags: np.ndarray) -> np.ndarray:
    """The ranking of links from the strengths at lag 0 and at lags 1..k.

    Without the instantaneous coupling (``present`` None) the strengths are
    summed over the lags, as the paper's ``GC_avg``. With it, the present
    and the past are two blocks of inputs of equal standing: a pair's
    strength off the diagonal is the mean of the two blocks' mean
    strengths, ``(present + lags.mean(axis=0)) / 2``. A sum over all
    positions would give the single lag-0 position the weight of one lag
    among ``k`` and let the noise of ``k`` lagged positions outweigh it
    (docs/granger.md, section 2.21). A self-loop has no present input to
    weigh against its past: the diagonal is the sum over the lags, as
    without the coupling, not the past's mean, which would divide it by
    ``k`` against the cross links (section 2.30).

    Parameters
    ----------
    present : ndarray of shape (n_series, n_series) or None
        Strengths at lag 0 (row = cause), zero diagonal.
    lags : ndarray of shape (n_lags, n_series, n_series)
        Strengths at lags ``1..n_lags``.

    Returns
    -------
    ndarray of shape (n_series, n_series)
    """
    summed = lags.sum(axis=0)
    if present is None:
        return summed
    return np.where(
        np.eye(len(present), dtype=bool), summed, (present + lags.mean(axis=0)) / 2
    )
