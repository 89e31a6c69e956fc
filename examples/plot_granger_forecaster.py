"""
Granger selection in front of a forecaster
==========================================

``GrangerGRNGC(target=j)`` is a feature selector for forecasting series
``j``: :meth:`~sklearn_causal.GrangerGRNGC.transform` keeps the series that
Granger-cause ``j`` and, when ``j`` drives its own future, ``j`` itself.
Here the kept series become lagged features of a regressor that forecasts
``j`` one step ahead, in one :class:`~sklearn.pipeline.Pipeline`, and the
forecast is compared with the same regressor on every series.

Run from the repository root (about 35 seconds on two CPU cores)::

    python examples/plot_granger_forecaster.py
"""

# %%
# Thirty series of a sparse nonlinear vector autoregression: every series
# has two drivers besides itself, each acting at one or more of lags 1-3.
import numpy as np
from sklearn.ensemble import RandomForestRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import RidgeCV
from sklearn.metrics import mean_squared_error
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_causal import GrangerGRNGC
from sklearn_causal.datasets import make_nonlinear_var

series, graph, lag_graph = make_nonlinear_var(
    n_series=30,
    n_timepoints=1500,
    lag=3,
    n_parents=2,
    random_state=0,
    return_lag_graph=True,
)
target = 0
print("true drivers of series 0 (itself included):", np.flatnonzero(graph[:, 0]))

# %%
# Row ``t`` of ``X`` is the state at time ``t``; ``y[t]`` is series 0 at
# ``t + 1``. The first 1000 time points train, the rest test (no shuffling).
# The test forecasts read the two training rows before them as their lags
# (``forecast``), so that no test row sees made-up history.
X, y = series[:-1], series[1:, target]
X_train, y_train, y_test = X[:1000], y[:1000], y[1000:]


def forecast(pipe):
    return pipe.predict(X[1000 - 2 :])[2:]


def lagged(X, n_lags=3):
    """Row t: the columns at t, t-1, ..., t-n_lags+1 (the first rows repeat)."""
    X = np.asarray(X)
    padded = np.vstack([np.repeat(X[:1], n_lags - 1, axis=0), X])
    return np.hstack([padded[n_lags - 1 - k : len(padded) - k] for k in range(n_lags)])


# %%
# The selector reads the series of ``X`` only (``y`` is ignored by its
# ``fit``): it learns which series Granger-cause column ``target``, and the
# pipeline turns them into lags 0-2 for the regressor.
alphas = np.logspace(-3, 3, 13)
selected = make_pipeline(
    GrangerGRNGC(target=target, random_state=0),
    FunctionTransformer(lagged),
    RidgeCV(alphas=alphas),
).fit(X_train, y_train)
everything = make_pipeline(FunctionTransformer(lagged), RidgeCV(alphas=alphas))
everything.fit(X_train, y_train)
gc = selected[0]
print("series kept:", np.flatnonzero(gc.support_), "with lag_ =", gc.lag_)
for name, pipe in [("Granger-selected", selected), ("every series", everything)]:
    mse = mean_squared_error(y_test, forecast(pipe))
    n_features = pipe[-1].n_features_in_
    print(f"ridge on {name:16s}: {n_features:2d} features, test MSE {mse:.3f}")

# %%
# The fitted selector can be reused, frozen, in front of another regressor
# (a nonlinear one here) without fitting it again.
forest = make_pipeline(
    FrozenEstimator(gc),
    FunctionTransformer(lagged),
    RandomForestRegressor(min_samples_leaf=5, random_state=0),
).fit(X_train, y_train)
mse = mean_squared_error(y_test, forecast(forest))
print(f"random forest on Granger-selected: test MSE {mse:.3f}")

# %%
# ``lag_adjacency_`` says when each selected series acts on the target;
# compare it with the lags used by the simulation.
for cause in np.flatnonzero(gc.support_):
    found = np.flatnonzero(gc.lag_adjacency_[:, cause, target]) + 1
    true = np.flatnonzero(lag_graph[:, cause, target]) + 1
    print(f"series {cause:2d} -> series 0 at lags {found} (true {true})")
