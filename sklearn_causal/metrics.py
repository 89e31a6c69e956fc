"""Metrics for causal graph recovery and causal feature selection.

Every graph is a square matrix with ``graph[i, j]`` non-zero iff variable
``i`` causes variable ``j`` (row = cause, column = effect, as a networkx
adjacency matrix).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

__all__ = ["graph_auprc", "graph_auroc", "markov_blanket", "selection_scores"]


def _check_binary_graph(graph: object, name: str) -> np.ndarray:
    """Return ``graph`` as a square bool array, checking it is binary."""
    arr = np.asarray(graph)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be a square 2-D array, got shape {arr.shape}.")
    if arr.dtype == bool:
        return arr
    if not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be numeric or boolean, got dtype {arr.dtype}.")
    if np.issubdtype(arr.dtype, np.inexact) and np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN.")
    if not np.isin(arr, (0, 1)).all():
        raise ValueError(f"{name} must be binary (only 0/1 or False/True values).")
    return arr.astype(bool)


def _flatten_pairs(
    true_graph: object, scores: object, include_diagonal: bool
) -> tuple[np.ndarray, np.ndarray]:
    truth = _check_binary_graph(true_graph, "true_graph")
    scores = np.asarray(scores)
    if scores.shape != truth.shape:
        raise ValueError(
            f"scores must have the shape of true_graph {truth.shape}, "
            f"got {scores.shape}."
        )
    if not (scores.dtype == bool or np.issubdtype(scores.dtype, np.number)):
        raise TypeError(f"scores must be numeric, got dtype {scores.dtype}.")
    scores = scores.astype(float)
    if np.isnan(scores).any():
        raise ValueError("scores contains NaN.")
    if np.isinf(scores).any():
        raise ValueError("scores contains infinite values.")
    if not isinstance(include_diagonal, bool | np.bool_):
        raise TypeError(f"include_diagonal must be a bool, got {include_diagonal!r}.")
    if include_diagonal:
        mask = np.ones(truth.shape, dtype=bool)
    else:
        mask = ~np.eye(truth.shape[0], dtype=bool)
    y_true, y_score = truth[mask], scores[mask]
    if y_true.size == 0 or y_true.all() or not y_true.any():
        raise ValueError(
            "true_graph must contain both edges and non-edges among the scored "
            "entries (AUROC/AUPRC are undefined with a single class)."
        )
    return y_true, y_score


def graph_auroc(
    true_graph: np.ndarray, scores: np.ndarray, *, include_diagonal: bool = True
) -> float:
    """Area under the ROC curve of edge scores against a true graph.

    Parameters
    ----------
    true_graph : array-like of shape (p, p)
        Binary ground truth (bool or 0/1), ``true_graph[i, j]`` non-zero iff
        ``i`` causes ``j`` (row = cause, column = effect).
    scores : array-like of shape (p, p)
        Edge scores in the same orientation; higher means more likely an
        edge. Must be finite.
    include_diagonal : bool, default=True
        Whether the ``p`` diagonal entries (self-causation) are scored. Use
        False for benchmarks scored on the ``p * (p - 1)`` off-diagonal
        pairs (DREAM4, NetSim).

    Returns
    -------
    auroc : float
        :func:`sklearn.metrics.roc_auc_score` over the scored entries.

    Raises
    ------
    ValueError
        If the shapes differ, the graph is not square or not binary, the
        scores contain NaN or infinite values, or the scored truth has a
        single class.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_causal.metrics import graph_auroc
    >>> truth = np.array([[0, 1], [0, 0]])
    >>> scores = np.array([[0.9, 0.8], [0.1, 0.5]])
    >>> graph_auroc(truth, scores)
    0.666...
    >>> graph_auroc(truth, scores, include_diagonal=False)
    1.0
    """
    y_true, y_score = _flatten_pairs(true_graph, scores, include_diagonal)
    return float(roc_auc_score(y_true, y_score))


def graph_auprc(
    true_graph: np.ndarray, scores: np.ndarray, *, include_diagonal: bool = True
) -> float:
    """Area under the precision-recall curve (average precision) of edge scores.

    Parameters
    ----------
    true_graph : array-like of shape (p, p)
        Binary ground truth (bool or 0/1), ``true_graph[i, j]`` non-zero iff
        ``i`` causes ``j`` (row = cause, column = effect).
    scores : array-like of shape (p, p)
        Edge scores in the same orientation; higher means more likely an
        edge. Must be finite.
    include_diagonal : bool, default=True
        Whether the ``p`` diagonal entries (self-causation) are scored.

    Returns
    -------
    auprc : float
        :func:`sklearn.metrics.average_precision_score` over the scored
        entries, i.e. ``sum_n (R_n - R_{n-1}) P_n`` (no interpolation). A
        random ranking scores about the fraction of true edges.

    Raises
    ------
    ValueError
        If the shapes differ, the graph is not square or not binary, the
        scores contain NaN or infinite values, or the scored truth has a
        single class.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_causal.metrics import graph_auprc
    >>> truth = np.array([[0, 1], [0, 0]])
    >>> scores = np.array([[0.9, 0.8], [0.1, 0.5]])
    >>> graph_auprc(truth, scores)
    0.5
    >>> graph_auprc(truth, scores, include_diagonal=False)
    1.0
    """
    y_true, y_score = _flatten_pairs(true_graph, scores, include_diagonal)
    return float(average_precision_score(y_true, y_score))


def markov_blanket(graph: np.ndarray, node: int) -> np.ndarray:
    """Markov blanket of a node of a DAG: parents, children and spouses.

    Parameters
    ----------
    graph : array-like of shape (p, p)
        Binary adjacency matrix (bool or 0/1), ``graph[i, j]`` non-zero iff
        ``i -> j`` (row = cause, column = effect, as a networkx adjacency
        matrix).
    node : int
        Index of the node, in ``0..p - 1``.

    Returns
    -------
    blanket : ndarray of int of shape (n_blanket,)
        Sorted indices of the parents of ``node``, its children and the
        other parents of its children (spouses); ``node`` itself is excluded
        even if the graph has a self loop.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_causal.metrics import markov_blanket
    >>> graph = np.zeros((5, 5), dtype=bool)
    >>> graph[0, 1] = graph[1, 2] = graph[3, 2] = True  # 0 -> 1 -> 2 <- 3
    >>> markov_blanket(graph, 1)
    array([0, 2, 3])
    """
    graph = _check_binary_graph(graph, "graph")
    p = graph.shape[0]
    if isinstance(node, bool | np.bool_) or not isinstance(node, numbers.Integral):
        raise TypeError(f"node must be an integer, got {node!r}.")
    node = int(node)
    if not 0 <= node < p:
        raise ValueError(f"node must be in 0..{p - 1}, got {node}.")
    parents = graph[:, node]
    children = graph[node, :]
    spouses = graph[:, children].any(axis=1)
    blanket = parents | children | spouses
    blanket[node] = False
    return np.flatnonzero(blanket)


def _as_set(values: object, name: str) -> set:
    if isinstance(values, str | bytes):
        raise TypeError(
            f"{name} must be a collection of indices or names, not a single string."
        )
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got {values.ndim}-D.")
        if values.dtype == bool:
            raise TypeError(
                f"{name} must hold indices or names, not a boolean mask; "
                "use np.flatnonzero(mask)."
            )
        values = values.tolist()
    if not isinstance(values, Iterable):
        raise TypeError(f"{name} must be an iterable, got {type(values).__name__}.")
    out = set()
    for value in values:
        # Normalise NumPy scalars so that np.int64(3) matches 3.
        out.add(value.item() if isinstance(value, np.generic) else value)
    return out


def selection_scores(
    true_set: Iterable, selected_set: Iterable
) -> tuple[float, float, float]:
    """Precision, recall and F1 of a selected feature set against the truth.

    Parameters
    ----------
    true_set : iterable of int or str
        The true relevant features (e.g. a Markov blanket from
        :func:`markov_blanket`), as indices or names. Duplicates are ignored.
    selected_set : iterable of int or str
        The selected features, in the same vocabulary.

    Returns
    -------
    precision : float
        ``|true ∩ selected| / |selected|``.
    recall : float
        ``|true ∩ selected| / |true|``.
    f1 : float
        Harmonic mean of precision and recall, 0 when both are 0.

    Notes
    -----
    Empty sets follow the convention of the Causal Learner toolbox (Ling et
    al., Pattern Recognition Letters 2022, ``eva_MB_adj``), the usual one in
    Markov-blanket learning papers:

    - both sets empty: ``(1.0, 1.0, 1.0)`` (the empty blanket is found);
    - exactly one set empty: ``(0.0, 0.0, 0.0)``, i.e. selecting nothing
      when the truth is non-empty scores precision 0 (not 1), and selecting
      anything when the truth is empty scores recall 0.

    Examples
    --------
    >>> from sklearn_causal.metrics import selection_scores
    >>> selection_scores([0, 2, 3], [2, 3, 5, 7])
    (0.5, 0.666..., 0.571...)
    >>> selection_scores([], [])
    (1.0, 1.0, 1.0)
    >>> selection_scores([1], [])
    (0.0, 0.0, 0.0)
    """
    truth = _as_set(true_set, "true_set")
    selected = _as_set(selected_set, "selected_set")
    if not truth and not selected:
        return 1.0, 1.0, 1.0
    if not truth or not selected:
        return 0.0, 0.0, 0.0
    hits = len(truth & selected)
    precision = hits / len(selected)
    recall = hits / len(truth)
    if hits == 0:
        return 0.0, 0.0, 0.0
    f1 = 2.0 * precision * recall / (precision + recall)
    return float(precision), float(recall), float(f1)
