"""Multivariate time series with a known Granger-causal graph."""

from __future__ import annotations

import numpy as np
from scipy.integrate import odeint
from sklearn.utils import check_random_state

from ._base import _check_float, _check_int

__all__ = ["make_lorenz96", "make_nonlinear_var"]


def make_lorenz96(
    n_series: int = 20,
    n_timepoints: int = 1000,
    forcing: float = 10.0,
    *,
    sampling_step: float = 0.1,
    burn_in: int = 1000,
    noise: float = 0.1,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Simulate the Lorenz-96 system and return its Granger-causal graph.

    The ``p = n_series`` state variables follow

    .. math::

        \frac{dx_i}{dt} = (x_{i+1} - x_{i-2})\, x_{i-1} - x_i + F,

    with indices taken modulo ``p`` and constant forcing ``F``. The system is
    chaotic for ``F`` around 8 and above (benchmarks use 10, 20 and 40).

    Parameters
    ----------
    n_series : int, default=20
        Number of variables ``p``; must be at least 4 so that the four
        drivers ``i-2, i-1, i, i+1`` of a series are distinct.
    n_timepoints : int, default=1000
        Number of returned samples ``T``.
    forcing : float, default=10.0
        Constant forcing ``F``.
    sampling_step : float, default=0.1
        Time between two consecutive samples.
    burn_in : int, default=1000
        Number of initial samples discarded (the trajectory starts close to
        the origin and needs time to reach the attractor).
    noise : float, default=0.1
        Standard deviation of the i.i.d. Gaussian observation noise added to
        every returned sample.
    random_state : int, RandomState instance or None, default=None
        Seed of the initial state and of the observation noise. Pass an int
        for reproducible output; None uses the global NumPy RandomState
        singleton, as everywhere in scikit-learn (see
        :func:`sklearn.utils.check_random_state`); an int or a RandomState
        instance leaves the global state untouched.

    Returns
    -------
    X : ndarray of shape (n_timepoints, n_series)
        The sampled trajectory (time along axis 0).
    graph : ndarray of bool of shape (n_series, n_series)
        Granger-causal graph, ``graph[i, j]`` is True iff series ``i`` causes
        series ``j`` (row = cause, column = effect, as a networkx adjacency
        matrix). Column ``j`` has exactly four True entries, at rows
        ``(j - 2) % p``, ``(j - 1) % p``, ``j`` and ``(j + 1) % p``; the
        diagonal is True (self-dependence).

    Notes
    -----
    The initial state is drawn from :math:`N(0, 0.01^2)` per variable and the
    system is integrated with LSODA (:func:`scipy.integrate.odeint`) on the
    grid ``t_k = k * sampling_step``, ``k = 0, ..., burn_in + n_timepoints - 1``;
    the first ``burn_in`` samples are dropped before the noise is added.

    The model was introduced by Lorenz (1996, "Predictability: a problem
    partly solved") and is a standard Granger-causality benchmark (e.g. Tank
    et al., "Neural Granger causality", IEEE TPAMI 2021).

    Examples
    --------
    >>> from sklearn_causal.datasets import make_lorenz96
    >>> X, graph = make_lorenz96(n_series=10, n_timepoints=200, random_state=0)
    >>> X.shape, graph.shape, graph.dtype
    ((200, 10), (10, 10), dtype('bool'))
    >>> graph.sum(axis=0)
    array([4, 4, 4, 4, 4, 4, 4, 4, 4, 4])
    """
    p = _check_int(n_series, "n_series", min_val=4)
    n_timepoints = _check_int(n_timepoints, "n_timepoints", min_val=1)
    forcing = _check_float(forcing, "forcing")
    sampling_step = _check_float(
        sampling_step, "sampling_step", min_val=0.0, include_boundaries="neither"
    )
    burn_in = _check_int(burn_in, "burn_in", min_val=0)
    noise = _check_float(noise, "noise", min_val=0.0)
    rng = check_random_state(random_state)

    idx = np.arange(p)
    plus1, minus1, minus2 = (idx + 1) % p, (idx - 1) % p, (idx - 2) % p

    def rhs(x: np.ndarray, _t: float) -> np.ndarray:
        return (x[plus1] - x[minus2]) * x[minus1] - x + forcing

    x0 = rng.normal(scale=0.01, size=p)
    times = np.arange(burn_in + n_timepoints) * sampling_step
    X = odeint(rhs, x0, times)[burn_in:]
    X = X + noise * rng.standard_normal(size=X.shape)

    graph = np.zeros((p, p), dtype=bool)
    graph[minus2, idx] = True
    graph[minus1, idx] = True
    graph[idx, idx] = True
    graph[plus1, idx] = True
    return X, graph


_NONLINEARITIES = {"tanh": np.tanh, "sin": np.sin}


def make_nonlinear_var(
    n_series: int = 20,
    n_timepoints: int = 1000,
    *,
    lag: int = 3,
    n_parents: int = 3,
    nonlinearity: str = "tanh",
    noise: float = 0.5,
    burn_in: int = 100,
    random_state: int | np.random.RandomState | None = None,
    return_lag_graph: bool = False,
) -> tuple[np.ndarray, np.ndarray] | tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Simulate a sparse, stable, nonlinear vector autoregression.

    Every series ``j`` follows

    .. math::

        x_{t,j} = \sum_{l=1}^{L} \sum_{i=1}^{p} A_{l,i,j}\, g(x_{t-l,i})
                  + \sigma \varepsilon_{t,j},
        \qquad \varepsilon_{t,j} \sim N(0, 1) \text{ i.i.d.},

    with ``g`` a bounded nonlinearity (``tanh`` or ``sin``), ``L = lag`` and
    ``sigma = noise``. The parents of series ``j`` are ``j`` itself and
    ``n_parents`` other series drawn uniformly without replacement. Each edge
    ``i -> j`` is active at a random non-empty subset of the lags: one lag
    drawn uniformly in ``1..L`` is always active and every other lag
    independently with probability 1/2. An active coefficient is
    ``A_{l,i,j} = s * u`` with a random sign ``s`` and ``u ~ U(0.5, 1)``;
    inactive coefficients are zero.

    Parameters
    ----------
    n_series : int, default=20
        Number of series ``p``.
    n_timepoints : int, default=1000
        Number of returned samples ``T``.
    lag : int, default=3
        Maximal lag ``L`` (at least 1).
    n_parents : int, default=3
        Number of parents of each series besides itself, in
        ``0..n_series - 1``.
    nonlinearity : {"tanh", "sin"}, default="tanh"
        The bounded function ``g``. ``"sin"`` is non-monotone and therefore
        much harder for linear methods.
    noise : float, default=0.5
        Standard deviation ``sigma`` of the innovations.
    burn_in : int, default=100
        Number of initial samples discarded.
    random_state : int, RandomState instance or None, default=None
        Seed of the graph, the coefficients, the initial values and the
        innovations. Pass an int for reproducible output; None uses the global
        NumPy RandomState singleton, as everywhere in scikit-learn (see
        :func:`sklearn.utils.check_random_state`); an int or a RandomState
        instance leaves the global state untouched.
    return_lag_graph : bool, default=False
        If True, also return the per-lag graph.

    Returns
    -------
    X : ndarray of shape (n_timepoints, n_series)
        The simulated series (time along axis 0).
    graph : ndarray of bool of shape (n_series, n_series)
        Granger-causal summary graph, ``graph[i, j]`` is True iff series
        ``i`` causes series ``j`` at some lag (row = cause, column = effect,
        as a networkx adjacency matrix). The diagonal is True and every
        column has ``n_parents + 1`` True entries.
    lag_graph : ndarray of bool of shape (lag, n_series, n_series)
        Only when ``return_lag_graph=True``: ``lag_graph[l - 1, i, j]`` is
        True iff ``x_{t-l, i}`` enters the equation of ``x_{t, j}`` (row =
        cause, column = effect). ``graph == lag_graph.any(axis=0)``.

    Notes
    -----
    Stability is guaranteed for any coefficients: since ``|g| <= 1``, the
    deterministic part of ``x_{t,j}`` is bounded by ``sum_{l,i} |A_{l,i,j}|``
    so the process cannot diverge, and a bounded autoregression driven by
    Gaussian noise is geometrically ergodic (it forgets its initial values,
    which are drawn from :math:`N(0, 1)`).

    Examples
    --------
    >>> from sklearn_causal.datasets import make_nonlinear_var
    >>> X, graph, lag_graph = make_nonlinear_var(
    ...     n_series=5, n_timepoints=100, lag=2, n_parents=1, random_state=0,
    ...     return_lag_graph=True)
    >>> X.shape, graph.shape, lag_graph.shape
    ((100, 5), (5, 5), (2, 5, 5))
    >>> graph.sum(axis=0)
    array([2, 2, 2, 2, 2])
    """
    p = _check_int(n_series, "n_series", min_val=1)
    n_timepoints = _check_int(n_timepoints, "n_timepoints", min_val=1)
    lag = _check_int(lag, "lag", min_val=1)
    n_parents = _check_int(n_parents, "n_parents", min_val=0, max_val=p - 1)
    if nonlinearity not in _NONLINEARITIES:
        raise ValueError(
            f"nonlinearity must be one of {sorted(_NONLINEARITIES)}, "
            f"got {nonlinearity!r}."
        )
    g = _NONLINEARITIES[nonlinearity]
    noise = _check_float(noise, "noise", min_val=0.0)
    burn_in = _check_int(burn_in, "burn_in", min_val=0)
    rng = check_random_state(random_state)

    graph = np.eye(p, dtype=bool)
    for j in range(p):
        others = np.delete(np.arange(p), j)
        graph[rng.choice(others, size=n_parents, replace=False), j] = True

    lag_graph = np.zeros((lag, p, p), dtype=bool)
    sources, targets = np.nonzero(graph)
    n_edges = sources.size
    active = rng.random_sample((n_edges, lag)) < 0.5
    active[np.arange(n_edges), rng.randint(lag, size=n_edges)] = True
    lag_graph[:, sources, targets] = active.T

    signs = rng.choice([-1.0, 1.0], size=lag_graph.shape)
    coef = signs * rng.uniform(0.5, 1.0, size=lag_graph.shape) * lag_graph
    # Row (l - 1) * p + i of ``coef_flat`` multiplies g(x_{t-l, i}).
    coef_flat = coef.reshape(lag * p, p)

    n_total = lag + burn_in + n_timepoints
    X = np.empty((n_total, p))
    X[:lag] = rng.standard_normal((lag, p))
    innovations = noise * rng.standard_normal((n_total, p))
    gX = np.empty_like(X)
    gX[:lag] = g(X[:lag])
    for t in range(lag, n_total):
        past = gX[t - lag : t][::-1].reshape(-1)  # lags 1, 2, ..., L
        X[t] = past @ coef_flat + innovations[t]
        gX[t] = g(X[t])
    X = X[lag + burn_in :]

    if return_lag_graph:
        return X, graph, lag_graph
    return X, graph
