"""Random DAGs and data sampled from structural equation models on them."""

from __future__ import annotations

import numpy as np
from scipy.special import expit
from sklearn.utils import check_random_state
from sklearn.utils.random import sample_without_replacement

from ._base import _check_float, _check_int, _standardize

__all__ = ["make_dag", "make_dag_classification", "make_dag_data"]

_MECHANISMS = ("linear", "anm_gp", "additive_gp", "mlp", "sigmoid", "quadratic")
_GRAPH_TYPES = ("erdos_renyi", "scale_free")
# Hidden units of the random networks of the "mlp" mechanism.
_MLP_HIDDEN = 10
# Number of random Fourier features approximating one GP prior draw.
_N_FOURIER = 200
# Scale of the logit of the binary target of make_dag_classification.
_TARGET_LOGIT_SCALE = 4.0


def make_dag(
    n_nodes: int,
    n_edges: int | None = None,
    *,
    graph_type: str = "erdos_renyi",
    random_state: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Draw a random DAG with a given number of edges.

    A random topological order (a uniform permutation of the nodes) is drawn
    first. Then, for ``graph_type="erdos_renyi"``, ``n_edges`` of the
    ``n_nodes * (n_nodes - 1) / 2`` pairs that are compatible with that
    order are chosen uniformly without replacement. For
    ``graph_type="scale_free"``, the nodes join one after the other in that
    order and each attaches to earlier nodes with probability proportional
    to their current degree plus one (preferential attachment, as in the
    Barabási–Albert model), about ``n_edges / n_nodes`` attachments per
    node: a few hubs with many children and many nodes with few edges.
    Because the order is random the adjacency matrix is not triangular.

    Parameters
    ----------
    n_nodes : int
        Number of nodes ``d`` (at least 1).
    n_edges : int or None, default=None
        Exact number of edges; ``None`` means ``2 * n_nodes`` (capped at the
        maximal number ``d * (d - 1) / 2`` of edges of a DAG). An explicit
        value above that maximum raises a ValueError.
    graph_type : {"erdos_renyi", "scale_free"}, default="erdos_renyi"
        How the edges are drawn (see above).
    random_state : int, RandomState instance or None, default=None
        Seed of the order and of the edges. Pass an int for reproducible
        output; None uses the global NumPy RandomState singleton, as
        everywhere in scikit-learn (see
        :func:`sklearn.utils.check_random_state`); an int or a RandomState
        instance leaves the global state untouched.

    Returns
    -------
    graph : ndarray of bool of shape (n_nodes, n_nodes)
        Adjacency matrix, ``graph[i, j]`` is True iff ``i -> j`` (row =
        cause, column = effect, as a networkx adjacency matrix). Acyclic,
        zero diagonal, exactly ``n_edges`` True entries.

    Examples
    --------
    >>> from sklearn_causal.datasets import make_dag
    >>> graph = make_dag(10, 15, random_state=0)
    >>> graph.shape, int(graph.sum()), bool(graph.diagonal().any())
    ((10, 10), 15, False)
    """
    d = _check_int(n_nodes, "n_nodes", min_val=1)
    max_edges = d * (d - 1) // 2
    if n_edges is None:
        n_edges = min(2 * d, max_edges)
    n_edges = _check_int(n_edges, "n_edges", min_val=0)
    if n_edges > max_edges:
        raise ValueError(
            f"n_edges={n_edges} exceeds the maximal number of edges of a DAG "
            f"with {d} nodes, {max_edges}."
        )
    if graph_type not in _GRAPH_TYPES:
        raise ValueError(
            f"graph_type must be one of {list(_GRAPH_TYPES)}, got {graph_type!r}."
        )
    rng = check_random_state(random_state)

    order = rng.permutation(d)
    graph = np.zeros((d, d), dtype=bool)
    if n_edges == 0:
        return graph
    if graph_type == "scale_free":
        return _preferential_attachment(order, n_edges, rng)
    # Enumerate the pairs (a, b), a < b, of positions in the order row by
    # row; pair number k lies in row a with row_start[a] <= k < row_start[a+1].
    picks = sample_without_replacement(
        max_edges, n_edges, random_state=rng.randint(np.iinfo(np.int32).max)
    ).astype(np.int64)
    rows = np.arange(d, dtype=np.int64)
    row_start = rows * d - rows * (rows + 1) // 2
    a = np.searchsorted(row_start, picks, side="right") - 1
    b = picks - row_start[a] + a + 1
    graph[order[a], order[b]] = True
    return graph


def _preferential_attachment(
    order: np.ndarray, n_edges: int, rng: np.random.RandomState
) -> np.ndarray:
    """Scale-free DAG: nodes join in ``order``, attaching to earlier ones.

    Node number ``i`` in the order can have at most ``i`` parents; the
    ``n_edges`` attachments are spread as evenly as that allows, the later
    nodes taking what the early ones cannot.
    """
    d = len(order)
    capacity = np.arange(d)
    counts = np.zeros(d, dtype=int)
    left = n_edges
    for position in range(d - 1, 0, -1):
        counts[position] = min(capacity[position], left // position)
        left -= counts[position]
    for position in range(d - 1, 0, -1):
        extra = min(capacity[position] - counts[position], left)
        counts[position] += extra
        left -= extra
    graph = np.zeros((d, d), dtype=bool)
    degree = np.ones(d)
    for position in range(1, d):
        earlier = order[:position]
        weights = degree[earlier] / degree[earlier].sum()
        parents = rng.choice(earlier, counts[position], replace=False, p=weights)
        graph[parents, order[position]] = True
        degree[parents] += 1
        degree[order[position]] += counts[position]
    return graph


def _topological_order(graph: np.ndarray) -> np.ndarray:
    """Kahn's algorithm; raises ValueError if ``graph`` has a cycle."""
    in_degree = graph.sum(axis=0).astype(int)
    stack = list(np.flatnonzero(in_degree == 0)[::-1])
    order = []
    while stack:
        node = stack.pop()
        order.append(node)
        for child in np.flatnonzero(graph[node]):
            in_degree[child] -= 1
            if in_degree[child] == 0:
                stack.append(child)
    if len(order) != graph.shape[0]:
        raise ValueError("graph contains a cycle.")
    return np.asarray(order, dtype=int)


def _rff_draw(Z: np.ndarray, rng: np.random.RandomState, length_scale: float):
    """Evaluate on ``Z`` one approximate draw of a GP with an RBF kernel.

    ``f(z) = sqrt(2 / D) * sum_k beta_k cos(omega_k . z / length_scale + b_k)``
    with ``omega_k ~ N(0, I)``, ``b_k ~ U(0, 2 pi)``, ``beta_k ~ N(0, 1)``:
    a zero-mean process with covariance converging to
    ``exp(-||z - z'||^2 / (2 length_scale^2))`` as ``D`` grows (Rahimi &
    Recht, 2007).
    """
    omega = rng.standard_normal((Z.shape[1], _N_FOURIER)) / length_scale
    phase = rng.uniform(0.0, 2.0 * np.pi, size=_N_FOURIER)
    beta = rng.standard_normal(_N_FOURIER) * np.sqrt(2.0 / _N_FOURIER)
    # Single precision: NumPy's vectorised float32 cosine is an order of
    # magnitude faster, and 1e-6 relative error is immaterial here. The
    # products are thin (few parents, one output), where plain einsum loops
    # beat multi-threaded BLAS calls.
    projection = np.einsum("nk,kd->nd", Z.astype(np.float32), omega.astype(np.float32))
    projection += phase.astype(np.float32)
    features = np.cos(projection, out=projection)
    return np.einsum("nd,d->n", features, beta.astype(np.float32)).astype(np.float64)


def _mechanism(
    Z: np.ndarray,
    mechanism: str,
    rng: np.random.RandomState,
    length_scale: float,
) -> np.ndarray:
    """Noise-free function of the standardised parent matrix ``Z``."""
    if mechanism == "linear":
        k = Z.shape[1]
        weights = rng.uniform(0.5, 2.0, size=k) * rng.choice([-1.0, 1.0], size=k)
        return Z @ weights
    if mechanism == "anm_gp":
        return _rff_draw(Z, rng, length_scale)
    if mechanism == "additive_gp":
        # One independent one-dimensional draw per parent.
        out = np.zeros(Z.shape[0])
        for k in range(Z.shape[1]):
            out += _rff_draw(Z[:, [k]], rng, length_scale)
        return out
    k = Z.shape[1]
    if mechanism == "mlp":
        shape = (k, _MLP_HIDDEN)
        hidden = expit(
            Z @ _signed_uniform(shape, rng) + rng.uniform(-1, 1, _MLP_HIDDEN)
        )
        out = hidden @ _signed_uniform(_MLP_HIDDEN, rng)
    elif mechanism == "sigmoid":
        out = np.tanh(Z * _signed_uniform(k, rng, 1.0, 3.0)) @ _signed_uniform(k, rng)
    else:  # quadratic
        out = Z @ _signed_uniform(k, rng) + (Z**2 - 1.0) @ _signed_uniform(
            k, rng, 0.5, 1.5
        )
    return out / max(out.std(), np.finfo(float).tiny)


def _signed_uniform(shape, rng, low: float = 0.5, high: float = 2.0) -> np.ndarray:
    """Weights with ``|w| ~ U(low, high)`` and a random sign."""
    return rng.uniform(low, high, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def _check_mechanism(mechanism: str) -> str:
    if mechanism not in _MECHANISMS:
        raise ValueError(
            f"mechanism must be one of {list(_MECHANISMS)}, got {mechanism!r}."
        )
    return mechanism


def _check_noise_scale(noise_scale) -> float | tuple[float, float]:
    """A non-negative float, or a (low, high) range of them."""
    if isinstance(noise_scale, tuple | list):
        if len(noise_scale) != 2:
            raise ValueError(
                "noise_scale must be a float or a (low, high) pair, got "
                f"{noise_scale!r}."
            )
        low = _check_float(noise_scale[0], "noise_scale[0]", min_val=0.0)
        high = _check_float(noise_scale[1], "noise_scale[1]", min_val=low)
        return (low, high)
    return _check_float(noise_scale, "noise_scale", min_val=0.0)


def _sample_sem(
    graph: np.ndarray,
    n_samples: int,
    mechanism: str,
    noise_scale: float | tuple[float, float],
    length_scale: float,
    rng: np.random.RandomState,
    binary_node: int | None = None,
) -> np.ndarray:
    """Sample every node of ``graph`` in topological order."""
    d = graph.shape[0]
    X = np.empty((n_samples, d))
    if isinstance(noise_scale, tuple):
        scales = rng.uniform(*noise_scale, size=d)
    else:
        scales = np.full(d, noise_scale)
    for j in _topological_order(graph):
        parents = np.flatnonzero(graph[:, j])
        if j == binary_node:
            if parents.size:
                f = _mechanism(
                    _standardize(X[:, parents]), mechanism, rng, length_scale
                )
                logit = _TARGET_LOGIT_SCALE * _standardize(f[:, None])[:, 0]
            else:
                logit = np.zeros(n_samples)
            prob = expit(logit)
            X[:, j] = (rng.random_sample(n_samples) < prob).astype(float)
            continue
        noise = scales[j] * rng.standard_normal(n_samples)
        if parents.size == 0:
            X[:, j] = noise
        else:
            Z = _standardize(X[:, parents])
            X[:, j] = _mechanism(Z, mechanism, rng, length_scale) + noise
    return X


def make_dag_data(
    n_nodes: int = 50,
    n_edges: int | None = None,
    n_samples: int = 1000,
    *,
    mechanism: str = "linear",
    graph_type: str = "erdos_renyi",
    noise_scale: float | tuple[float, float] = 1.0,
    length_scale: float = 1.0,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sample i.i.d. data from a random structural equation model.

    A DAG is drawn with :func:`make_dag` and the nodes are sampled in
    topological order. A root node is :math:`N(0, \\sigma^2)` with
    ``sigma = noise_scale``. For a node ``j`` with parents ``pa(j)``, the
    parent columns are first standardised (empirical mean 0 and variance 1
    over the ``n_samples`` rows) into ``z``, then

    - ``"linear"``: linear Gaussian SEM,
      ``x_j = sum_k w_{kj} z_k + sigma * e_j`` with ``|w_{kj}| ~ U(0.5, 2.0)``
      and a random sign;
    - ``"anm_gp"``: additive noise model ``x_j = f_j(z) + sigma * e_j`` with
      ``f_j`` one draw of a zero-mean Gaussian process with RBF kernel
      ``exp(-||z - z'||^2 / (2 l^2))`` over the joint parent vector;
    - ``"additive_gp"``: ``x_j = sum_k f_{jk}(z_k) + sigma * e_j``, each
      ``f_{jk}`` an independent one-dimensional GP draw with the same kernel
      (a causal additive model);
    - ``"mlp"``: ``f_j`` a random one-hidden-layer network of 10 sigmoid
      units (weights with ``|w| ~ U(0.5, 2)`` and a random sign, biases
      ``U(-1, 1)``), as in GraN-DAG's benchmarks;
    - ``"sigmoid"``: ``f_j(z) = sum_k w_k tanh(a_k z_k)`` with ``|w_k| ~ U(0.5,
      2)`` and ``|a_k| ~ U(1, 3)``, saturating additive effects;
    - ``"quadratic"``: ``f_j(z) = sum_k w_k z_k + v_k (z_k^2 - 1)`` with
      ``|v_k| ~ U(0.5, 1.5)``, non-monotone effects;

    with ``e_j ~ N(0, 1)`` i.i.d. and ``l = length_scale``. The last three
    mechanisms are scaled to unit variance over the samples, so that
    ``sigma`` alone sets the signal-to-noise ratio.

    Parameters
    ----------
    n_nodes : int, default=50
        Number of variables ``d``.
    n_edges : int or None, default=None
        Number of edges of the DAG; ``None`` means ``2 * n_nodes`` (see
        :func:`make_dag`).
    n_samples : int, default=1000
        Number of samples ``n`` (at least 2, for the standardisation).
    mechanism : {"linear", "anm_gp", "additive_gp", "mlp", "sigmoid", \
"quadratic"}, default="linear"
        Functional form of the structural equations.
    graph_type : {"erdos_renyi", "scale_free"}, default="erdos_renyi"
        How the DAG is drawn (see :func:`make_dag`).
    noise_scale : float or (low, high), default=1.0
        Standard deviation ``sigma`` of the additive Gaussian noise and of
        the root nodes; a pair draws one ``sigma`` per node from
        ``U(low, high)`` (heterogeneous noise).
    length_scale : float, default=1.0
        Length scale ``l`` of the RBF kernel (GP mechanisms only); the inputs
        are standardised, so 1.0 gives moderately wiggly functions.
    random_state : int, RandomState instance or None, default=None
        Seed of the graph, the mechanisms and the noise. Pass an int for
        reproducible output; None uses the global NumPy RandomState singleton,
        as everywhere in scikit-learn (see
        :func:`sklearn.utils.check_random_state`); an int or a RandomState
        instance leaves the global state untouched.

    Returns
    -------
    X : ndarray of shape (n_samples, n_nodes)
        The samples; column ``j`` is node ``j`` of ``graph``.
    graph : ndarray of bool of shape (n_nodes, n_nodes)
        The data-generating DAG, ``graph[i, j]`` is True iff ``i -> j``
        (row = cause, column = effect, as a networkx adjacency matrix).

    Notes
    -----
    Exact GP sampling needs an ``n x n`` Cholesky factorisation per function,
    which is far too slow for thousands of samples. A GP draw is therefore
    approximated with 200 random Fourier features (Rahimi & Recht, "Random
    features for large-scale kernel machines", NIPS 2007):
    ``f(z) = sqrt(2/D) sum_k beta_k cos(omega_k . z / l + b_k)`` with
    ``omega_k ~ N(0, I)``, ``b_k ~ U(0, 2 pi)`` and ``beta_k ~ N(0, 1)``,
    whose covariance converges to the RBF kernel; ``f`` has unit prior
    variance. Standardising the parents makes the variance of a node
    independent of its depth in the DAG: about ``1 + sigma^2`` for
    ``"anm_gp"``, and growing only with the number of parents for
    ``"additive_gp"`` and ``"linear"``. It also removes most of the
    "varsortability" of raw linear SEMs (Reisach et al., NeurIPS 2021).
    Empirical standardisation makes the rows very slightly dependent, which
    is immaterial for benchmarking. The random draws follow the topological
    order, so the output depends only on ``random_state``.

    Examples
    --------
    >>> from sklearn_causal.datasets import make_dag_data
    >>> X, graph = make_dag_data(n_nodes=10, n_samples=200, mechanism="anm_gp",
    ...                          random_state=0)
    >>> X.shape, graph.shape, int(graph.sum())
    ((200, 10), (10, 10), 20)
    """
    n_samples = _check_int(n_samples, "n_samples", min_val=2)
    mechanism = _check_mechanism(mechanism)
    noise_scale = _check_noise_scale(noise_scale)
    length_scale = _check_float(
        length_scale, "length_scale", min_val=0.0, include_boundaries="neither"
    )
    rng = check_random_state(random_state)
    graph = make_dag(n_nodes, n_edges, graph_type=graph_type, random_state=rng)
    X = _sample_sem(graph, n_samples, mechanism, noise_scale, length_scale, rng)
    return X, graph


def _default_target(graph: np.ndarray, rng: np.random.RandomState) -> int:
    """A random node with parents and children, or failing that with edges."""
    has_parents = graph.any(axis=0)
    has_children = graph.any(axis=1)
    for candidates in (
        np.flatnonzero(has_parents & has_children),
        np.flatnonzero(has_parents | has_children),
        np.arange(graph.shape[0]),
    ):
        if candidates.size:
            return int(rng.choice(candidates))
    raise AssertionError("unreachable")  # pragma: no cover


def make_dag_classification(
    n_nodes: int = 20,
    n_edges: int | None = None,
    n_samples: int = 1000,
    *,
    mechanism: str = "linear",
    graph_type: str = "erdos_renyi",
    n_irrelevant: int = 0,
    target: int | None = None,
    noise_scale: float | tuple[float, float] = 1.0,
    length_scale: float = 1.0,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Sample a classification problem whose binary target lies in a DAG.

    A DAG over ``n_nodes`` variables is drawn with :func:`make_dag` and
    sampled in topological order as in :func:`make_dag_data`, except that
    one node, the target, is binary. Its children are generated from its
    0/1 value (standardised like every parent), so the DAG remains the true
    data-generating graph and the Markov blanket of the target is the
    optimal feature set.

    **Layout.** ``X`` holds every variable except the target: first the
    ``n_nodes - 1`` DAG variables (in their order in the drawn DAG, the
    target removed), then ``n_irrelevant`` independent :math:`N(0, 1)`
    features. ``graph`` is over the columns of ``X`` followed by the target:
    index ``k < X.shape[1]`` is column ``k`` of ``X`` and the target is the
    last index ``target_index == X.shape[1] == n_nodes - 1 + n_irrelevant``.
    The irrelevant features are isolated nodes. Hence
    ``markov_blanket(graph, target_index)`` gives the indices of the
    relevant columns of ``X`` directly.

    Parameters
    ----------
    n_nodes : int, default=20
        Number of variables of the DAG, target included (at least 2).
    n_edges : int or None, default=None
        Number of edges; ``None`` means ``2 * n_nodes`` (see
        :func:`make_dag`).
    n_samples : int, default=1000
        Number of samples (at least 2).
    mechanism : {"linear", "anm_gp", "additive_gp", "mlp", "sigmoid", \
"quadratic"}, default="linear"
        Functional form of the structural equations, see
        :func:`make_dag_data`.
    graph_type : {"erdos_renyi", "scale_free"}, default="erdos_renyi"
        How the DAG is drawn (see :func:`make_dag`).
    n_irrelevant : int, default=0
        Number of independent standard normal features appended to ``X``.
    target : int or None, default=None
        Node of the drawn DAG (in ``0..n_nodes - 1``) made binary. ``None``
        picks uniformly among the nodes that have both parents and children,
        or failing that among the nodes with at least one edge.
    noise_scale : float or (low, high), default=1.0
        Noise standard deviation of the continuous nodes, or the range of
        one drawn per node (see :func:`make_dag_data`).
    length_scale : float, default=1.0
        RBF length scale of the GP mechanisms.
    random_state : int, RandomState instance or None, default=None
        Seed of everything. Pass an int for reproducible output; None uses the
        global NumPy RandomState singleton, as everywhere in scikit-learn (see
        :func:`sklearn.utils.check_random_state`); an int or a RandomState
        instance leaves the global state untouched.

    Returns
    -------
    X : ndarray of shape (n_samples, n_nodes - 1 + n_irrelevant)
        Features.
    y : ndarray of int of shape (n_samples,)
        Binary target in {0, 1}.
    graph : ndarray of bool of shape (n_nodes + n_irrelevant, n_nodes + n_irrelevant)
        The data-generating DAG over ``[X columns..., target]``,
        ``graph[i, j]`` is True iff ``i -> j`` (row = cause, column =
        effect, as a networkx adjacency matrix).
    target_index : int
        Index of the target in ``graph``, always ``X.shape[1]``.

    Notes
    -----
    With ``f`` the noise-free mechanism of the target applied to its
    standardised parents (same families as :func:`make_dag_data`) and ``s``
    the standardised ``f``, the target is
    ``y ~ Bernoulli(sigmoid(4 * s))``: the classes are roughly balanced and
    the Bayes accuracy given the parents is about 0.87. A target without
    parents is ``Bernoulli(1/2)``.

    Examples
    --------
    >>> from sklearn_causal.datasets import make_dag_classification
    >>> from sklearn_causal.metrics import markov_blanket
    >>> X, y, graph, t = make_dag_classification(
    ...     n_nodes=10, n_samples=100, n_irrelevant=3, random_state=0)
    >>> X.shape, y.shape, graph.shape, t
    ((100, 12), (100,), (13, 13), 12)
    >>> relevant = markov_blanket(graph, t)  # columns of X
    >>> bool(relevant.max() < 9)
    True
    """
    d = _check_int(n_nodes, "n_nodes", min_val=2)
    n_samples = _check_int(n_samples, "n_samples", min_val=2)
    mechanism = _check_mechanism(mechanism)
    n_irrelevant = _check_int(n_irrelevant, "n_irrelevant", min_val=0)
    if target is not None:
        target = _check_int(target, "target", min_val=0, max_val=d - 1)
    noise_scale = _check_noise_scale(noise_scale)
    length_scale = _check_float(
        length_scale, "length_scale", min_val=0.0, include_boundaries="neither"
    )
    rng = check_random_state(random_state)

    dag = make_dag(d, n_edges, graph_type=graph_type, random_state=rng)
    if target is None:
        target = _default_target(dag, rng)
    data = _sample_sem(
        dag,
        n_samples,
        mechanism,
        noise_scale,
        length_scale,
        rng,
        binary_node=target,
    )
    irrelevant = rng.standard_normal((n_samples, n_irrelevant))

    keep = np.delete(np.arange(d), target)
    X = np.hstack([data[:, keep], irrelevant])
    y = data[:, target].astype(np.int64)

    # Relabel: kept DAG nodes first, then the isolated irrelevant features,
    # then the target last.
    n_total = d + n_irrelevant
    perm = np.concatenate([keep, [target]])  # old index of each new node
    new_index = np.empty(d, dtype=int)
    new_index[perm] = np.arange(d)
    new_index[target] = n_total - 1
    graph = np.zeros((n_total, n_total), dtype=bool)
    src, dst = np.nonzero(dag)
    graph[new_index[src], new_index[dst]] = True
    return X, y, graph, n_total - 1
