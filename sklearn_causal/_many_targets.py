"""Markov blankets of many targets, one independent fit each, through joblib."""

from __future__ import annotations

import os
import time
from numbers import Integral

import numpy as np
from joblib import Parallel, cpu_count, delayed, effective_n_jobs
from sklearn.base import clone
from sklearn.utils import check_random_state

from ._base import python_scalar
from .markov_blanket import MarkovBlanketGCFS

__all__ = ["markov_blankets"]


def _labels_and_values(X):
    """Column labels (names of a DataFrame, else indices) and the values."""
    columns = getattr(X, "columns", None)
    if columns is not None:
        labels = list(columns)
        if len(set(labels)) != len(labels):
            raise ValueError("X has duplicate column names; name every column once.")
        return labels, X
    values = np.asarray(X)
    if values.ndim != 2:
        raise ValueError(
            f"X must be 2-D (samples x variables), got shape {values.shape}."
        )
    return list(range(values.shape[1])), values


def _target_indices(targets, labels, named: bool) -> list[int]:
    """Column positions of ``targets``: names first (a DataFrame's), then
    positions (so a DataFrame with integer names is addressed by name)."""
    if isinstance(targets, (str, Integral)):
        targets = [targets]
    indices = []
    for target in targets:
        if isinstance(target, (bool, np.bool_)):
            raise ValueError(
                f"targets must be column indices or names, got {target!r}."
            )
        if named and target in labels:
            indices.append(labels.index(target))
        elif isinstance(target, Integral):
            if not -len(labels) <= target < len(labels):
                raise ValueError(
                    f"target {target} is out of range for X with {len(labels)} columns."
                )
            indices.append(int(target) % len(labels))
        elif target in labels:
            indices.append(labels.index(target))
        else:
            raise ValueError(f"Unknown target {target!r}: not a column of X.")
    if not indices:
        raise ValueError("targets is empty; give at least one column.")
    if len(set(indices)) != len(indices):
        raise ValueError("targets names a column twice.")
    return indices


def _one_blanket(estimator, X, column, labels, caller, n_workers):
    """Fit ``estimator`` to one target; runs in a joblib worker."""
    import torch

    if os.getpid() != caller:
        # A worker process (loky, dask): as many torch threads as its share
        # of the cores it sees, so that the workers do not oversubscribe them.
        torch.set_num_threads(max(1, cpu_count() // n_workers))
    others = [c for c in range(X.shape[1]) if c != column]
    if hasattr(X, "iloc"):
        features, y = X.iloc[:, others], X.iloc[:, column].to_numpy()
    else:
        features, y = X[:, others], X[:, column]
    start = time.perf_counter()
    estimator.fit(features, y)
    seconds = time.perf_counter() - start

    def as_columns_of_x(selected):
        # String column names come back as they are; otherwise the estimator
        # counts positions among the features, which skip the target.
        if hasattr(estimator, "feature_names_in_"):
            return [python_scalar(v) for v in selected]
        return [labels[others[int(v)]] for v in selected]

    return {
        "target": labels[column],
        "blanket": as_columns_of_x(estimator.markov_blanket_),
        "parents": as_columns_of_x(estimator.parents_),
        "children": as_columns_of_x(estimator.children_),
        "spouses": as_columns_of_x(estimator.spouses_),
        "seconds": seconds,
    }


def markov_blankets(X, targets, *, estimator=None, n_jobs=None, random_state=None):
    """The Markov blanket of each of several targets, fitted in parallel.

    Each target's blanket is found among the other columns of ``X`` by its
    own clone of ``estimator``. The fits are independent joblib tasks, so
    any joblib backend runs them: processes on this machine (``n_jobs``),
    or a dask or ray cluster (``with joblib.parallel_backend("dask"): ...``).

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_variables)
        Every variable, targets included.
    targets : int, str or sequence of them
        The target columns: names of a DataFrame's columns, or positions
        (a name is looked up first, so a DataFrame with integer column names
        is addressed by name).
    estimator : MarkovBlanketGCFS, default=None
        The (unfitted) selector to clone for each target;
        ``MarkovBlanketGCFS()`` by default. Its ``target`` parameter is set
        to each target's label.
    n_jobs : int, default=None
        Number of fits at once (joblib's meaning: None is one, unless a
        ``joblib.parallel_backend`` context says otherwise; -1 is all cores).
        In a worker process torch uses the cores it sees divided by the
        number of workers (at least one) as threads.
    random_state : int, RandomState instance or None, default=None
        Seeds the fits: each target's clone gets its own seed drawn from it,
        so the result does not depend on the backend or on ``n_jobs``. None
        keeps the estimator's own ``random_state``.

    Returns
    -------
    blankets : pandas.DataFrame
        One row per target, indexed by its label, with the columns
        ``blanket``, ``parents``, ``children``, ``spouses`` (lists of
        labels of columns of ``X``) and ``seconds`` (the fit's wall time).

    Examples
    --------
    >>> from sklearn_causal import MarkovBlanketGCFS, markov_blankets
    >>> from sklearn_causal.datasets import make_dag_data
    >>> X, graph = make_dag_data(n_nodes=5, n_samples=200, random_state=0)
    >>> quick = MarkovBlanketGCFS(search_steps=20, steps_per_subproblem=10, max_iter=2)
    >>> table = markov_blankets(X, [0, 1], estimator=quick, random_state=0)
    >>> list(table.columns)
    ['blanket', 'parents', 'children', 'spouses', 'seconds']
    """
    import pandas as pd

    labels, values = _labels_and_values(X)
    columns = _target_indices(targets, labels, named=hasattr(X, "columns"))
    template = MarkovBlanketGCFS() if estimator is None else estimator
    if random_state is None:
        seeds = [None] * len(columns)
    else:
        seeds = check_random_state(random_state).randint(2**31 - 1, size=len(columns))
    jobs = []
    for column, seed in zip(columns, seeds, strict=True):
        one = clone(template).set_params(target=str(labels[column]))
        if seed is not None:
            one.set_params(random_state=int(seed))
        jobs.append((one, column))
    n_workers = max(1, effective_n_jobs(n_jobs))
    rows = Parallel(n_jobs=n_jobs)(
        delayed(_one_blanket)(one, values, column, labels, os.getpid(), n_workers)
        for one, column in jobs
    )
    return pd.DataFrame(rows).set_index("target")
