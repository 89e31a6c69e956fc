"""A held-out test of a causal ranking: forecast each series from its top causes.

A ranking of causes is only as good as the forecasts its first few causes
allow. :func:`restricted_forecast_errors` fits, for every ranking and
effect, a small MLP on the effect's own latest value and the ``n_causes``
series the ranking puts first, on training windows only, and returns the
error of every held-out window. Two rankings of the same data compare by
these errors without any ground truth (``GrangerGRNGC(long_training="auto")``,
``docs/granger.md`` section 2.17).
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["restricted_forecast_errors"]


def restricted_forecast_errors(
    rankings: np.ndarray,
    latest: torch.Tensor,
    targets: torch.Tensor,
    valid: np.ndarray,
    *,
    n_causes: int = 3,
    hidden_units: int = 32,
    n_steps: int = 400,
    check_every: int = 20,
    lr: float = 1e-2,
    seed: int = 0,
) -> np.ndarray:
    """Held-out errors of per-effect forecasts restricted to rankings' top causes.

    Parameters
    ----------
    rankings : array-like of shape (n_rankings, n_series, n_series)
        ``rankings[r, i, j]``: how strongly ranking ``r`` ranks series ``i``
        as a cause of series ``j`` (row = cause). The diagonals are ignored.
    latest : Tensor of shape (n_windows, n_series)
        Each window's latest values, ``x_{t-1}`` (standardized).
    targets : Tensor of shape (n_windows, n_series)
        The values forecast, ``x_t``.
    valid : ndarray of bool of shape (n_windows,)
        Held-out windows; the others train the forecasts.
    n_causes : int, default=3
        Causes kept per effect (fewer when there are fewer other series).
    hidden_units : int, default=32
        Hidden width of every per-effect MLP (SiLU, with a linear skip).
    n_steps : int, default=400
        Full-batch Adam steps.
    check_every : int, default=20
        The held-out errors are read every ``check_every`` steps; for each
        ranking, those of the check with the lowest mean are returned (the
        same rule for every ranking compared).
    lr : float, default=1e-2
        Adam learning rate.
    seed : int, default=0
        Seed of the initial weights (a private generator), the same for
        every ranking.

    Returns
    -------
    errors : ndarray of shape (n_rankings, n_valid)
        Squared forecast error of every held-out window, averaged over the
        effects, for each ranking.

    The rankings' forecasts train together, as one batch of
    ``n_rankings * n_series`` per-effect MLPs: their losses add and Adam acts
    on every weight alone, so each ranking's forecasts are those it would
    get trained on its own, at the cost of one training.
    """
    rankings = np.asarray(rankings)
    n_rankings, n_series = rankings.shape[:2]
    k = min(n_causes, n_series - 1)
    scores = np.where(np.eye(n_series, dtype=bool), -np.inf, rankings)
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k].transpose(0, 2, 1)
    own = np.broadcast_to(np.arange(n_series)[:, None], (n_rankings, n_series, 1))
    # (ranking x effect, its inputs): the top causes, then the effect itself.
    columns = torch.as_tensor(
        np.concatenate([top, own], axis=2).reshape(n_rankings * n_series, k + 1),
        device=latest.device,
    )
    width = k + 1
    generator = torch.Generator().manual_seed(seed)
    w_in = torch.randn(n_series, width, hidden_units, generator=generator)
    # Every effect's weights as one batch, windows last: (effect, unit, input)
    # by (effect, input, window) products are one batched matrix product each
    # way, more than twice as fast on one CPU thread as windows in the middle.
    batch = n_rankings * n_series
    params = [
        (w_in / width**0.5).transpose(1, 2).repeat(n_rankings, 1, 1).to(latest),
        torch.zeros(batch, hidden_units, 1).to(latest),
        torch.zeros(batch, 1, hidden_units).to(latest),
        torch.zeros(batch, 1, width).to(latest),
        torch.zeros(batch, 1, 1).to(latest),
    ]
    for tensor in params:
        tensor.requires_grad_()
    weight_in, bias_in, weight_out, weight_skip, bias_out = params

    def inputs(x):
        # (ranking x effect, its inputs, window)
        return x[:, columns].permute(1, 2, 0).contiguous()

    def squared_errors(x, y):
        # (ranking, effect, window)
        hidden = torch.nn.functional.silu(torch.baddbmm(bias_in, weight_in, x))
        forecast = (weight_out @ hidden + weight_skip @ x + bias_out).squeeze(1)
        return ((forecast - y) ** 2).view(n_rankings, n_series, -1)

    valid = torch.as_tensor(valid, device=latest.device)
    x_train, y_train = inputs(latest[~valid]), targets[~valid].T.repeat(n_rankings, 1)
    x_valid, y_valid = inputs(latest[valid]), targets[valid].T.repeat(n_rankings, 1)
    optimizer = torch.optim.Adam(params, lr=lr)
    best = None
    for step in range(1, n_steps + 1):
        optimizer.zero_grad()
        # Each ranking's mean error, summed: every ranking's weights get the
        # gradient of its own mean.
        squared_errors(x_train, y_train).mean(dim=(1, 2)).sum().backward()
        optimizer.step()
        if step % check_every == 0:
            with torch.no_grad():
                errors = squared_errors(x_valid, y_valid).mean(dim=1)
            if best is None:
                best = errors
            else:
                better = errors.mean(dim=1) < best.mean(dim=1)
                best = torch.where(better[:, None], errors, best)
    return best.cpu().numpy().astype(np.float64)
