"""
Markov-blanket selection in front of a classifier
=================================================

The Markov blanket of a target (its parents, its children and its
children's other parents) is the smallest feature set that makes the target
independent of every other feature. :class:`~sklearn_causal.MarkovBlanketGCFS`
learns it and, as a transformer, keeps only those columns, so it sits in a
:class:`~sklearn.pipeline.Pipeline` in front of any classifier. Here a
binary target lies in a random 12-node DAG, and 100 irrelevant noise
features are appended to the 11 DAG features. The penalty ``lam`` is
chosen by the pipeline's cross-validated accuracy; the true graph is only
used at the end to check the selected features.
"""

# %%
# The data: 1000 samples of 11 DAG features followed by 100 independent
# N(0, 1) features; ``y`` is the binary target node of the DAG.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline

from sklearn_causal import MarkovBlanketGCFS
from sklearn_causal.datasets import make_dag_classification
from sklearn_causal.metrics import markov_blanket, selection_scores

n_nodes, n_noise = 12, 100
X, y, graph, target = make_dag_classification(
    n_nodes=n_nodes, n_samples=1000, n_irrelevant=n_noise, random_state=0
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
print(f"{X.shape[1]} features, {len(y_train)} training samples")

# %%
# The pipeline, and a search over ``mb__lam`` (the price of an edge, in
# log-likelihood per sample) scored by the classifier's accuracy on three
# folds; its six fits run two at a time (``n_jobs=2``, in two processes).
# To keep the example fast, the selector runs a shorter search (200 steps,
# 20 candidates instead of 32), 100 steps per augmented Lagrangian
# subproblem and a single restart; the defaults are more thorough.
selector = MarkovBlanketGCFS(
    target="y",
    n_candidates=20,
    search_steps=200,
    steps_per_subproblem=100,
    n_restarts=1,
    random_state=0,
)
pipe = Pipeline([("mb", selector), ("clf", LogisticRegression())])
search = GridSearchCV(pipe, {"mb__lam": [0.005, 0.02]}, cv=3, n_jobs=2)
search.fit(X_train, y_train)
print("chosen:", search.best_params_)
mb = search.best_estimator_.named_steps["mb"]

# %%
# The same classifier on every feature, and both on the held-out test set.
# The target's children are noisy copies of it, so a linear model on every
# feature does well too; what the blanket changes is how many features the
# classifier needs.
full = LogisticRegression().fit(X_train, y_train)
results = {
    "Markov blanket + logistic": (search.score(X_test, y_test), mb.support_.sum()),
    "logistic on all features": (full.score(X_test, y_test), X.shape[1]),
}
for name, (accuracy, n_features) in results.items():
    print(f"{name:26s}: test accuracy {accuracy:.3f} with {n_features} features")

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
names = [name.replace(" + ", "\n+ ").replace(" on ", "\non ") for name in results]
accuracies, counts = zip(*results.values(), strict=True)
colors = ["tab:green", "tab:grey"]
left.bar_label(left.bar(names, accuracies, color=colors), fmt="%.3f")
left.set(ylabel="test accuracy", ylim=(0.5, 1.1))
right.bar_label(right.bar(names, counts, color=colors))
right.set(ylabel="features used", ylim=(0, 125))
fig.tight_layout()

# %%
# Only now the true graph: ``markov_blanket(graph, target)`` gives the
# relevant columns of ``X`` (the noise features are isolated nodes). The
# roles are read from a learned DAG, so a parent and a child may swap when
# the data cannot tell the two directions of an edge apart.
truth = markov_blanket(graph, target)
parents, children = np.flatnonzero(graph[:, target]), np.flatnonzero(graph[target])
spouses = np.setdiff1d(truth, np.union1d(parents, children))
for name, found, true in [
    ("blanket", mb.markov_blanket_, truth),
    ("parents", mb.parents_, parents),
    ("children", mb.children_, children),
    ("spouses", mb.spouses_, spouses),
]:
    print(f"{name:8s}: selected {found.tolist()}, true {true.tolist()}")
precision, recall, f1 = selection_scores(truth, mb.markov_blanket_)
print(f"precision {precision:.2f}, recall {recall:.2f}, F1 {f1:.2f}")
noise = np.arange(X.shape[1]) >= n_nodes - 1  # the last n_noise columns
print(f"noise features selected: {np.count_nonzero(mb.support_ & noise)}")

plt.show()
