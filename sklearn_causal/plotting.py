"""Graphs and pictures of fitted estimators.

:func:`to_networkx` turns a fitted :class:`~sklearn_causal.GrangerGRNGC` or
:class:`~sklearn_causal.MarkovBlanketGCFS` into a ``networkx.DiGraph``;
:func:`plot_causal_matrix`, :func:`plot_causal_lags` and
:func:`plot_markov_blanket` draw them with matplotlib. networkx and
matplotlib are optional: ``pip install "sklearn-causal[plot]"``.

Every graph keeps the package's orientation: row = cause, column = effect,
and an edge ``u -> v`` means "``u`` causes ``v``".
"""

from __future__ import annotations

import importlib

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._base import python_scalar
from .granger import GrangerGRNGC
from .markov_blanket import MarkovBlanketGCFS

__all__ = [
    "BLANKET_COLORS",
    "plot_causal_lags",
    "plot_causal_matrix",
    "plot_markov_blanket",
    "to_networkx",
]

#: Node colours of :func:`plot_markov_blanket`, by blanket role.
BLANKET_COLORS = {
    "target": "#d62728",
    "parent": "#1f77b4",
    "child": "#2ca02c",
    "spouse": "#ff7f0e",
    "candidate": "#c7c7c7",
}


def _require(module: str, function: str):
    """Import an optional dependency, or say which extra provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"{function} needs {module.split('.')[0]}, which is not installed; "
            'install the plotting extra: pip install "sklearn-causal[plot]"'
        ) from error


def _kind(estimator) -> str:
    if isinstance(estimator, GrangerGRNGC):
        check_is_fitted(estimator, "adjacency_")
        return "granger"
    if isinstance(estimator, MarkovBlanketGCFS):
        check_is_fitted(estimator, "links_")
        return "blanket"
    raise TypeError(
        "expected a fitted GrangerGRNGC or MarkovBlanketGCFS, got "
        f"{type(estimator).__name__}."
    )


def _blanket_roles(estimator) -> dict:
    roles = {python_scalar(v): "candidate" for v in estimator.candidates_}
    for role, members in (
        ("parent", estimator.parents_),
        ("child", estimator.children_),
        ("spouse", estimator.spouses_),
    ):
        roles.update({python_scalar(v): role for v in members})
    roles[estimator.target] = "target"
    return roles


def to_networkx(estimator):
    """The learned graph of a fitted estimator as a ``networkx.DiGraph``.

    Parameters
    ----------
    estimator : GrangerGRNGC or MarkovBlanketGCFS
        A fitted estimator.

    Returns
    -------
    graph : networkx.DiGraph
        Nodes are named as the columns of ``X`` were (names, or indices).

        - ``GrangerGRNGC``: one node per series and one edge per link of
          ``adjacency_`` (self-loops included), with ``weight`` (its
          ``gc_avg_``), ``strength`` (its ``causal_matrix_`` entry),
          ``lags`` (the lags at which it acts, from ``lag_adjacency_``) and
          ``lag_weights`` (its ``gc_lags_``, lag 1 first).
          ``graph.graph["target"]`` is the target's label or None.
        - ``MarkovBlanketGCFS``: the candidates and the target, each with a
          ``role`` ("target", "parent", "child", "spouse", or "candidate"
          outside the blanket), and the edges that most restarts' DAGs hold
          (``links_``), with ``weight`` (the edge probability in
          ``adjacency_``) and ``frequency`` (the share of restarts). Roles
          and edges are each voted over the restarts, so a member whose
          restarts disagree on the direction of its edge keeps its role
          but may have no edge.
          ``graph.graph["target"]`` is the target's name.

    Raises
    ------
    TypeError
        If ``estimator`` is neither estimator.
    sklearn.exceptions.NotFittedError
        If it is not fitted.

    Examples
    --------
    >>> from sklearn_causal import GrangerGRNGC
    >>> from sklearn_causal.datasets import make_lorenz96
    >>> from sklearn_causal.plotting import to_networkx
    >>> X, _ = make_lorenz96(n_series=5, n_timepoints=200, random_state=0)
    >>> gc = GrangerGRNGC(lag=1, max_epochs=5, random_state=0).fit(X)
    >>> graph = to_networkx(gc)
    >>> sorted(graph.nodes)
    [0, 1, 2, 3, 4]
    """
    nx = _require("networkx", "to_networkx")
    kind = _kind(estimator)
    graph = nx.DiGraph()
    if kind == "granger":
        labels = [python_scalar(v) for v in estimator._feature_labels()]
        target = estimator.target_index_
        graph.graph["target"] = None if target is None else labels[target]
        graph.add_nodes_from(labels)
        for cause, effect in zip(*np.nonzero(estimator.adjacency_), strict=True):
            graph.add_edge(
                labels[cause],
                labels[effect],
                weight=float(estimator.gc_avg_[cause, effect]),
                strength=float(estimator.causal_matrix_[cause, effect]),
                lags=(
                    np.flatnonzero(estimator.lag_adjacency_[:, cause, effect]) + 1
                ).tolist(),
                lag_weights=estimator.gc_lags_[:, cause, effect].tolist(),
            )
        return graph
    labels = [python_scalar(v) for v in estimator.retrained_variables_]
    graph.graph["target"] = estimator.target
    roles = _blanket_roles(estimator)
    graph.add_nodes_from((label, {"role": roles[label]}) for label in labels)
    frequency = estimator.links_.mean(axis=0)
    for cause, effect in zip(*np.nonzero(frequency > 0.5), strict=True):
        graph.add_edge(
            labels[cause],
            labels[effect],
            weight=float(estimator.adjacency_[cause, effect]),
            frequency=float(frequency[cause, effect]),
        )
    return graph


def _matrix_and_labels(source, labels):
    """A square strength matrix and its labels, from an estimator or an array."""
    if isinstance(source, np.ndarray) or not hasattr(source, "get_params"):
        matrix = np.asarray(source, dtype=float)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(
                f"expected a square matrix of strengths, got shape {matrix.shape}."
            )
        return matrix, labels
    if _kind(source) == "granger":
        matrix, names = source.causal_matrix_, source._feature_labels()
    else:
        matrix, names = source.adjacency_, source.retrained_variables_
    return matrix, [python_scalar(v) for v in names] if labels is None else labels


def _label_axes(ax, labels, n: int) -> None:
    ax.set_xlabel("effect")
    ax.set_ylabel("cause")
    if labels is not None:
        if len(labels) != n:
            raise ValueError(f"got {len(labels)} labels for {n} variables.")
        ax.set_xticks(range(n), [str(v) for v in labels], rotation=90)
        ax.set_yticks(range(n), [str(v) for v in labels])


def _mark_truth(ax, truth, shape) -> None:
    truth = np.asarray(truth, dtype=bool)
    if truth.shape != shape:
        raise ValueError(f"truth has shape {truth.shape}; expected {shape}.")
    causes, effects = np.nonzero(truth)
    ax.scatter(
        effects,
        causes,
        s=30,
        facecolors="none",
        edgecolors="red",
        linewidths=1.2,
        label="true edge",
    )


def plot_causal_matrix(estimator_or_matrix, truth=None, labels=None, ax=None):
    """Heatmap of causal strengths (row = cause), true edges circled.

    Parameters
    ----------
    estimator_or_matrix : GrangerGRNGC, MarkovBlanketGCFS or array-like
        A fitted estimator (its ``causal_matrix_``, or GCFS's local
        ``adjacency_``) or a square matrix of strengths.
    truth : array-like of bool, optional
        True graph of the same shape (row = cause): its edges are circled in
        red.
    labels : sequence, optional
        Variable names for the ticks; an estimator's own labels by default.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    ax : matplotlib Axes
    """
    plt = _require("matplotlib.pyplot", "plot_causal_matrix")
    matrix, labels = _matrix_and_labels(estimator_or_matrix, labels)
    if ax is None:
        _, ax = plt.subplots()
    image = ax.imshow(matrix, cmap="viridis", interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label="strength")
    _label_axes(ax, labels, matrix.shape[0])
    if truth is not None:
        _mark_truth(ax, truth, matrix.shape)
        ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_causal_lags(estimator_or_lags, truth=None, labels=None, axes=None):
    """One heatmap per lag of per-lag strengths (row = cause).

    Parameters
    ----------
    estimator_or_lags : GrangerGRNGC or array-like of shape (n_lags, p, p)
        A fitted ``GrangerGRNGC`` (its ``causal_lags_``) or per-lag
        strengths, lag 1 first.
    truth : array-like of bool of shape (n_true_lags, p, p), optional
        True per-lag graph (``make_nonlinear_var(return_lag_graph=True)``):
        its edges are circled on the panels of the lags it shares.
    labels : sequence, optional
        Variable names for the ticks.
    axes : sequence of matplotlib Axes, optional
        One per lag; a new figure with one row of panels by default.

    Returns
    -------
    axes : ndarray of matplotlib Axes
    """
    plt = _require("matplotlib.pyplot", "plot_causal_lags")
    if hasattr(estimator_or_lags, "get_params"):
        if _kind(estimator_or_lags) != "granger":
            raise TypeError("plot_causal_lags needs a fitted GrangerGRNGC.")
        lags = estimator_or_lags.causal_lags_
        if labels is None:
            labels = [python_scalar(v) for v in estimator_or_lags._feature_labels()]
    else:
        lags = np.asarray(estimator_or_lags, dtype=float)
        if lags.ndim != 3 or lags.shape[1] != lags.shape[2]:
            raise ValueError(
                f"expected per-lag strengths of shape (n_lags, p, p), got {lags.shape}."
            )
    if axes is None:
        _, axes = plt.subplots(1, len(lags), figsize=(4 * len(lags), 4), squeeze=False)
    axes = np.asarray(axes).ravel()
    if len(axes) != len(lags):
        raise ValueError(f"got {len(axes)} axes for {len(lags)} lags.")
    truth = None if truth is None else np.asarray(truth, dtype=bool)
    top = float(lags.max()) if lags.size else 1.0
    for lag, ax in enumerate(axes):
        image = ax.imshow(lags[lag], cmap="viridis", vmin=0.0, vmax=top)
        ax.set_title(f"lag {lag + 1}")
        _label_axes(ax, labels, lags.shape[1])
        if truth is not None and lag < len(truth):
            _mark_truth(ax, truth[lag], lags.shape[1:])
    axes[0].figure.colorbar(image, ax=list(axes), label="strength")
    return axes


def plot_markov_blanket(estimator, ax=None, show_candidates=False):
    """The learned blanket of a target: parents, children, spouses coloured.

    Parameters
    ----------
    estimator : MarkovBlanketGCFS
        A fitted estimator.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.
    show_candidates : bool, default=False
        Also draw the candidates outside the blanket (in grey).

    Returns
    -------
    ax : matplotlib Axes
        Node colours follow :data:`BLANKET_COLORS`; a legend names them.
    """
    plt = _require("matplotlib.pyplot", "plot_markov_blanket")
    nx = _require("networkx", "plot_markov_blanket")
    if _kind(estimator) != "blanket":
        raise TypeError("plot_markov_blanket needs a fitted MarkovBlanketGCFS.")
    graph = to_networkx(estimator)
    if not show_candidates:
        graph = graph.subgraph(
            n for n, role in graph.nodes(data="role") if role != "candidate"
        )
    if ax is None:
        _, ax = plt.subplots()
    target = graph.graph["target"]
    others = [n for n in graph.nodes if n != target]
    layout = nx.shell_layout(graph, nlist=[[target], others] if others else [[target]])
    nodes = list(graph.nodes)
    roles = [graph.nodes[n]["role"] for n in nodes]
    nx.draw_networkx(
        graph,
        pos=layout,
        ax=ax,
        nodelist=nodes,
        node_color=[BLANKET_COLORS[role] for role in roles],
        labels={n: str(n) for n in nodes},
        arrows=True,
    )
    for role in BLANKET_COLORS:
        if role in roles:
            ax.scatter([], [], color=BLANKET_COLORS[role], label=role)
    ax.legend(loc="best", fontsize="small")
    ax.set_axis_off()
    return ax
