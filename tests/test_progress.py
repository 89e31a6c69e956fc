"""What verbose fits report: a bar per phase (1), a table (2), nothing (0)."""

import pickle
import re

import numpy as np
import pytest
from _data import driven_series, linear_target

from sklearn_causal import GrangerGRNGC, MarkovBlanketGCFS
from sklearn_causal._progress import Progress

ANSI = re.compile(r"\x1b\[")
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


GCFS_FAST = {
    "steps_per_subproblem": 20,
    "search_steps": 30,
    "max_iter": 3,
    "n_restarts": 1,
    "random_state": 0,
}


def test_verbose_0_is_silent(capsys):
    GrangerGRNGC(lag=1, max_epochs=3, random_state=0).fit(driven_series())
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ""


def test_verbose_1_draws_one_bar_per_network_on_stderr(capsys):
    gc = GrangerGRNGC(model="mlp", max_lag=2, max_epochs=4, patience=None, verbose=1)
    gc.set_params(random_state=0).fit(driven_series())
    out, err = capsys.readouterr()
    assert out == ""
    for lag in (1, 2):
        # The legend says what the losses contain, then the bar.
        assert f"GrangerGRNGC lag {lag}: train_loss = forecast MSE + lam" in err
        assert f"GrangerGRNGC lag {lag}: 100%" in err
    # Then the long training's network, at the lag kept.
    long = f"GrangerGRNGC lag {gc.lag_} (long training)"
    assert f"{long}: train_loss = forecast MSE + lam" in err
    assert "(here: not; every epoch runs)" in err
    assert f"{long}: 100%" in err
    final = [line for line in err.split("\r") if "stopped at epoch" in line]
    assert len(final) == 3
    # The closing state of the bar shows the last epoch, its losses in
    # scientific notation and why training ended.
    assert re.search(r"4/4 .*train_loss=\d\.\d{3}e[+-]\d\d", final[0])
    assert "valid_loss=" in final[0]
    assert "max_epochs reached" in final[0]
    # The output is not a terminal: no colour or cursor codes, ASCII bar.
    assert not ANSI.search(err)


def test_verbose_1_names_the_linear_forecasters_of_model_auto(capsys):
    gc = GrangerGRNGC(model="auto", lag=1, max_epochs=3, patience=None, verbose=1)
    gc.set_params(random_state=0).fit(driven_series())
    err = capsys.readouterr()[1]
    # Three epochs leave the MLP behind a ridge VAR: the linear forecasters
    # are trained, one bar each, named by their penalty.
    assert gc.linear_penalties_ is not None
    for lam in ("0.1", "0.0333333", "0.01"):
        assert f"GrangerGRNGC lag 1 (linear, lam={lam}): 100%" in err


def test_verbose_2_writes_one_row_per_epoch_and_the_ending(capsys):
    gc = GrangerGRNGC(lag=1, max_epochs=5, patience=None, verbose=2, random_state=0)
    gc.fit(driven_series())
    out, err = capsys.readouterr()
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:1] == ["epoch"])
    assert lines[header].split() == ["epoch", "train_loss", "valid_loss", "seconds"]
    rows = [line.split() for line in lines[header + 1 : header + 6]]
    assert [int(row[0]) for row in rows] == [1, 2, 3, 4, 5]
    losses = [float(row[1]) for row in rows]
    assert losses == pytest.approx(gc.net_.history[:, "train_loss"], rel=1e-3)
    assert lines[header + 6] == (
        "GrangerGRNGC lag 1: stopped at epoch 5 (max_epochs reached); kept epoch 5"
    )
    assert not ANSI.search(out)
    assert "%|" not in err


def test_early_stopping_is_reported_with_the_epoch_kept(capsys):
    gc = GrangerGRNGC(lag=1, max_epochs=400, patience=3, verbose=2, random_state=0)
    gc.fit(driven_series(n=60))
    out = capsys.readouterr().out
    ran = len(gc.net_.history)
    best = int(np.argmin(gc.net_.history[:, "valid_loss"])) + 1
    assert ran < 400
    assert (
        f"GrangerGRNGC lag 1: stopped at epoch {ran} (valid_loss did not improve "
        f"for 3 epochs); kept epoch {best}"
    ) in out


def test_gcfs_labels_its_phases_and_reports_h_and_rho(capsys):
    X, y = linear_target(n=300)
    gcfs = MarkovBlanketGCFS(verbose=1, **GCFS_FAST).fit(X, y)
    err = capsys.readouterr().err
    assert "MarkovBlanketGCFS search: loss = negative log-likelihood" in err
    assert "MarkovBlanketGCFS search: 100%" in err
    assert "30/30" in err  # the search's gradient steps
    assert "MarkovBlanketGCFS retraining: one augmented Lagrangian" in err
    retraining = [line for line in err.split("\r") if "retraining: 100%" in line]
    assert retraining, err
    assert re.search(r"h=\d\.\d{3}e[+-]\d\d, rho=\d\.\d{3}e[+-]\d\d", err)
    assert f"{gcfs.n_iter_}/3" in retraining[-1]
    assert not ANSI.search(err)


def test_gcfs_table_has_one_row_per_augmented_lagrangian_iteration(capsys):
    X, y = linear_target(n=300)
    gcfs = MarkovBlanketGCFS(verbose=2, **GCFS_FAST).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert "MarkovBlanketGCFS search: 30 steps done" in lines
    header = lines.index(
        next(line for line in lines if line.split()[:1] == ["iteration"])
    )
    assert lines[header].split() == [
        "iteration",
        "train_loss",
        "h",
        "rho",
        "region",
        "seconds",
    ]
    rows = lines[header + 1 : header + 1 + gcfs.n_iter_]
    assert [int(row.split()[0]) for row in rows] == list(range(1, gcfs.n_iter_ + 1))
    h = [float(row.split()[2]) for row in rows]
    assert h == pytest.approx(np.max(gcfs.net_.history[:, "h"], axis=1), rel=1e-3)
    assert lines[header + 1 + gcfs.n_iter_].startswith("MarkovBlanketGCFS retraining: ")


def test_a_verbose_fit_pickles_and_its_bar_is_not_carried():
    gc = GrangerGRNGC(lag=1, max_epochs=2, verbose=1, random_state=0).fit(
        driven_series()
    )
    loaded = pickle.loads(pickle.dumps(gc))
    np.testing.assert_array_equal(loaded.causal_matrix_, gc.causal_matrix_)
    progress = dict(loaded.net_.callbacks_)["progress"]
    assert isinstance(progress, Progress)
    assert progress._bar is None


def test_the_same_fit_with_and_without_progress(capsys):
    X = driven_series()
    quiet = GrangerGRNGC(lag=1, max_epochs=5, random_state=0).fit(X)
    loud = GrangerGRNGC(lag=1, max_epochs=5, random_state=0, verbose=2).fit(X)
    np.testing.assert_array_equal(quiet.causal_matrix_, loud.causal_matrix_)
