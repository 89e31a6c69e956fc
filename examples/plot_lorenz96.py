"""
Granger causality on Lorenz-96
==============================

:class:`~sklearn_causal.GrangerGRNGC` trains one forecasting network on
every series at once and reads "series ``i`` Granger-causes series ``j``"
from the gradients of the forecast of ``j`` with respect to the past of
``i``. This example recovers the ring-shaped graph of the chaotic Lorenz-96
system, then reads *at which lag* each link acts on a nonlinear vector
autoregression whose links act one, two or three steps back.

The estimators keep their default ``lam``; nothing is tuned on the true
graphs, which only score and annotate the results at the end. (See the
DREAM4 example for choosing ``lam`` by cross-validation.)
"""

# %%
# Twelve Lorenz-96 series: series ``j`` is driven by ``j-2``, ``j-1``,
# ``j+1`` and itself. The system is a first-order ODE sampled finely, so the
# previous time point holds everything needed to forecast the next one and
# ``lag=1`` suffices. Early stopping on held-out forecasts ends training
# after some 700 epochs here; ``max_epochs=1000`` leaves room for it, so no
# ``ConvergenceWarning`` is raised.
import matplotlib.pyplot as plt
import numpy as np

from sklearn_causal import GrangerGRNGC
from sklearn_causal.datasets import make_lorenz96, make_nonlinear_var
from sklearn_causal.metrics import graph_auprc, graph_auroc
from sklearn_causal.plotting import plot_causal_lags, plot_causal_matrix

X, graph = make_lorenz96(n_series=12, n_timepoints=500, forcing=10, random_state=0)
gc = GrangerGRNGC(lag=1, max_epochs=1000, random_state=0).fit(X)
print(f"epochs run: {gc.n_iter_}")
for diagonal in (True, False):
    auroc = graph_auroc(graph, gc.causal_matrix_, include_diagonal=diagonal)
    auprc = graph_auprc(graph, gc.causal_matrix_, include_diagonal=diagonal)
    print(f"include_diagonal={diagonal!s:5}: AUROC {auroc:.3f}, AUPRC {auprc:.3f}")

# %%
# The strengths (row = cause, column = effect) next to the true graph; the
# true edges are circled in red on the right.
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
left.imshow(graph, cmap="Greys")
left.set(title="true Lorenz-96 graph", xlabel="effect", ylabel="cause")
plot_causal_matrix(gc, truth=graph, ax=right)
right.set_title("GrangerGRNGC causal_matrix_")
fig.tight_layout()

# %%
# ``adjacency_`` thresholds the strengths without the truth (Otsu's split of
# their logarithms); count its off-diagonal links against the true ones.
off = ~np.eye(len(graph), dtype=bool)
found, true = gc.adjacency_[off], graph[off]
print(
    f"links found {found.sum()}: {(found & true).sum()} true, "
    f"{(found & ~true).sum()} spurious, {(~found & true).sum()} missed"
)

# %%
# When does a link act? Ten series of a sparse nonlinear VAR, every series
# with two drivers besides itself, each active at a random set of lags 1-3.
# ``lag="auto"`` trains one network per lag 1-3 and keeps the shortest
# window whose held-out forecast error is not clearly worse than the best.
series, var_graph, lag_graph = make_nonlinear_var(
    n_series=10,
    n_timepoints=1000,
    lag=3,
    n_parents=2,
    random_state=0,
    return_lag_graph=True,
)
var_gc = GrangerGRNGC(random_state=0).fit(series)
for lag, loss in zip(var_gc.candidate_lags_, var_gc.candidate_losses_, strict=True):
    print(f"lag {lag}: held-out forecast MSE {loss:.3f}")
print(f"lag_ = {var_gc.lag_}")

# %%
# ``causal_lags_`` splits the strengths by lag; the true per-lag edges are
# circled. ``lag_adjacency_`` says at which lags each detected link acts.
axes = plot_causal_lags(var_gc, truth=lag_graph)
axes[0].figure.suptitle("nonlinear VAR: causal_lags_, true per-lag edges circled")
off = ~np.eye(len(var_graph), dtype=bool)
for lag in range(var_gc.lag_):
    found, true = var_gc.lag_adjacency_[lag][off], lag_graph[lag][off]
    print(
        f"lag {lag + 1}: {found.sum():2d} links found, {(found & true).sum():2d} "
        f"of them true; {true.sum():2d} true links"
    )

plt.show()
