"""fMRI-like BOLD series: a sparse neural network seen through a slow filter."""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln
from sklearn.utils import check_random_state

from ._base import _check_float, _check_int

__all__ = ["make_fmri_bold"]


def _module_graph(rng: np.random.RandomState, n_nodes: int) -> np.ndarray:
    """NetSim-like graph: modules of five nodes plus a few links between them.

    Inside a module of ``m`` nodes, a random order is drawn and each node but
    the first receives one link from an earlier node, and one node (third or
    later) one more (five links for five nodes, like NetSim's
    ``1 -> 2 -> 3 -> 4 -> 5`` chain with ``1 -> 5``). Every module but the
    first then receives one new link from a node of an earlier module, and
    one more new link joins two random modules for every three modules. All
    links run from earlier to later nodes of one order: no cycles.
    """
    order = rng.permutation(n_nodes)
    modules = [order[k : k + 5] for k in range(0, n_nodes, 5)]
    graph = np.zeros((n_nodes, n_nodes), dtype=bool)
    for nodes in modules:
        for position in range(1, nodes.size):
            graph[nodes[rng.randint(position)], nodes[position]] = True
        if nodes.size >= 3:
            position = rng.randint(2, nodes.size)
            earlier = nodes[:position]
            earlier = earlier[~graph[earlier, nodes[position]]]
            graph[rng.choice(earlier), nodes[position]] = True

    def link(source_module, target_module):
        free = np.argwhere(~graph[np.ix_(source_module, target_module)])
        a, b = free[rng.randint(len(free))]
        graph[source_module[a], target_module[b]] = True

    for k in range(1, len(modules)):
        link(modules[rng.randint(k)], modules[k])
    for _ in range(len(modules) // 3):
        a, b = sorted(rng.choice(len(modules), size=2, replace=False))
        link(modules[a], modules[b])
    return graph


def _double_gamma(times: np.ndarray, shape: tuple[float, float, float]) -> np.ndarray:
    """Haemodynamic response: a gamma(``a``) peak minus ``ratio`` times a
    gamma(``b``) undershoot, ``shape = (a, b, ratio)`` (canonical: 6, 16,
    1/6; modes at ``a - 1`` and ``b - 1`` seconds)."""
    peak, undershoot, ratio = shape
    positive = np.maximum(times, 1e-9)

    def gamma_pdf(a):
        return np.exp((a - 1) * np.log(positive) - positive - gammaln(a))

    return np.where(times > 0, gamma_pdf(peak) - ratio * gamma_pdf(undershoot), 0.0)


def make_fmri_bold(
    n_nodes: int = 10,
    n_timepoints: int = 200,
    *,
    repetition_time: float = 3.0,
    neural_step: float = 0.05,
    neural_time_constant: float = 0.5,
    coupling: tuple[float, float] = (0.3, 0.7),
    haemodynamic_jitter: float = 0.5,
    response_shape: tuple[float, float, float] = (6.0, 16.0, 1 / 6),
    noise: float = 1.0,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Simulate BOLD fMRI series of a sparse network of brain regions (NetSim-like).

    Follows the recipe of the NetSim simulations (Smith et al., 2011): a
    linear neural model on a sparse directed graph, driven by random
    up/down inputs, is sampled at a fine step; each node's activity is
    convolved with its own haemodynamic response (canonical double gamma
    with a per-node delay), sampled every ``repetition_time`` seconds, and
    observed with thermal noise. The neural state follows

    .. math::

        z_t = z_{t-1} + \frac{\Delta}{\tau}\,\big(W^\top z_{t-1} - z_{t-1}
              + u_t\big) + \frac{\sqrt{\Delta}}{\tau}\, \sigma \varepsilon_t,

    with ``W[i, j]`` the weight of ``i -> j``, ``Delta = neural_step``,
    ``tau = neural_time_constant``, ``u_t`` independent binary up/down inputs
    (mean durations 2.5 s up, 10 s down) and ``sigma = 0.5``.

    Parameters
    ----------
    n_nodes : int, default=10
        Number of regions ``p`` (NetSim: 5, 10, 15 or 50), in modules of 5.
    n_timepoints : int, default=200
        Number of BOLD samples (NetSim: 200, a 10-minute session).
    repetition_time : float, default=3.0
        Seconds between BOLD samples (TR).
    neural_step : float, default=0.05
        Seconds per step of the neural model.
    neural_time_constant : float, default=0.5
        Seconds; time constant ``tau`` of the neural self-decay.
    coupling : (float, float), default=(0.3, 0.7)
        Range of the uniform draw of each edge weight ``W[i, j]``.
    haemodynamic_jitter : float, default=0.5
        Standard deviation, in seconds, of each node's shift of its
        haemodynamic response; shifts of this size are known to mislead
        lag-based methods about the direction of links.
    response_shape : (float, float, float), default=(6.0, 16.0, 1/6)
        The haemodynamic response ``gamma(a) - ratio * gamma(b)`` as
        ``(a, b, ratio)``: gamma densities of shapes ``a`` (the peak, at
        ``a - 1`` seconds) and ``b`` (the undershoot). The default is the
        canonical response; ``(3.5, 8.0, 0.35)``, a faster response with a
        deeper undershoot, with ``noise=0.4`` and
        ``neural_time_constant=0.1`` gives series whose autocorrelations
        (lags 1-3) and mean absolute correlations and partial correlations
        are those of the NetSim sim3 subjects (docs/granger.md, 2.7).
    noise : float, default=1.0
        Standard deviation of the thermal noise, relative to each node's
        noiseless BOLD standard deviation.
    random_state : int, RandomState instance or None, default=None
        Seed of the graph, the weights, the inputs and the noise. An int or a
        RandomState instance leaves the global state untouched; None uses
        the global NumPy RandomState singleton.

    Returns
    -------
    X : ndarray of shape (n_timepoints, n_nodes)
        The BOLD series, each standardised to mean 0 and variance 1.
    graph : ndarray of bool of shape (n_nodes, n_nodes)
        ``graph[i, j]`` is True iff region ``i`` drives region ``j`` (row =
        cause). The diagonal is True (every node's self-decay, NetSim's -1
        diagonal), so a full-matrix score counts self-loops; an
        off-diagonal score leaves them out.

    Examples
    --------
    >>> from sklearn_causal.datasets import make_fmri_bold
    >>> X, graph = make_fmri_bold(n_nodes=5, random_state=0)
    >>> X.shape, graph.shape, int(graph.sum() - graph.trace())
    ((200, 5), (5, 5), 5)
    """
    p = _check_int(n_nodes, "n_nodes", min_val=2)
    n_timepoints = _check_int(n_timepoints, "n_timepoints", min_val=2)
    tr = _check_float(
        repetition_time, "repetition_time", min_val=0.0, include_boundaries="neither"
    )
    step = _check_float(
        neural_step, "neural_step", min_val=0.0, include_boundaries="neither"
    )
    tau = _check_float(
        neural_time_constant,
        "neural_time_constant",
        min_val=step,
        include_boundaries="left",
    )
    if len(coupling) != 2 or not 0 <= coupling[0] <= coupling[1]:
        raise ValueError(
            "coupling must be a pair (low, high) with 0 <= low <= high, "
            f"got {coupling!r}."
        )
    jitter = _check_float(haemodynamic_jitter, "haemodynamic_jitter", min_val=0.0)
    if len(response_shape) != 3 or not (
        response_shape[0] > 1 and response_shape[1] > 1 and response_shape[2] >= 0
    ):
        raise ValueError(
            "response_shape must be (a, b, ratio) with gamma shapes a > 1 and "
            f"b > 1 and ratio >= 0, got {response_shape!r}."
        )
    noise = _check_float(noise, "noise", min_val=0.0)
    rng = check_random_state(random_state)

    links = _module_graph(rng, p)
    weights = links * rng.uniform(coupling[0], coupling[1], size=(p, p))
    # The links of a node's inputs are scaled to a stable total (below 1).
    incoming = weights.sum(axis=0)
    weights *= np.where(incoming > 0.9, 0.9 / np.maximum(incoming, 1e-12), 1.0)

    per_sample = max(1, round(tr / step))
    kernel_seconds = 32.0
    burn_in = round(kernel_seconds / step) + per_sample * 10
    n_steps = burn_in + n_timepoints * per_sample
    up = np.zeros(p, dtype=bool)
    z = np.zeros(p)
    activity = np.empty((n_steps, p))
    leave_up, leave_down = step / 2.5, step / 10.0
    for t in range(n_steps):
        switch = rng.random_sample(p) < np.where(up, leave_up, leave_down)
        up ^= switch
        drive = weights.T @ z - z + up
        z = z + step / tau * drive + np.sqrt(step) / tau * 0.5 * rng.standard_normal(p)
        activity[t] = z

    lags = np.arange(round(kernel_seconds / step)) * step
    delays = jitter * rng.standard_normal(p)
    bold = np.empty((n_timepoints, p))
    sample_steps = burn_in + per_sample * np.arange(n_timepoints)
    for j in range(p):
        kernel = _double_gamma(lags - delays[j], response_shape)
        filtered = np.convolve(activity[:, j], kernel)[:n_steps]
        bold[:, j] = filtered[sample_steps]
    bold += noise * bold.std(axis=0) * rng.standard_normal(bold.shape)
    bold = (bold - bold.mean(axis=0)) / bold.std(axis=0)

    graph = links.copy()
    np.fill_diagonal(graph, True)
    return bold, graph
