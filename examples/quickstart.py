"""Quickstart: Granger causality between series, then causal feature selection.

Run from the repository root after installing the package::

    python examples/quickstart.py

It takes about 75 seconds on two CPU cores (the Granger fit trains a
network for each of the candidate lags 1-3; about 40 seconds).
"""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_causal import GrangerGRNGC, MarkovBlanketGCFS
from sklearn_causal.datasets import make_dag_classification, make_lorenz96
from sklearn_causal.metrics import graph_auroc, markov_blanket, selection_scores

# 1. Granger causality: which of 10 Lorenz-96 series drives which?
X, true_graph = make_lorenz96(n_series=10, n_timepoints=500, random_state=0)
# Early stopping on held-out forecasts ends training here after about 530
# epochs; with the default max_epochs=500 a ConvergenceWarning says so.
granger = GrangerGRNGC(max_epochs=1000, random_state=0).fit(X)
print("GrangerGRNGC on Lorenz-96 (10 series, 500 time points)")
print(
    f"  AUROC of causal_matrix_ against the true graph: "
    f"{graph_auroc(true_graph, granger.causal_matrix_):.3f}"
)
print(
    f"  causes of series 0 (row = cause): "
    f"{np.flatnonzero(granger.adjacency_[:, 0]).tolist()}, "
    f"true: {np.flatnonzero(true_graph[:, 0]).tolist()}"
)
print(f"  one-step forecast score (negative MSE): {granger.score(X):.3f}")

# 2. Causal feature selection in front of a classifier.
X, y, graph, target = make_dag_classification(
    n_nodes=15, n_samples=1000, n_irrelevant=20, random_state=0
)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
pipe = Pipeline(
    [
        ("mb", MarkovBlanketGCFS(random_state=0)),
        ("scale", StandardScaler()),
        ("clf", LogisticRegression()),
    ]
)
pipe.fit(X_train, y_train)
selected = pipe.named_steps["mb"].markov_blanket_
precision, recall, f1 = selection_scores(markov_blanket(graph, target), selected)
print("\nMarkovBlanketGCFS + LogisticRegression on a 15-node DAG + 20 noise features")
print(f"  selected {len(selected)} of {X.shape[1]} features: {selected.tolist()}")
print(f"  Markov blanket precision {precision:.2f}, recall {recall:.2f}, F1 {f1:.2f}")
print(f"  test accuracy {pipe.score(X_test, y_test):.3f}")
