"""markov_blankets: many targets, any joblib backend, the same answer."""

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV

from sklearn_causal import GrangerGRNGC, MarkovBlanketGCFS, markov_blankets
from sklearn_causal.datasets import make_dag_data

QUICK = MarkovBlanketGCFS(search_steps=20, steps_per_subproblem=10, max_iter=2)
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def frame():
    X, _ = make_dag_data(n_nodes=5, n_samples=200, random_state=0)
    return pd.DataFrame(X, columns=list("abcde"))


def _same(one, other):
    pd.testing.assert_frame_equal(
        one.drop(columns="seconds"), other.drop(columns="seconds")
    )


def test_one_row_per_target_labelled_by_name(frame):
    table = markov_blankets(frame, ["b", "d"], estimator=QUICK, random_state=0)
    assert list(table.index) == ["b", "d"]
    assert list(table.columns) == [
        "blanket",
        "parents",
        "children",
        "spouses",
        "seconds",
    ]
    for target, row in table.iterrows():
        assert target not in row["blanket"]
        assert set(row["blanket"]) <= set(frame.columns)
        assert sorted(row["parents"] + row["children"] + row["spouses"]) == sorted(
            row["blanket"]
        )
        assert row["seconds"] > 0
    # The same fit as the estimator on its own, with the seed it was given.
    seed = np.random.RandomState(0).randint(2**31 - 1, size=2)[0]
    alone = MarkovBlanketGCFS(**{**QUICK.get_params(), "random_state": int(seed)})
    alone.fit(frame.drop(columns="b"), frame["b"].to_numpy())
    assert table.loc["b", "blanket"] == list(alone.markov_blanket_)


@pytest.mark.slow
def test_indices_on_an_array_and_processes_give_the_serial_answer(frame):
    X = frame.to_numpy()
    serial = markov_blankets(X, [0, -1], estimator=QUICK, random_state=1)
    assert list(serial.index) == [0, 4]
    # Indices are columns of X, the same blankets as with the names.
    named = markov_blankets(frame, ["a", "e"], estimator=QUICK, random_state=1)
    for column, name in [(0, "a"), (4, "e")]:
        assert [frame.columns[c] for c in serial.loc[column, "blanket"]] == (
            named.loc[name, "blanket"]
        )
        assert column not in serial.loc[column, "blanket"]
    parallel = markov_blankets(X, [0, 4], estimator=QUICK, n_jobs=2, random_state=1)
    _same(serial, parallel)


@pytest.mark.parametrize("columns", [None, [10, 11, 12, 13, 14]])
def test_a_frame_without_string_names_is_labelled_by_its_columns(frame, columns):
    unnamed = pd.DataFrame(frame.to_numpy(), columns=columns)
    first = unnamed.columns[0]
    table = markov_blankets(unnamed, [first], estimator=QUICK, random_state=1)
    named = markov_blankets(frame, ["a"], estimator=QUICK, random_state=1)
    position = {name: k for k, name in enumerate(frame.columns)}
    assert table.loc[first, "blanket"] == [
        unnamed.columns[position[name]] for name in named.loc["a", "blanket"]
    ]
    assert first not in table.loc[first, "blanket"]


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        (["z"], "Unknown target 'z'"),
        ([7], "out of range"),
        (["a", "a"], "twice"),
        ([], "empty"),
    ],
)
def test_bad_targets_are_clear_errors(frame, targets, message):
    with pytest.raises(ValueError, match=message):
        markov_blankets(frame, targets, estimator=QUICK)


def test_a_dask_cluster_gives_the_serial_answers(frame):
    distributed = pytest.importorskip("distributed")
    serial_blankets = markov_blankets(
        frame, ["a", "c"], estimator=QUICK, random_state=0
    )
    rng = np.random.RandomState(0)
    series = rng.normal(size=(150, 3))
    series[1:, 1] += np.tanh(series[:-1, 0])
    search = GridSearchCV(
        GrangerGRNGC(lag=1, max_epochs=5, hidden_units=8, random_state=0),
        {"lam": [0.03, 0.3]},
        cv=2,
    )
    serial_search = search.fit(series).cv_results_["mean_test_score"]
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_backend("dask"),
    ):
        dask_blankets = markov_blankets(
            frame, ["a", "c"], estimator=QUICK, random_state=0
        )
        dask_search = (
            search.set_params(n_jobs=2).fit(series).cv_results_["mean_test_score"]
        )
    _same(serial_blankets, dask_blankets)
    np.testing.assert_allclose(dask_search, serial_search)
