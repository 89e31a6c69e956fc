"""Behaviour of MarkovBlanketGCFS (fast: tiny DAGs, short training)."""

import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sklearn_causal import MarkovBlanketGCFS

FAST = {"max_epochs": 40, "max_iter": 6, "random_state": 0}
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


def test_attributes_have_the_documented_shapes():
    X, y = _v_structure(n=300)
    mb = MarkovBlanketGCFS(n_candidates=4, **FAST).fit(X, y)
    assert mb.candidates_.shape == (4,)
    assert mb.adjacency_.shape == (5, 5)
    assert np.all(np.diag(mb.adjacency_) == 0)
    assert list(mb.retrained_variables_[:-1]) == list(mb.candidates_)
    assert mb.retrained_variables_[-1] == "y"
    assert mb.gate_probabilities_.shape == (6,)
    assert np.all((mb.gate_probabilities_ >= 0) & (mb.gate_probabilities_ <= 1))
    assert set(mb.markov_blanket_) <= set(mb.candidates_)
    assert mb.classes_ is None


def test_target_column_of_a_dataframe_is_the_target_and_never_selected():
    X, y = _v_structure(n=400)
    frame = pd.DataFrame(X, columns=NAMES)
    frame.insert(2, "label", y)
    mb = MarkovBlanketGCFS(target="label", **FAST).fit(frame)
    assert mb.n_features_in_ == 7
    assert not mb.support_[2]
    assert np.isnan(mb.gate_probabilities_[2])
    assert "label" not in mb.markov_blanket_
    assert set(mb.markov_blanket_) <= set(NAMES)
    out = mb.transform(frame)
    assert list(mb.get_feature_names_out()) == list(frame.columns[mb.support_])
    assert out.shape[1] == mb.support_.sum()
    assert np.isfinite(mb.score(frame))


@pytest.mark.parametrize("labels", [("no", "yes"), ("a", "b", "c")])
def test_class_targets(labels):
    X, y = _v_structure(n=400, classify=True)
    if len(labels) == 3:
        y = y + (X[:, 1] > 1).astype(int)
    y = np.asarray(labels)[y]
    # lam=0.01: at the default 0.05 the L1 penalty outweighs the three-class
    # cross-entropy's pull on the target's column of A, which empties the
    # blanket (with a warning); GridSearchCV over lam finds such a case.
    mb = MarkovBlanketGCFS(**FAST, lam=0.01).fit(X, y)
    np.testing.assert_array_equal(mb.classes_, sorted(labels))
    # The child depends on the class node directly, whatever its encoding.
    assert 2 in mb.markov_blanket_
    assert np.isfinite(mb.score(X, y))


def test_names_label_the_blanket_and_set_output_keeps_them():
    X, y = _v_structure(n=400)
    frame = pd.DataFrame(X, columns=NAMES)
    mb = MarkovBlanketGCFS(**FAST).set_output(transform="pandas").fit(frame, y)
    assert set(mb.markov_blanket_) <= set(NAMES)
    out = mb.transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(mb.markov_blanket_)


def test_pipeline_and_gridsearch_over_lam():
    X, y = _v_structure(n=400, classify=True)
    pipe = Pipeline(
        [
            ("mb", MarkovBlanketGCFS(max_epochs=20, max_iter=3, random_state=0)),
            ("clf", LogisticRegression()),
        ]
    )
    search = GridSearchCV(pipe, {"mb__lam": [0.01, 0.1]}, cv=2).fit(X, y)
    assert search.best_params_["mb__lam"] in (0.01, 0.1)
    assert search.score(X, y) > 0.7


def test_score_prefers_held_out_data_from_the_same_model():
    X, y = _v_structure(n=600)
    mb = MarkovBlanketGCFS(**FAST).fit(X[:400], y[:400])
    same = mb.score(X[400:], y[400:])
    shuffled = mb.score(X[400:], np.random.RandomState(0).permutation(y[400:]))
    assert same < 0
    assert same > shuffled


def test_empty_blanket_keeps_the_strongest_feature_with_a_warning():
    X, y = _v_structure(n=300)
    mb = MarkovBlanketGCFS(threshold=1e9, **FAST)
    with pytest.warns(UserWarning, match="selected no feature"):
        mb.fit(X, y)
    assert mb.markov_blanket_.size == 0
    assert mb.support_.sum() == 1
    assert mb.transform(X).shape == (len(X), 1)


def test_same_random_state_same_result_and_no_global_rng_touched():
    X, y = _v_structure(n=200)
    torch_state = torch.get_rng_state()
    numpy_state = np.random.get_state()[1].copy()  # noqa: NPY002
    params = {"max_epochs": 10, "max_iter": 3}
    first = MarkovBlanketGCFS(random_state=1, **params).fit(X, y)
    second = MarkovBlanketGCFS(random_state=1, **params).fit(X, y)
    MarkovBlanketGCFS(**params).fit(X, y)
    np.testing.assert_array_equal(first.adjacency_, second.adjacency_)
    np.testing.assert_array_equal(first.gate_probabilities_, second.gate_probabilities_)
    assert torch.equal(torch_state, torch.get_rng_state())
    np.testing.assert_array_equal(numpy_state, np.random.get_state()[1])  # noqa: NPY002


def test_augmented_lagrangian_log_and_acyclic_result():
    X, y = _v_structure()
    # Run the augmented Lagrangian to its own stopping rule (FAST caps it at
    # 6 iterations, before h is small): acyclicity holds at convergence.
    mb = MarkovBlanketGCFS(**{**FAST, "max_iter": 100}).fit(X, y)
    history = mb.net_.history
    assert {"h", "rho", "region_size"} <= set(history[-1])
    assert history[0, "region_size"] == 1
    assert history[-1, "h"] <= mb.h_tol
    with pytest.warns(ConvergenceWarning, match="h_tol"):
        MarkovBlanketGCFS(**{**FAST, "max_iter": 2}).fit(X, y)
    links = mb.edge_scores_ > mb.threshold_
    # No 2-cycle survives the acyclicity constraint.
    assert not np.any(links & links.T)


def test_clone_pickle_and_joblib_roundtrip(tmp_path):
    X, y = _v_structure(n=200)
    mb = MarkovBlanketGCFS(max_epochs=10, max_iter=3, random_state=0).fit(X, y)
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
        (
            pd.DataFrame(_v_structure(n=20)[0], columns=NAMES),
            None,
            {"target": "zzz"},
            "no column named target='zzz'",
        ),
        (
            pd.DataFrame(_v_structure(n=20)[0], columns=[*NAMES[:-1], "y"]),
            np.zeros(20),
            {},
            "pass one or the other",
        ),
        (
            np.column_stack([np.ones(20), np.arange(20.0)]),
            np.arange(20.0),
            {},
            "constant",
        ),
        (_v_structure(n=20)[0], np.arange(10.0), {}, "y has 10 samples but X has 20"),
        (_v_structure(n=20)[0], np.full(20, 0.5), {}, "y is constant"),
        (_v_structure(n=20)[0], np.ones(20, dtype=int), {}, "single class"),
        (_v_structure(n=20)[0], np.arange(20.0), {"lam": -1.0}, "'lam' parameter"),
        (_v_structure(n=20)[0], np.arange(20.0), {"rho_growth": 0.5}, "rho_growth"),
    ],
)
def test_bad_input_gets_a_clear_error(X, y, kwargs, message):
    with pytest.raises(ValueError, match=message):
        MarkovBlanketGCFS(max_epochs=1, max_iter=1, **kwargs).fit(X, y)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_fit_matches_the_cpu_blanket():
    X, y = _v_structure()
    on_gpu = MarkovBlanketGCFS(device="cuda", **FAST).fit(X, y)
    on_cpu = MarkovBlanketGCFS(device="cpu", **FAST).fit(X, y)
    assert on_gpu.device_ == "cuda"
    assert next(on_gpu.net_.module_.parameters()).is_cuda
    assert set(on_gpu.markov_blanket_) >= {0, 1, 2}
    np.testing.assert_allclose(on_gpu.adjacency_, on_cpu.adjacency_, atol=0.05)


def test_tol_ends_a_levelled_off_subproblem_early():
    X, y = _v_structure(n=600)
    steps_per_pass = -(-600 // 256)
    full = MarkovBlanketGCFS(tol=0.0, **FAST).fit(X, y)
    assert set(full.net_.history[:, "n_steps"]) == {FAST["max_epochs"] * steps_per_pass}
    early = MarkovBlanketGCFS(tol=1.0, **FAST).fit(X, y)
    # Every subproblem stops at the first pass after two 40-step windows.
    assert set(early.net_.history[:, "n_steps"]) == {
        -(-80 // steps_per_pass) * steps_per_pass
    }
