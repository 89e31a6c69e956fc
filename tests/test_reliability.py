"""Reliability of both estimators: numpy scalars, constant columns, Ctrl-C,
warnings that point at the caller, early stopping without exceptions."""

import os
import pickle
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from _data import driven_series, linear_target
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline

import sklearn_causal
from sklearn_causal import GrangerGRNGC, MarkovBlanketGCFS

GRANGER = {"max_epochs": 4, "hidden_units": 8, "random_state": 0}
BLANKET = {"search_steps": 20, "steps_per_subproblem": 10, "max_iter": 2}


def _numpy_scalar(value):
    if isinstance(value, bool):
        return np.bool_(value)
    if isinstance(value, int):
        return np.int64(value)
    if isinstance(value, float):
        return np.float64(value)
    return value


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    ("estimator", "fit_args"),
    [
        (GrangerGRNGC(model="mlp", lag=2, **GRANGER), (driven_series(),)),
        (GrangerGRNGC(model="kan", lag=1, **GRANGER), (driven_series(),)),
        (GrangerGRNGC(model="lstm", lag=2, **GRANGER), (driven_series(),)),
        (GrangerGRNGC(model="tcn", lag=3, **GRANGER), (driven_series(),)),
        (MarkovBlanketGCFS(random_state=0, **BLANKET), linear_target()),
    ],
    ids=["mlp", "kan", "lstm", "tcn", "gcfs"],
)
def test_numpy_scalar_parameters_give_the_python_result(estimator, fit_args):
    reference = estimator.fit(*fit_args)
    expected = (reference.support_.copy(), reference.score(*fit_args))
    params = {k: _numpy_scalar(v) for k, v in estimator.get_params().items()}
    assert any(isinstance(v, np.generic) for v in params.values())
    numpy_typed = estimator.set_params(**params).fit(*fit_args)
    np.testing.assert_array_equal(numpy_typed.support_, expected[0])
    assert numpy_typed.score(*fit_args) == expected[1]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_gridsearch_over_a_numpy_array_of_widths():
    search = GridSearchCV(
        GrangerGRNGC(max_epochs=2, lag=1, random_state=0),
        {"hidden_units": np.array([4, 8])},
        cv=2,
    ).fit(driven_series())
    assert isinstance(search.best_params_["hidden_units"], np.integer)
    widths = {
        layer.out_features
        for layer in search.best_estimator_.net_.module_.modules()
        if hasattr(layer, "out_features") and layer.out_features != 3
    }
    assert widths == {search.best_params_["hidden_units"]}


@pytest.mark.parametrize("hidden_units", [(0,), ("a",), (), (8.5,), [[8]]])
def test_hidden_units_must_be_positive_ints(hidden_units):
    with pytest.raises(ValueError, match="hidden_units must be a positive int"):
        GrangerGRNGC(max_epochs=1, hidden_units=hidden_units).fit(driven_series())


def test_hidden_units_accepts_a_list():
    gc = GrangerGRNGC(max_epochs=1, lag=1, hidden_units=[6, 5], random_state=0)
    with pytest.warns(ConvergenceWarning):
        gc.fit(driven_series())
    sizes = [
        m.out_features for m in gc.net_.module_.modules() if hasattr(m, "out_features")
    ]
    assert sizes[:2] == [6, 5]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    ("n_series", "width"), [(3, 128), (128, 128), (200, 200), (600, 512)]
)
def test_auto_width_is_one_unit_per_series_between_128_and_512(n_series, width):
    X = np.random.default_rng(0).standard_normal((24, n_series))
    gc = GrangerGRNGC(max_epochs=1, lag=1, random_state=0).fit(X)
    assert gc.hidden_units_ == width
    hidden = gc.net_.module_.layers[0]
    assert (hidden.in_features, hidden.out_features) == (n_series, width)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_given_width_is_used_as_it_is():
    gc = GrangerGRNGC(max_epochs=1, lag=1, hidden_units=7).fit(driven_series())
    assert gc.hidden_units_ == 7
    assert gc.net_.module_.layers[0].out_features == 7


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore:.*selected no feature:UserWarning")
@pytest.mark.parametrize(
    ("model", "rows"), [("mlp", 32), ("kan", 32), ("lstm", 16), ("tcn", 8)]
)
def test_auto_penalty_rows_depend_on_the_backbone(model, rows):
    X = driven_series()
    gc = GrangerGRNGC(model=model, lag=1, **GRANGER).fit(X)
    assert gc.penalty_rows_ == gc.net_.penalty_rows == rows
    given = GrangerGRNGC(model=model, lag=1, penalty_rows=3, **GRANGER).fit(X)
    assert given.penalty_rows_ == given.net_.penalty_rows == 3


# Constant columns ----------------------------------------------------------


def _with_constant(X, column, value=2.5):
    X = X.copy()
    X[:, column] = value
    return X


def test_granger_constant_series_causes_nothing_and_is_never_selected():
    X = _with_constant(driven_series(n=200), 2)
    with pytest.warns(UserWarning, match=r"1 constant column\(s\) \(2\)") as record:
        gc = GrangerGRNGC(max_epochs=20, lag=1, random_state=0).fit(X)
    assert sum("constant" in str(w.message) for w in record) == 1
    for matrix in (gc.causal_matrix_, gc.gc_avg_, *gc.causal_lags_):
        assert np.all(matrix[2] == 0) and np.all(matrix[:, 2] == 0)
        assert matrix[0, 1] > 0
    assert not gc.adjacency_[2].any() and not gc.adjacency_[:, 2].any()
    assert not gc.support_[2]
    np.testing.assert_array_equal(gc.forecast(X)[:, 2], 2.5)


def test_granger_constant_target_is_an_error():
    with pytest.raises(ValueError, match="target series 2 is constant"):
        GrangerGRNGC(max_epochs=1, target=2).fit(_with_constant(driven_series(), 2))


def test_all_constant_is_an_error():
    with pytest.raises(ValueError, match="Every column of X is constant"):
        GrangerGRNGC(max_epochs=1).fit(np.ones((30, 3)))
    with pytest.raises(ValueError, match="Every column of X is constant"):
        MarkovBlanketGCFS(**BLANKET).fit(np.ones((30, 3)), np.arange(30.0))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_blanket_never_holds_a_constant_feature():
    X, y = linear_target(n=200)
    y = y + X[:, 2]  # a, b and c cause y; b is then made constant
    X = pd.DataFrame(_with_constant(X, 1), columns=["a", "b", "c", "d"])
    with pytest.warns(UserWarning, match=r"1 constant column\(s\) \('b'\)"):
        mb = MarkovBlanketGCFS(random_state=0).fit(X, y)
    assert "b" not in set(mb.markov_blanket_) | set(mb.candidates_)
    assert mb.gate_probabilities_[1] == 0 and mb.search_scores_[1] == 0
    assert set(mb.markov_blanket_) == {"a", "c"}
    assert not mb.support_[1]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore:X has 1 constant:UserWarning")
def test_a_feature_constant_in_one_fold_does_not_stop_a_search():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(90, 4))
    X[:, 3] = 0.0
    X[:30, 3] = rng.binomial(1, 0.3, size=30)  # varies in the first third only
    y = (X[:, 0] + 0.3 * rng.normal(size=90) > 0).astype(int)
    pipe = Pipeline(
        [
            ("mb", MarkovBlanketGCFS(random_state=0, **BLANKET)),
            ("clf", LogisticRegression()),
        ]
    )
    search = GridSearchCV(
        pipe, {"mb__lam": [0.01, 0.1]}, cv=KFold(3), error_score="raise"
    )
    search.fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


# Ctrl-C ---------------------------------------------------------------------


def _interrupt_after(seconds):
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to self")
@pytest.mark.skipif(
    signal.getsignal(signal.SIGINT) is signal.SIG_IGN,
    reason="this process ignores SIGINT (a background job): Ctrl-C cannot reach it",
)
@pytest.mark.parametrize(
    ("make", "fit_args"),
    [
        (
            lambda: GrangerGRNGC(max_epochs=100_000, patience=None, lag=1),
            (driven_series(),),
        ),
        (lambda: MarkovBlanketGCFS(search_steps=1_000_000), linear_target()),
        (
            lambda: MarkovBlanketGCFS(
                search_steps=1, steps_per_subproblem=1_000_000, max_iter=2
            ),
            linear_target(),
        ),
        (
            lambda: GrangerGRNGC(max_epochs=100_000, patience=100_000, lag=1),
            (driven_series(),),
        ),
    ],
    ids=["granger", "gcfs-search", "gcfs-retraining", "granger-early-stopping"],
)
def test_ctrl_c_stops_the_fit_and_reaches_the_caller(make, fit_args):
    handler = signal.getsignal(signal.SIGINT)
    timer = _interrupt_after(1.0)
    start = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            make().fit(*fit_args)
    finally:
        timer.cancel()
    assert time.perf_counter() - start < 10
    assert signal.getsignal(signal.SIGINT) is handler


def test_no_keyboard_interrupt_is_raised_inside_a_fit():
    """Early stopping and the augmented Lagrangian end without exceptions."""
    seen = []

    def tracer(frame, event, arg):
        if event == "exception" and issubclass(arg[0], KeyboardInterrupt):
            seen.append(frame.f_code.co_name)
        return tracer

    gc = GrangerGRNGC(max_epochs=200, patience=2, lag=1, hidden_units=4, random_state=0)
    sys.settrace(tracer)
    try:
        gc.fit(driven_series())
    finally:
        sys.settrace(None)
    assert len(gc.net_.history) < 200  # early stopping did end training
    assert seen == []


# Early stopping and its warning ------------------------------------------------


def test_early_stopping_restores_the_best_epoch_without_a_warning():
    # tol=0: any decrease of the held-out loss is an improvement.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        gc = GrangerGRNGC(
            max_epochs=300, patience=3, tol=0.0, lag=1, random_state=0
        ).fit(driven_series())
    losses = gc.net_.history[:, "valid_loss"]
    best = int(np.argmin(losses))
    assert len(losses) < 300
    assert len(losses) - 1 - best <= 3  # stopped within `patience` of the best
    # The restored weights are the best epoch's: their held-out error is its.
    assert gc.candidate_losses_[0] == pytest.approx(losses[best], rel=1e-3)
    assert gc.candidate_losses_[0] < losses[-1]


def test_early_stopping_keeps_the_last_epoch_that_lowered_the_loss_by_tol():
    tol = 0.05
    gc = GrangerGRNGC(max_epochs=300, patience=5, tol=tol, lag=1, random_state=0)
    gc.fit(driven_series())
    losses = np.array(gc.net_.history[:, "valid_loss"])
    kept = int(
        np.flatnonzero(np.isclose(losses, gc.candidate_losses_[0], rtol=1e-3))[0]
    )
    # Training stopped `patience` epochs after the kept epoch, and no later
    # epoch lowered its loss by the share `tol`, though a later one was lower:
    # the smaller gain was not worth the longer training.
    assert len(losses) - 1 - kept == 5
    assert losses[kept + 1 :].min() >= losses[kept] * (1 - tol)
    assert losses[kept + 1 :].min() < losses[kept]


def test_running_out_of_epochs_warns():
    with pytest.warns(ConvergenceWarning, match="max_epochs=2 ran out"):
        GrangerGRNGC(max_epochs=2, lag=1, random_state=0).fit(driven_series())


# Warnings point at the caller -------------------------------------------------


def test_warnings_point_at_the_callers_line():
    X = _with_constant(driven_series(), 2)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        GrangerGRNGC(max_epochs=2, lag=1, random_state=0).fit(X)
        GridSearchCV(
            MarkovBlanketGCFS(random_state=0, **BLANKET), {"lam": [0.1]}, cv=2
        ).fit(*linear_target())
    # The package's own warnings (a GPU run may add torch's about kernels).
    ours = [
        w
        for w in record
        if issubclass(w.category, ConvergenceWarning)
        or "constant column" in str(w.message)
        or "selected no feature" in str(w.message)
    ]
    assert {w.category for w in ours} >= {UserWarning, ConvergenceWarning}
    assert {w.filename for w in ours} == {__file__}


# Divergence and extreme penalties ---------------------------------------------


@pytest.mark.filterwarnings("ignore:.*selected no feature:UserWarning")
@pytest.mark.parametrize("lr", [1e2, 1e12])
def test_granger_divergence_warns_and_keeps_finite_outputs(lr):
    X = driven_series()
    with pytest.warns(ConvergenceWarning, match="Training (diverged|never improved)"):
        gc = GrangerGRNGC(max_epochs=5, lr=lr, lag=1, random_state=0).fit(X)
    for array in (gc.causal_matrix_, gc.causal_lags_, gc.gc_avg_, gc.forecast(X)):
        assert np.isfinite(array).all()
    # The initial weights are kept: the forecast is the mean.
    assert gc.score(X) == pytest.approx(-1.0, abs=0.05)


@pytest.mark.filterwarnings("ignore:.*selected no feature:UserWarning")
def test_gcfs_divergence_warns_and_keeps_finite_outputs():
    X, y = linear_target()
    with pytest.warns(ConvergenceWarning, match="diverged"):
        mb = MarkovBlanketGCFS(lr=1e6, random_state=0, **BLANKET).fit(X, y)
    for array in (mb.adjacency_, mb.search_scores_, mb.gate_probabilities_):
        assert np.isfinite(array).all()
    assert np.isfinite(mb.score(X, y))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_augmented_lagrangian_stays_finite_up_to_rho_max():
    X, y = linear_target()
    mb = MarkovBlanketGCFS(
        rho_init=1e8,
        rho_growth=1e4,
        rho_max=1e16,
        max_iter=6,
        random_state=0,
        **{k: v for k, v in BLANKET.items() if k != "max_iter"},
    ).fit(X, y)
    assert max(max(r) for r in mb.net_.history[:, "rho"]) >= 1e16
    assert np.isfinite(mb.net_.history[:, "train_loss"]).all()
    assert np.isfinite(mb.adjacency_).all() and np.isfinite(mb.score(X, y))


# Durability ---------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_pickle_records_the_version_and_warns_across_versions():
    gc = GrangerGRNGC(max_epochs=2, lag=1, random_state=0).fit(driven_series())
    state = gc.__getstate__()
    assert state["_sklearn_causal_version"] == sklearn_causal.__version__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same = pickle.loads(pickle.dumps(gc))
    np.testing.assert_array_equal(same.causal_matrix_, gc.causal_matrix_)
    state["_sklearn_causal_version"] = "0.0.1"
    other = GrangerGRNGC.__new__(GrangerGRNGC)
    with pytest.warns(UserWarning, match="pickled by sklearn-causal 0.0.1"):
        other.__setstate__(state)
    np.testing.assert_array_equal(other.causal_matrix_, gc.causal_matrix_)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", ["granger", "blanket"])
def test_a_model_fitted_on_a_gpu_loads_and_runs_on_a_machine_without(kind, monkeypatch):
    # Simulated on the CPU: the fitted model claims to live on "cuda:0", and
    # the loading process sees no CUDA device.
    if kind == "granger":
        X, y = driven_series(), None
        model = GrangerGRNGC(lag=1, target=1, **GRANGER).fit(X)
        nets = [model.net_]
    else:
        X, y = linear_target()
        model = MarkovBlanketGCFS(random_state=0, **BLANKET).fit(X, y)
        nets = [model.net_, model.search_net_]
    # Every tensor of the nets goes through skorch's device mapping, none
    # is pickled as a plain (device-bound) attribute.
    tensors = ("path_inputs", "path_records_", "mu_", "rho_")
    for net in nets:
        state = net.__getstate__()
        assert not [k for k, v in state.items() if torch.is_tensor(v)]
        assert not set(tensors) & set(state)
    expected = model.transform(X), model.score(X, y)
    forecasts = model.forecast(X) if kind == "granger" else None
    model.device_ = "cuda:0"
    for net in nets:
        net.device = "cuda:0"
    saved = pickle.dumps(model)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skorch's DeviceWarning
        loaded = pickle.loads(saved)
    assert loaded.device_ == "cpu"
    np.testing.assert_array_equal(loaded.transform(X), expected[0])
    assert loaded.score(X, y) == pytest.approx(expected[1])
    if kind == "granger":
        np.testing.assert_allclose(loaded.forecast(X), forecasts)


@pytest.mark.parametrize(
    ("device", "message"),
    [
        ("gpu", "not a torch device"),
        ("cuda:x", "not a torch device"),
        ("cuda:64", "no such device"),
    ],
)
def test_device_strings_torch_does_not_have_are_clear_errors(device, message):
    with pytest.raises(ValueError, match=message):
        GrangerGRNGC(device=device, **GRANGER).fit(driven_series())
    with pytest.raises(ValueError, match=message):
        MarkovBlanketGCFS(device=device, **BLANKET).fit(*linear_target())


def test_any_torch_device_string_is_accepted():
    gc = GrangerGRNGC(device="cpu:0", lag=1, **GRANGER).fit(driven_series())
    assert gc.device_ == "cpu:0"
    if torch.cuda.is_available():
        gc = GrangerGRNGC(device="cuda:0", lag=1, **GRANGER).fit(driven_series())
        assert gc.device_ == "cuda:0"


def test_package_version_matches_the_project_metadata():
    # One source: pyproject.toml reads the version from _version.py, so the
    # installed distribution's metadata carries the package's own version.
    from importlib.metadata import version

    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject
    assert 'attr = "sklearn_causal._version.__version__"' in pyproject
    assert version("sklearn-causal") == sklearn_causal.__version__


_REPRODUCE = """
import sys, numpy as np, torch
torch.set_num_threads(1)
import sklearn_causal
from sklearn_causal import GrangerGRNGC, MarkovBlanketGCFS
rng = np.random.RandomState(0)
X = rng.normal(size=(150, 4)); X[1:, 1] = np.tanh(X[:-1, 0])
y = X[:, 0] - X[:, 2] + 0.1 * rng.normal(size=150)
gc = GrangerGRNGC(max_epochs=10, lag=2, random_state=3).fit(X)
mb = MarkovBlanketGCFS(search_steps=30, steps_per_subproblem=20, max_iter=3,
                       random_state=3).fit(X, y)
np.savez(sys.argv[1], causal_matrix=gc.causal_matrix_, causal_lags=gc.causal_lags_,
         adjacency=gc.adjacency_, mb_adjacency=mb.adjacency_,
         support=mb.support_, frequencies=mb.blanket_frequencies_)
"""


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_same_random_state_bit_identical_across_processes(tmp_path):
    outputs = []
    for run in range(2):
        path = tmp_path / f"run{run}.npz"
        subprocess.run([sys.executable, "-c", _REPRODUCE, str(path)], check=True)
        outputs.append(np.load(path))
    for name in outputs[0].files:
        np.testing.assert_array_equal(outputs[0][name], outputs[1][name], err_msg=name)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fit_leaves_global_state_and_inputs_untouched():
    X, y = linear_target()
    X_copy, y_copy = X.copy(), y.copy()
    threads = torch.get_num_threads()
    torch_state = torch.get_rng_state()
    numpy_state = np.random.get_state()[1].copy()  # noqa: NPY002
    GrangerGRNGC(max_epochs=2, lag=1, random_state=0).fit(X)
    MarkovBlanketGCFS(random_state=0, **BLANKET).fit(X, y)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.get_rng_state(), torch_state)
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)  # noqa: NPY002


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("scale", [1e-8, 1e8])
def test_scale_and_float32_give_the_same_graph_and_blanket(scale):
    X, y = linear_target(n=200)
    X[1:, 3] = np.tanh(X[:-1, 0])
    granger = {"max_epochs": 20, "lag": 1, "random_state": 0}
    blanket = {"random_state": 0, **BLANKET}
    gc = GrangerGRNGC(**granger).fit(X)
    mb = MarkovBlanketGCFS(**blanket).fit(X, y)
    for variant in (X * scale, X.astype(np.float32)):
        other = GrangerGRNGC(**granger).fit(variant)
        np.testing.assert_array_equal(other.adjacency_, gc.adjacency_)
        np.testing.assert_allclose(
            other.causal_matrix_, gc.causal_matrix_, rtol=1e-3, atol=1e-6
        )
        blanket_fit = MarkovBlanketGCFS(**blanket).fit(variant, y * scale)
        np.testing.assert_array_equal(blanket_fit.support_, mb.support_)
