"""Lag windows of multivariate time series, split by trajectory."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LagWindows", "make_lag_windows", "trajectory_rows"]


@dataclass(frozen=True)
class LagWindows:
    """Every lag window of a set of trajectories.

    Attributes
    ----------
    inputs : ndarray of shape (n_windows, lag, n_series)
        ``x_{t-k:t-1, 1:p}``, oldest step first.
    targets : ndarray of shape (n_windows, n_series)
        ``x_{t, 1:p}``.
    rows : ndarray of shape (n_windows,)
        Row of ``X`` holding the target of each window.
    position : ndarray of shape (n_windows,)
        Rank of the window inside its trajectory (0 for the earliest).
    length : ndarray of shape (n_windows,)
        Number of windows of the window's trajectory.
    """

    inputs: np.ndarray
    targets: np.ndarray
    rows: np.ndarray
    position: np.ndarray
    length: np.ndarray

    def tail_mask(self, fraction: float) -> np.ndarray:
        """Windows in the last ``fraction`` of each trajectory.

        The count per trajectory is ``floor(fraction * n_windows)``, so a
        trajectory too short to spare a window keeps all its windows.
        """
        n_tail = np.floor(fraction * self.length).astype(int)
        return self.position >= self.length - n_tail


def trajectory_rows(groups: np.ndarray | None, n_rows: int) -> list[np.ndarray]:
    """Row indices of every trajectory, in order of first appearance."""
    if groups is None:
        return [np.arange(n_rows)]
    _, first, inverse = np.unique(groups, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    return [np.flatnonzero(inverse == label) for label in order]


def make_lag_windows(
    X: np.ndarray, lag: int, groups: np.ndarray | None = None
) -> LagWindows:
    """Cut ``X`` into lag windows that never cross a trajectory boundary.

    Parameters
    ----------
    X : ndarray of shape (n_timepoints, n_series)
        Rows in time order within each trajectory.
    lag : int
        Window length ``k``.
    groups : array-like of shape (n_timepoints,), optional
        Trajectory label of every row; rows sharing a label form one
        trajectory, in the order they appear. None means a single trajectory.

    Returns
    -------
    windows : LagWindows

    Raises
    ------
    ValueError
        If a trajectory has ``lag`` rows or fewer (no complete window).
    """
    trajectories = trajectory_rows(groups, X.shape[0])
    too_short = [rows for rows in trajectories if rows.size <= lag]
    if too_short:
        what = (
            "X has"
            if groups is None
            else f"{len(too_short)} trajectory(ies) in groups have"
        )
        raise ValueError(
            f"Too few time points for lag={lag}: {what} "
            f"{min(rows.size for rows in too_short)} time point(s); each "
            f"trajectory needs at least lag + 1 = {lag + 1}."
        )
    offsets = np.arange(-lag, 0)
    window_rows = np.concatenate(
        [rows[np.arange(lag, rows.size)[:, None] + offsets] for rows in trajectories]
    )
    target_rows = np.concatenate([rows[lag:] for rows in trajectories])
    position = np.concatenate([np.arange(rows.size - lag) for rows in trajectories])
    length = np.concatenate(
        [np.full(rows.size - lag, rows.size - lag) for rows in trajectories]
    )
    return LagWindows(
        inputs=X[window_rows],
        targets=X[target_rows],
        rows=target_rows,
        position=position,
        length=length,
    )
