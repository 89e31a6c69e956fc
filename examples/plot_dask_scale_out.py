"""
Scaling out with dask
=====================

The fits of :func:`~sklearn_causal.markov_blankets` (one per target) and of
a :class:`~sklearn.model_selection.GridSearchCV` are independent joblib
tasks, so inside ``joblib.parallel_backend("dask")`` they run on the workers
of a dask cluster. Here a cluster of two local worker processes runs both,
and the answers are checked against a serial run. On one small machine dask
only adds overhead; it pays off when its workers are other machines.

Dask starts its workers with ``spawn``: each imports the script again, so
the code that computes is guarded by ``if __name__ == "__main__"``.
"""

# %%
# The workload, kept small: the blankets of four variables of an 8-node
# linear DAG (a shortened ``MarkovBlanketGCFS``), and a ``lam`` search for
# ``GrangerGRNGC`` on five short series, both reproducible through
# ``random_state``.
import time

import joblib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from dask.distributed import Client, LocalCluster
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from sklearn_causal import GrangerGRNGC, MarkovBlanketGCFS, markov_blankets
from sklearn_causal.datasets import make_dag_data, make_nonlinear_var
from sklearn_causal.metrics import markov_blanket

values, graph = make_dag_data(n_nodes=8, n_samples=500, random_state=0)
data = pd.DataFrame(values, columns=[f"x{k}" for k in range(8)])
targets = ["x0", "x1", "x2", "x3"]
selector = MarkovBlanketGCFS(search_steps=100, steps_per_subproblem=100, n_restarts=2)
series, _ = make_nonlinear_var(n_series=5, n_timepoints=400, lag=1, random_state=0)
search = GridSearchCV(
    GrangerGRNGC(
        lag=1, hidden_units=32, patience=20, long_training=False, random_state=0
    ),
    {"lam": [0.03, 0.3]},
    cv=TimeSeriesSplit(3),
)


def blankets_and_search(n_jobs):
    start = time.perf_counter()
    table = markov_blankets(
        data, targets, estimator=selector, n_jobs=n_jobs, random_state=0
    )
    scores = search.set_params(n_jobs=n_jobs).fit(series).cv_results_
    return table, scores["mean_test_score"], time.perf_counter() - start


# %%
# The serial reference, in this process.
if __name__ == "__main__":
    serial, serial_scores, serial_seconds = blankets_and_search(n_jobs=None)
    print(f"serial: {serial_seconds:.1f} s")
    print(serial[["parents", "children", "spouses"]])

# %%
# A local cluster: two worker processes of one thread each. Dask starts
# its workers with ``OMP_NUM_THREADS=1``, and ``markov_blankets`` gives
# torch, in a worker process, its share of the cores, so the workers do
# not oversubscribe them. Every call inside the ``parallel_backend`` block
# runs on the cluster; ``n_jobs=-1`` means every worker.
if __name__ == "__main__":
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    with joblib.parallel_backend("dask"):
        on_dask, dask_scores, dask_seconds = blankets_and_search(n_jobs=-1)
    print(f"dask: {dask_seconds:.1f} s")

# %%
# On a real cluster only the client changes: connect to its scheduler
# (started with ``dask scheduler`` and ``dask worker tcp://scheduler:8786
# --nthreads 1`` on each machine) and run the same code::
#
#     client = Client("tcp://scheduler:8786")
#     with joblib.parallel_backend("dask"):
#         table = markov_blankets(
#             data, targets, estimator=selector, n_jobs=-1, random_state=0
#         )
#         search.set_params(n_jobs=-1).fit(series)
#
# Each target's fit gets its own seed drawn from ``random_state``, so the
# answers do not depend on where they ran.
if __name__ == "__main__":
    same = serial.drop(columns="seconds").equals(on_dask.drop(columns="seconds"))
    print("same blankets as the serial run:", same)
    print("same search scores:", np.allclose(serial_scores, dask_scores))
    print("lam chosen by the search:", search.best_params_["lam"])

# %%
# Left: the wall time of each target's fit, in this process and in a
# worker. Right: the blankets found (filled) and, only now, the true ones
# from the data-generating DAG (red circles).
if __name__ == "__main__":
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    rows = np.arange(len(targets))
    left.barh(rows - 0.2, serial["seconds"], height=0.4, label="serial")
    left.barh(rows + 0.2, on_dask["seconds"], height=0.4, label="dask worker")
    left.set(yticks=rows, yticklabels=targets, xlabel="seconds per fit")
    left.invert_yaxis()
    left.legend(ncols=2, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    found = np.array([data.columns.isin(blanket) for blanket in serial["blanket"]])
    right.imshow(found, cmap="Greens", vmin=0, vmax=1.5)
    for row, target in enumerate(targets):
        column = data.columns.get_loc(target)
        true = markov_blanket(graph, column)
        right.scatter(true, [row] * len(true), s=120, c="none", edgecolors="red")
        right.scatter(column, row, marker="x", color="grey")
    right.set(yticks=rows, yticklabels=targets, ylabel="target")
    right.set(xticks=range(8), xticklabels=data.columns, xlabel="variable")
    right.set_title("found (green), true (red circles), target (x)")
    fig.tight_layout()

# %%
# Close the client and the cluster (their worker processes end with them).
if __name__ == "__main__":
    client.close()
    cluster.close()
    plt.show()
