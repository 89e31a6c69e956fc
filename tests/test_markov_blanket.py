"""Behaviour of MarkovBlanketGCFS (fast: tiny DAGs, short training)."""

import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import torch
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sklearn_causal import MarkovBlanketGCFS
from sklearn_causal._local_graph import is_acyclic
from sklearn_causal.markov_blanket import _search_vote

# Enough training to learn the tiny DAGs below, and a shorter run for tests
# of the API alone (those stop the augmented Lagrangian early, and warn so).
FAST = {"steps_per_subproblem": 150, "n_restarts": 2, "random_state": 0}
QUICK = {"steps_per_subproblem": 20, "max_iter": 3, "n_restarts": 2, "random_state": 0}
quick_fit_warns = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)
NAMES = ["parent_a", "parent_b", "child", "spouse", "noise_1", "noise_2"]


def _v_structure(n=600, seed=0, classify=False):
    """parent_a, parent_b -> y -> child <- spouse; two independent noises."""
    rng = np.random.RandomState(seed)
    a, b, spouse, noise_1, noise_2 = rng.normal(size=(5, n))
    y = 1.5 * a - 1.5 * b + 0.5 * rng.normal(size=n)
    if classify:
        y = (y > 0).astype(int)
    child = 1.5 * y + 1.5 * spouse + 0.5 * rng.normal(size=n)
    X = np.column_stack([a, b, child, spouse, noise_1, noise_2])
    return X, y


@pytest.mark.slow
def test_finds_the_markov_blanket_of_a_v_structure():
    X, y = _v_structure()
    mb = MarkovBlanketGCFS(**FAST).fit(X, y)
    assert set(mb.markov_blanket_) == {0, 1, 2, 3}
    assert not mb.support_[4] and not mb.support_[5]
    np.testing.assert_array_equal(
        mb.support_, np.isin(np.arange(6), mb.markov_blanket_)
    )
    assert set(mb.parents_) | set(mb.children_) | set(mb.spouses_) == set(
        mb.markov_blanket_
    )
    assert mb.transform(X).shape == (len(X), mb.support_.sum())


@quick_fit_warns
def test_attributes_have_the_documented_shapes():
    X, y = _v_structure(n=300)
    mb = MarkovBlanketGCFS(n_candidates=4, **QUICK).fit(X, y)
    assert mb.candidates_.shape == (4,)
    assert mb.adjacency_.shape == (5, 5)
    assert np.all(np.diag(mb.adjacency_) == 0)
    assert np.all((mb.adjacency_ >= 0) & (mb.adjacency_ <= 1))
    assert mb.links_.shape == (2, 5, 5) and mb.links_.dtype == bool
    # A pair of variables is linked in one direction at most.
    assert not np.any(mb.links_ & mb.links_.transpose(0, 2, 1))
    assert np.all(mb.adjacency_[mb.links_.any(axis=0)] > 0)
    assert list(mb.retrained_variables_[:-1]) == list(mb.candidates_)
    assert mb.retrained_variables_[-1] == "y"
    assert mb.gate_probabilities_.shape == (6,)
    assert mb.search_scores_.shape == (6,)
    # The candidates are the features whose closed gate costs the most.
    np.testing.assert_array_equal(
        np.sort(np.argsort(-mb.search_scores_)[:4]), mb.candidates_
    )
    assert np.all((mb.gate_probabilities_ >= 0) & (mb.gate_probabilities_ <= 1))
    assert set(mb.markov_blanket_) <= set(mb.candidates_)
    np.testing.assert_array_equal(
        mb.blanket_votes_ > 0.5, np.isin(np.arange(6), mb.markov_blanket_)
    )
    # The vote is the restarts' frequency plus the search's evidence, which
    # only candidates receive.
    shift = mb.blanket_votes_ - mb.blanket_frequencies_
    not_candidate = ~np.isin(np.arange(6), mb.candidates_)
    assert np.all(shift[not_candidate] == 0)
    np.testing.assert_array_equal(
        shift[mb.candidates_], _search_vote(mb.search_scores_[mb.candidates_], mb.lam_)
    )
    assert mb.lam_ == pytest.approx(np.log(300) / 300)
    assert mb.classes_ is None


def test_search_vote_steps():
    # Costs in edge prices: below 2 loses a quarter of the vote, above 4
    # gains a quarter, above 8 half; a cost at a bound takes the lower step.
    costs = np.array([-1.0, 1.99, 2.0, 4.0, 4.01, 8.0, 8.01, 100.0])
    np.testing.assert_array_equal(
        _search_vote(costs / 100, price=0.01),
        [-0.25, -0.25, 0, 0, 0.25, 0.25, 0.5, 0.5],
    )
    # With 4 restarts: two votes and a cost above 4 make a member, three
    # votes and a cost below 2 do not, one vote and a cost above 8 do, and a
    # feature that no restart puts in the blanket stays out.
    frequency = np.array([0.5, 0.5, 0.75, 0.75, 0.25, 0.0])
    costs = np.array([5.0, 3.0, 1.0, 3.0, 9.0, 100.0])
    assert list(frequency + _search_vote(costs, price=1.0) > 0.5) == [
        True,
        False,
        False,
        True,
        True,
        False,
    ]


@quick_fit_warns
def test_without_the_search_vote_the_restarts_decide():
    X, y = _v_structure(n=400)
    mb = MarkovBlanketGCFS(search_vote=False, **QUICK).fit(X, y)
    np.testing.assert_array_equal(mb.blanket_votes_, mb.blanket_frequencies_)
    np.testing.assert_array_equal(
        mb.blanket_frequencies_ > 0.5, np.isin(np.arange(6), mb.markov_blanket_)
    )
    # The same fit otherwise: the search and the restarts are unchanged.
    voted = MarkovBlanketGCFS(**QUICK).fit(X, y)
    np.testing.assert_array_equal(voted.links_, mb.links_)
    np.testing.assert_array_equal(voted.search_scores_, mb.search_scores_)


@quick_fit_warns
def test_lam_is_the_price_of_an_edge():
    X, y = _v_structure(n=400)
    sparse = MarkovBlanketGCFS(lam=0.5, **QUICK).fit(X, y)
    assert sparse.lam_ == 0.5
    dense = MarkovBlanketGCFS(lam=0.0, **QUICK).fit(X, y)
    assert sparse.links_.sum() < dense.links_.sum()


@pytest.mark.parametrize("labels", [("no", "yes"), ("a", "b", "c")])
def test_class_targets(labels):
    X, y = _v_structure(n=400, classify=True)
    if len(labels) == 3:
        y = y + (X[:, 1] > 1).astype(int)
    y = np.asarray(labels)[y]
    mb = MarkovBlanketGCFS(**FAST).fit(X, y)
    np.testing.assert_array_equal(mb.classes_, sorted(labels))
    # The child depends on the class node directly, whatever its encoding.
    assert 2 in mb.markov_blanket_
    assert np.isfinite(mb.score(X, y))


@quick_fit_warns
def test_names_label_the_blanket_and_set_output_keeps_them():
    X, y = _v_structure(n=400)
    frame = pd.DataFrame(X, columns=NAMES)
    mb = MarkovBlanketGCFS(**QUICK).set_output(transform="pandas").fit(frame, y)
    assert set(mb.markov_blanket_) <= set(NAMES)
    out = mb.transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(mb.markov_blanket_)
    assert list(mb.get_feature_names_out()) == list(mb.markov_blanket_)


@quick_fit_warns
def test_pipeline_and_gridsearch_over_lam():
    X, y = _v_structure(n=400, classify=True)
    pipe = Pipeline(
        [
            ("mb", MarkovBlanketGCFS(**QUICK)),
            ("clf", LogisticRegression()),
        ]
    )
    search = GridSearchCV(pipe, {"mb__lam": [0.005, 100.0]}, cv=2).fit(X, y)
    # At 100 per edge the blanket is empty and one feature is kept: the
    # downstream accuracy says so, and the search picks the other price.
    cheap, dear = search.cv_results_["mean_test_score"]
    assert cheap > dear + 0.1
    assert search.best_params_["mb__lam"] == 0.005
    assert search.best_estimator_.named_steps["mb"].lam_ == 0.005
    assert search.score(X, y) > 0.85


@pytest.mark.slow
def test_score_prefers_held_out_data_from_the_same_model():
    X, y = _v_structure(n=600)
    mb = MarkovBlanketGCFS(**FAST).fit(X[:400], y[:400])
    same = mb.score(X[400:], y[400:])
    shuffled = mb.score(X[400:], np.random.RandomState(0).permutation(y[400:]))
    assert same > shuffled


@quick_fit_warns
def test_empty_blanket_keeps_the_strongest_feature_with_a_warning():
    X, y = _v_structure(n=300)
    mb = MarkovBlanketGCFS(lam=100.0, **QUICK)
    with pytest.warns(UserWarning, match="selected no feature"):
        mb.fit(X, y)
    assert mb.markov_blanket_.size == 0
    assert mb.support_.sum() == 1
    assert mb.transform(X).shape == (len(X), 1)


def test_same_random_state_same_result_and_no_global_rng_touched():
    X, y = _v_structure(n=200)
    torch_state = torch.get_rng_state()
    numpy_state = np.random.get_state()[1].copy()  # noqa: NPY002
    params = {"steps_per_subproblem": 10, "max_iter": 3, "n_restarts": 2}
    first = MarkovBlanketGCFS(random_state=1, **params).fit(X, y)
    second = MarkovBlanketGCFS(random_state=1, **params).fit(X, y)
    MarkovBlanketGCFS(**params).fit(X, y)
    np.testing.assert_array_equal(first.adjacency_, second.adjacency_)
    np.testing.assert_array_equal(first.gate_probabilities_, second.gate_probabilities_)
    assert torch.equal(torch_state, torch.get_rng_state())
    np.testing.assert_array_equal(numpy_state, np.random.get_state()[1])  # noqa: NPY002


@pytest.mark.slow
def test_augmented_lagrangian_log_and_acyclic_result():
    X, y = _v_structure()
    mb = MarkovBlanketGCFS(**FAST).fit(X, y)
    history = mb.net_.history
    assert {"h", "rho", "region_size"} <= set(history[-1])
    assert len(history) == mb.n_iter_
    # Every restart's first subproblem sees every retrained variable (the
    # initial graph links every pair); every restart ends acyclic.
    n_retrained = len(mb.retrained_variables_)
    assert history[0, "region_size"] == [n_retrained, n_retrained]
    assert max(history[-1, "h"]) <= mb.h_tol
    assert all(is_acyclic(links) for links in mb.links_)
    with pytest.warns(ConvergenceWarning, match="h_tol"):
        MarkovBlanketGCFS(**{**FAST, "max_iter": 2}).fit(X, y)


@quick_fit_warns
def test_search_and_retraining_have_their_own_width():
    X, y = _v_structure(n=100)
    mb = MarkovBlanketGCFS(**QUICK, search_hidden_units=5, hidden_units=3)
    mb.fit(X, y)
    search_encoders = mb.search_net_.module_.autoencoder.encoders
    assert search_encoders.weights[0].shape[1] == 5
    assert mb.net_.module_.encoders.weights[0].shape[1] == 3
    # "auto": 8 units below 100 searched features, 16 from 100 on.
    auto = MarkovBlanketGCFS()
    assert [auto._search_width(n) for n in (6, 99, 100, 500)] == [8, 8, 16, 16]


def test_each_subproblem_takes_the_steps_it_is_given():
    X, y = _v_structure(n=257)
    mb = MarkovBlanketGCFS(**{**FAST, "steps_per_subproblem": 7, "max_iter": 3})
    assert mb.set_params(search_steps=5)._search_steps() == 5
    mb.set_params(search_steps="auto")
    with pytest.warns(ConvergenceWarning):
        mb.fit(X, y)
    assert [len(epoch["batches"]) for epoch in mb.net_.history] == [7, 7, 7]
    assert len(mb.search_net_.history[-1]["batches"]) == 400
    # "auto": 400 steps for one restart, 200 each for several.
    assert MarkovBlanketGCFS(n_restarts=1)._steps() == 400
    assert MarkovBlanketGCFS(n_restarts=4)._steps() == 200


def test_clone_pickle_and_joblib_roundtrip(tmp_path):
    X, y = _v_structure(n=200)
    with pytest.warns(ConvergenceWarning):
        mb = MarkovBlanketGCFS(**QUICK).fit(X, y)
    assert clone(mb).get_params() == mb.get_params()
    restored = pickle.loads(pickle.dumps(mb))
    np.testing.assert_array_equal(restored.support_, mb.support_)
    assert restored.score(X, y) == pytest.approx(mb.score(X, y))
    path = tmp_path / "mb.joblib"
    joblib.dump(mb, path)
    assert joblib.load(path).score(X, y) == pytest.approx(mb.score(X, y))


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "message"),
    [
        (np.array([[0.0, 1.0], [np.nan, 2.0], [1.0, 0.0]]), [0.0, 1.0, 2.0], {}, "NaN"),
        (_v_structure(n=20)[0], None, {}, "requires y to be passed"),
        (_v_structure(n=20)[0], np.r_[np.inf, np.arange(19.0)], {}, "infinity"),
        (_v_structure(n=20)[0], np.r_[np.nan, np.arange(19.0)], {}, "NaN"),
        (_v_structure(n=20)[0], np.zeros((20, 2)), {}, "1d array"),
        (_v_structure(n=20)[0], np.arange(20.0) + 1j, {}, "Complex data"),
        (np.zeros((20, 3, 2)), np.arange(20.0), {}, "dim 3"),
        (np.array([["a", "b"]] * 20), np.arange(20.0), {}, "X must hold numbers"),
        (_v_structure(n=20)[0][:1], np.arange(1.0), {}, "1 sample"),
        (_v_structure(n=20)[0], np.arange(20.0), {"device": "gpu"}, "'device'"),
        (_v_structure(n=20)[0], np.arange(10.0), {}, "y has 10 samples but X has 20"),
        (_v_structure(n=20)[0], np.full(20, 0.5), {}, "y is constant"),
        (_v_structure(n=20)[0], np.ones(20, dtype=int), {}, "single class"),
        (_v_structure(n=20)[0], np.arange(20.0), {"lam": -1.0}, "'lam' parameter"),
        (_v_structure(n=20)[0], np.arange(20.0), {"lam": "bic"}, "'lam' parameter"),
        (_v_structure(n=20)[0], np.arange(20.0), {"rho_growth": 0.5}, "rho_growth"),
        (_v_structure(n=20)[0], np.arange(20.0), {"threshold": 1.0}, "threshold"),
        (_v_structure(n=20)[0], np.arange(20.0), {"n_restarts": 0}, "n_restarts"),
        (
            _v_structure(n=20)[0],
            np.arange(20.0),
            {"search_hidden_units": 0},
            "search_hidden_units",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(X, y, kwargs, message):
    with pytest.raises(ValueError, match=message):
        MarkovBlanketGCFS(steps_per_subproblem=1, max_iter=1, **kwargs).fit(X, y)


@quick_fit_warns
def test_clone_then_refit_gives_the_same_fit():
    X, y = _v_structure(n=200)
    mb = MarkovBlanketGCFS(**QUICK).fit(X, y)
    again = clone(mb).fit(X, y)
    np.testing.assert_array_equal(again.adjacency_, mb.adjacency_)
    np.testing.assert_array_equal(again.support_, mb.support_)


def test_sparse_input_is_a_clear_error():
    X, y = _v_structure(n=20)
    with pytest.raises(TypeError, match="dense data is required"):
        MarkovBlanketGCFS(**QUICK).fit(scipy.sparse.csr_matrix(X), y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_after_fit_inputs_must_match_what_fit_saw():
    X, y = _v_structure(n=60)
    labels = np.where(y > 0, "up", "down")
    mb = MarkovBlanketGCFS(**QUICK).fit(X, labels)
    with pytest.raises(ValueError, match=r"classes unseen in fit: \['sideways'\]"):
        mb.score(X, np.where(y > 0, "up", "sideways"))
    for method in (mb.transform, lambda Z: mb.score(Z, labels)):
        with pytest.raises(ValueError, match="X has 2 features, but MarkovBlanketGCFS"):
            method(X[:, :2])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_fit_matches_the_cpu_blanket():
    X, y = _v_structure()
    on_gpu = MarkovBlanketGCFS(device="cuda", **FAST).fit(X, y)
    on_cpu = MarkovBlanketGCFS(device="cpu", **FAST).fit(X, y)
    assert on_gpu.device_ == "cuda"
    assert next(on_gpu.net_.module_.parameters()).is_cuda
    assert set(on_gpu.markov_blanket_) == set(on_cpu.markov_blanket_)


@pytest.mark.slow
def test_a_target_with_a_single_neighbour_keeps_it():
    # y = a + an unobserved cause: a Gaussian pair that explains itself
    # equally well in both directions, and two unrelated features. The
    # acyclicity constraint must orient the pair, not remove it.
    rng = np.random.RandomState(0)
    a, hidden, noise_1, noise_2 = rng.normal(size=(4, 200))
    y = a - hidden + 0.1 * rng.normal(size=200)
    X = np.column_stack([a, noise_1, noise_2])
    mb = MarkovBlanketGCFS(random_state=0).fit(X, y)
    np.testing.assert_array_equal(mb.markov_blanket_, [0])
