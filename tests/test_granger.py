"""Behaviour of GrangerGRNGC (fast: tiny data, few epochs)."""

import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import sklearn
import torch
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, GroupKFold, TimeSeriesSplit
from sklearn.pipeline import Pipeline

from sklearn_causal import GrangerGRNGC
from sklearn_causal._instantaneous import explained_shares, present_and_past
from sklearn_causal._restricted_forecast import restricted_forecast_errors
from sklearn_causal._ridge_var import ridge_errors, ridge_var
from sklearn_causal.datasets import make_lorenz96, make_nonlinear_var
from sklearn_causal.granger import (
    _AVERAGE_MAX_LOST,
    _INSTANTANEOUS_MARGIN,
    _LAG_ERROR_MARGIN,
    _RANKING_MARGIN,
    _first_sufficient,
    _sufficient,
    _windows_lost,
)
from sklearn_causal.metrics import graph_auroc
from sklearn_causal.nn.backbones import BACKBONES


def _driven_pair(n=400, lag=1, seed=0):
    """x0 is noise; x1 follows tanh of x0 ``lag`` steps earlier; x2 is noise."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3))
    X[lag:, 1] = 2.0 * np.tanh(X[:-lag, 0]) + 0.1 * rng.normal(size=n - lag)
    return X


FAST = {"max_epochs": 60, "hidden_units": 16, "lr": 0.01, "random_state": 0}


def test_orientation_row_is_cause():
    X = _driven_pair()
    gc = GrangerGRNGC(**FAST).fit(X)
    # The network's own strengths: the driver dwarfs the reverse direction.
    assert gc.gc_avg_[0, 1] > 5 * gc.gc_avg_[1, 0]
    assert gc.adjacency_[0, 1]
    assert not gc.adjacency_[1, 0]
    # The ranking matrix is normalised per effect (column): in the driven
    # series' column the driver dominates the noise series.
    matrix = gc.causal_matrix_
    assert matrix[0, 1] == matrix[:, 1].max()
    assert matrix[0, 1] > 5 * matrix[2, 1]


@pytest.mark.slow
def test_causal_lags_pick_the_right_lag():
    X = _driven_pair(lag=2)
    gc = GrangerGRNGC(lag=3, **FAST).fit(X)
    assert gc.causal_lags_.shape == (3, 3, 3)
    np.testing.assert_allclose(gc.causal_lags_.sum(axis=0), gc.causal_matrix_)
    per_lag = gc.causal_lags_[:, 0, 1]
    assert np.argmax(per_lag) == 1
    assert per_lag[1] > 3 * max(per_lag[0], per_lag[2])


def _lagged_drivers(n=600, seed=0):
    """x1 = f(x0 two steps back) + g(x2 one step back); x3 = h(x0 at lags 1, 3)."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 4))
    X[3:, 1] = (
        1.5 * np.tanh(X[1:-2, 0])
        + 1.5 * np.tanh(X[2:-1, 2])
        + 0.1 * rng.normal(size=n - 3)
    )
    X[3:, 3] = np.tanh(X[2:-1, 0]) + np.tanh(X[:-3, 0]) + 0.1 * rng.normal(size=n - 3)
    return X


def test_lag_adjacency_says_when_each_link_acts():
    gc = GrangerGRNGC(lag=3, **FAST).fit(_lagged_drivers())
    assert gc.lag_adjacency_.shape == gc.gc_lags_.shape == (3, 4, 4)
    assert gc.lag_adjacency_.dtype == bool
    np.testing.assert_allclose(gc.gc_lags_.sum(axis=0), gc.gc_avg_)
    # Every link has at least one lag and nothing else has one.
    np.testing.assert_array_equal(gc.lag_adjacency_.any(axis=0), gc.adjacency_)
    assert np.isfinite(gc.lag_threshold_)
    np.testing.assert_array_equal(gc.lag_adjacency_[:, 0, 1], [False, True, False])
    np.testing.assert_array_equal(gc.lag_adjacency_[:, 2, 1], [True, False, False])
    np.testing.assert_array_equal(gc.lag_adjacency_[:, 0, 3], [True, False, True])
    # The rule: a link's strongest lag, and its lags above lag_threshold_.
    strongest = gc.gc_lags_ == gc.gc_lags_.max(axis=0)
    expected = gc.adjacency_ & (strongest | (gc.gc_lags_ > gc.lag_threshold_))
    np.testing.assert_array_equal(gc.lag_adjacency_, expected)


def _instantaneous_pair(n=400, seed=0):
    """x1 = x0 at the same time + noise, x0 and x2 AR(1): sampled too slowly
    for a lag to show the coupling."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3))
    for t in range(1, n):
        X[t, [0, 2]] += 0.5 * X[t - 1, [0, 2]]
    X[:, 1] = X[:, 0] + 0.3 * rng.normal(size=n)
    return X


def test_explained_shares_tell_where_the_coupling_shows():
    valid_rows = np.arange(320, 400)
    lagged, instantaneous = explained_shares(
        _standardised(_instantaneous_pair()), None, valid_rows
    )
    assert instantaneous > 0.2 and lagged < 0.05
    lagged, instantaneous = explained_shares(
        _standardised(_driven_pair()), None, valid_rows
    )
    assert lagged > 0.2 and instantaneous < 0.05


def _standardised(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)


def test_instantaneous_coupling_is_read_at_lag_zero():
    X = _instantaneous_pair()
    gc = GrangerGRNGC(lag=2, instantaneous=True, **FAST).fit(X)
    assert gc.instantaneous_ and gc.explained_shares_ is None
    for matrix in (gc.instantaneous_matrix_, gc.gc_instantaneous_):
        assert matrix.shape == (3, 3)
        assert np.all(np.diag(matrix) == 0)
    # The coupled pair, in either direction, dwarfs the independent series.
    coupled = gc.gc_instantaneous_
    assert min(coupled[0, 1], coupled[1, 0]) > 5 * coupled[[0, 1], 2].max()
    assert gc.causal_lags_.shape == gc.gc_lags_.shape == (2, 3, 3)
    # The present and the past count as two blocks of equal weight; the
    # diagonal has no present: the past's sum, as without the coupling.
    past = gc.causal_lags_.mean(axis=0)
    off = ~np.eye(3, dtype=bool)
    np.testing.assert_allclose(
        np.diag(gc.causal_matrix_), np.diag(gc.causal_lags_.sum(axis=0))
    )
    np.testing.assert_allclose(
        gc.causal_matrix_[off], ((gc.instantaneous_matrix_ + past) / 2)[off]
    )
    np.testing.assert_allclose(
        gc.gc_avg_, gc.gc_lags_.sum(axis=0) + gc.gc_instantaneous_, rtol=1e-6
    )
    np.testing.assert_array_equal(
        gc.lag_adjacency_.any(axis=0) | gc.instantaneous_adjacency_, gc.adjacency_
    )
    assert gc.instantaneous_adjacency_[0, 1] and gc.adjacency_[0, 1]
    # The fit of each series reads the others at t: far better than a
    # forecast of x1 from the past could be.
    assert gc.forecast(X).shape == (398, 3)
    assert gc.score(X) > -0.5


def test_present_and_past_weighs_the_present_as_the_whole_past():
    rng = np.random.RandomState(0)
    present = rng.uniform(size=(4, 4))
    np.fill_diagonal(present, 0.0)
    lags = rng.uniform(size=(2, 4, 4))
    # Without the present: the paper's sum over lags.
    np.testing.assert_array_equal(present_and_past(None, lags), lags.sum(axis=0))
    ranking = present_and_past(present, lags)
    off = ~np.eye(4, dtype=bool)
    np.testing.assert_allclose(ranking[off], ((present + lags.mean(axis=0)) / 2)[off])
    # A self-loop has no present: the diagonal is the past's sum, as
    # without the present, not divided by the number of lags.
    np.testing.assert_allclose(np.diag(ranking), np.diag(lags.sum(axis=0)))
    # Repeating the past's lags changes nothing off the diagonal: the
    # present's weight does not shrink with the number of lags.
    np.testing.assert_allclose(
        present_and_past(present, np.concatenate([lags, lags, lags]))[off],
        ranking[off],
    )
    # A pair coupled at lag 0 alone outranks one with the same strength
    # spread as noise over every lag, however many lags there are.
    noise = np.full((5, 4, 4), 0.6)
    noise[:, 0, 1] = 0.0
    coupled = np.zeros((4, 4))
    coupled[0, 1] = 1.0
    ranking = present_and_past(coupled, noise)
    assert ranking[0, 1] > ranking[0, 2]


@pytest.mark.slow
def test_instantaneous_auto_adds_the_coupling_only_where_it_shows():
    coupled = GrangerGRNGC(lag=1, **FAST).fit(_instantaneous_pair())
    assert coupled.instantaneous_
    lagged, instantaneous = coupled.explained_shares_
    assert instantaneous > lagged + _INSTANTANEOUS_MARGIN
    driven = GrangerGRNGC(lag=1, **FAST).fit(_driven_pair())
    assert not driven.instantaneous_
    assert driven.instantaneous_matrix_ is None
    assert driven.instantaneous_adjacency_ is None
    assert driven.net_.module_.coupling is None
    off = GrangerGRNGC(lag=1, instantaneous=False, **FAST).fit(_instantaneous_pair())
    assert not off.instantaneous_ and off.explained_shares_ is None


def test_lag_adjacency_with_one_lag_is_the_adjacency():
    gc = GrangerGRNGC(lag=1, **FAST).fit(_driven_pair())
    np.testing.assert_array_equal(gc.lag_adjacency_[0], gc.adjacency_)


@pytest.mark.slow
def test_with_a_target_transform_keeps_the_target_when_it_drives_its_future():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(500, 3))
    for t in range(1, 500):  # x1 = its own past and x0's; x2 is noise
        X[t, 1] = 0.8 * np.tanh(2 * X[t - 1, 1]) + np.tanh(X[t - 1, 0]) + 0.1 * X[t, 1]
    gc = GrangerGRNGC(lag=1, target=1, **FAST).fit(X)
    assert gc.adjacency_[1, 1]
    np.testing.assert_array_equal(gc.support_, [True, True, False])
    np.testing.assert_array_equal(gc.transform(X), X[:, :2])
    # Without a target, a series is kept when it drives another series; its
    # own persistence does not count.
    free = GrangerGRNGC(lag=1, **FAST).fit(X)
    np.testing.assert_array_equal(free.support_, [True, False, False])


@pytest.mark.slow
def test_lag_auto_finds_a_driver_that_acts_two_steps_back():
    X = _driven_pair(lag=2)
    gc = GrangerGRNGC(**FAST).fit(X)
    np.testing.assert_array_equal(gc.candidate_lags_, [1, 2, 3])
    assert gc.candidate_losses_.shape == (3,)
    # Lag 1 cannot forecast x1; lag 2 can, and lag 3 adds nothing.
    assert gc.candidate_losses_[1] < 0.8 * gc.candidate_losses_[0]
    assert gc.lag_ == 2
    # The rankings of lags 2 and 3 (not clearly worse) are averaged, not
    # lag 1's: causal_lags_ runs to the longest lag averaged.
    assert 1 not in gc.averaged_lags_
    assert 2 in gc.averaged_lags_
    assert gc.causal_lags_.shape == (gc.averaged_lags_.max(), 3, 3)
    assert gc.adjacency_[0, 1]
    assert gc.causal_matrix_[0, 1] == gc.causal_matrix_[:, 1].max()
    # With the old default lag=1 the driver is invisible.
    blind = GrangerGRNGC(lag=1, **FAST).fit(X)
    assert not blind.adjacency_[0, 1]


@pytest.mark.slow
def test_lag_auto_keeps_the_smallest_sufficient_lag():
    gc = GrangerGRNGC(**FAST).fit(_driven_pair(lag=1))
    assert gc.lag_ == 1
    assert gc.forecast(_driven_pair(lag=1)).shape == (399, 3)


def test_lag_auto_needs_a_hold_out():
    with pytest.raises(ValueError, match="validation_fraction > 0"):
        GrangerGRNGC(validation_fraction=0.0, max_epochs=1).fit(_driven_pair(n=40))
    gc = GrangerGRNGC(lag=2, validation_fraction=0.0, max_epochs=2, random_state=0)
    gc.fit(_driven_pair(n=40))
    assert np.isnan(gc.candidate_losses_).all()
    assert len(gc.net_.history) == 2


def _fit_with_errors(errors):
    """A stand-in for one lag's fit: only its held-out errors count (of
    every window, one series)."""
    return (None, None, None, np.asarray(errors, dtype=float)[:, None])


def test_choose_lag_prefers_the_smaller_lag_unless_clearly_beaten():
    rng = np.random.RandomState(0)
    base = 1.0 + rng.normal(scale=0.1, size=200)
    noise = rng.normal(scale=0.1, size=200)
    noise -= noise.mean()
    # Lower on average but within two standard errors: the smaller lag stays.
    close = [_fit_with_errors(base), _fit_with_errors(base - 0.005 + noise)]
    assert GrangerGRNGC._choose_lag(close) == 0
    # Lower on every held-out value by far more: the second is chosen.
    clear = [_fit_with_errors(base), _fit_with_errors(base - 0.2)]
    assert GrangerGRNGC._choose_lag(clear) == 1
    # The smallest lag not clearly worse than the best is kept.
    three = [_fit_with_errors(base + 0.3), *close[::-1]]
    assert GrangerGRNGC._choose_lag(three) == 1
    assert GrangerGRNGC._choose_lag([_fit_with_errors(base)]) == 0


def test_choose_lag_ignores_a_consistent_but_negligible_gain():
    rng = np.random.RandomState(0)
    base = 1.0 + rng.normal(scale=0.1, size=400)
    # 0.5 % lower on every held-out value: far beyond two standard errors
    # (they are zero), but below the 1 % a longer lag must gain.
    small = [_fit_with_errors(base), _fit_with_errors(base * 0.995)]
    assert GrangerGRNGC._choose_lag(small) == 0
    # 2 % lower on every value: the longer lag is kept.
    large = [_fit_with_errors(base), _fit_with_errors(base * 0.98)]
    assert GrangerGRNGC._choose_lag(large) == 1


def test_sufficient_lists_every_candidate_not_clearly_worse():
    rng = np.random.RandomState(0)
    base = 1.0 + rng.normal(scale=0.1, size=400)
    noise = rng.normal(scale=0.1, size=400)
    noise -= noise.mean()
    errors = [base + 0.3, base, base - 0.003 + noise, base * 0.995, base * 1.02]
    # The best (index 2) is lower than base by 0.3 %: within two standard
    # errors of it; 0.5 % under it (index 3) is within the 1 % margin;
    # 2 % above base and 0.3 above are clearly worse.
    assert _sufficient(errors, 0.01) == [1, 2, 3]
    assert _first_sufficient(errors, 0.01) == 1
    assert _sufficient([base], 0.01) == [0]


@pytest.mark.slow
def test_average_lags_averages_the_rankings_of_the_lags_not_clearly_worse():
    X = _driven_pair(lag=2)

    class Recording(GrangerGRNGC):
        def _choose_lag(self, fits):
            self.fits_ = fits
            return GrangerGRNGC._choose_lag(fits)

    gc = Recording(**FAST).fit(X)
    errors = [errors for *_, errors in gc.fits_]
    kept = [list(gc.candidate_lags_).index(lag) for lag in gc.averaged_lags_]
    assert kept == _sufficient(errors, _LAG_ERROR_MARGIN)
    rankings = [gc._path_ranking(net, outcome) for _, net, outcome, _ in gc.fits_]
    expected = sum(rankings[i].sum(axis=0) for i in kept) / len(kept)
    np.testing.assert_allclose(gc.causal_matrix_, expected)
    np.testing.assert_allclose(gc.causal_lags_.sum(axis=0), gc.causal_matrix_)
    # Without the average: the kept lag's network alone, the same fits.
    alone = Recording(**FAST, average_lags=False).fit(X)
    np.testing.assert_array_equal(alone.averaged_lags_, [alone.lag_])
    assert alone.lag_ == gc.lag_
    chosen = list(gc.candidate_lags_).index(gc.lag_)
    np.testing.assert_allclose(alone.causal_lags_, rankings[chosen])
    # An int lag trains one network: nothing to average.
    single = GrangerGRNGC(**FAST, lag=2).fit(X)
    np.testing.assert_array_equal(single.averaged_lags_, [2])


@pytest.mark.slow
def test_short_trajectories_keep_the_ranking_of_one_lag():
    # 20 courses of 12 points: lag 3 loses 2 of every 11 lag-1 windows, far
    # more than the 2 % the average allows; only lag_'s network ranks.
    X = _driven_pair(n=240)
    groups = np.repeat(np.arange(20), 12)
    gc = GrangerGRNGC(**FAST).fit(X, groups=groups)
    np.testing.assert_array_equal(gc.candidate_lags_, [1, 2, 3])
    np.testing.assert_array_equal(gc.averaged_lags_, [gc.lag_])
    assert gc.causal_lags_.shape == (gc.lag_, 3, 3)


def test_windows_lost():
    # One series of 201 points: lag 1 has 200 windows, lag 3 has 198.
    assert _windows_lost([201], 1, 3) == pytest.approx(0.01)
    # Ten courses of 21 points: 200 lag-1 windows, 10 fewer at lag 2.
    assert _windows_lost([21] * 10, 1, 2) == pytest.approx(0.05)
    assert _windows_lost([21] * 10, 2, 2) == 0.0
    assert _AVERAGE_MAX_LOST < 0.05


def test_restricted_forecasts_favour_the_ranking_of_the_true_causes():
    X = _driven_pair(n=300, lag=1)
    latest, targets = torch.tensor(X[:-1]), torch.tensor(X[1:])
    valid = np.arange(299) >= 240
    right = np.array([[0, 1.0, 0], [0, 0, 1.0], [1.0, 0, 0]])
    wrong = np.array([[0, 0, 1.0], [0, 0, 0], [1.0, 1.0, 0]])
    errors = restricted_forecast_errors(
        [right, wrong], latest.float(), targets.float(), valid, n_causes=1
    )
    assert errors.shape == (2, 59)
    # x1's driver is x0: with it, x1's error is its small noise; without it,
    # its whole variance (the errors are averaged over the 3 series).
    assert errors[0].mean() < 0.7 * errors[1].mean()
    # Trained together, each ranking's errors are those it gets alone.
    for ranking, together in zip([right, wrong], errors, strict=True):
        alone = restricted_forecast_errors(
            [ranking], latest.float(), targets.float(), valid, n_causes=1
        )
        np.testing.assert_array_equal(alone[0], together)


def test_long_training_false_trains_the_early_stopped_network_only():
    gc = GrangerGRNGC(lag=1, long_training=False, **FAST).fit(_driven_pair())
    assert not gc.long_training_
    assert gc.ranking_errors_ is None
    assert gc.net_.module__hidden_units == 16


def test_long_training_true_keeps_the_wide_network_trained_to_the_end():
    params = {**FAST, "max_epochs": 4}
    gc = GrangerGRNGC(lag=1, long_training=True, **params).fit(_driven_pair())
    assert gc.long_training_
    assert gc.ranking_errors_ is None
    assert gc.n_iter_ == 4 and len(gc.net_.history) == 4
    assert gc.net_.module__hidden_units == 1024
    # Everything read from the kept network.
    np.testing.assert_allclose(gc.gc_lags_.sum(axis=0), gc.gc_avg_)
    assert gc.forecast(_driven_pair()).shape == (399, 3)


@pytest.mark.slow
def test_long_training_auto_decides_from_the_rankings_held_out_errors():
    X = _driven_pair()
    gc = GrangerGRNGC(lag=1, **FAST).fit(X)
    early, long = gc.ranking_errors_
    # One error per held-out window (the last 79 of the 399), for both
    # rankings.
    assert early.shape == long.shape == (79,)
    expected = _first_sufficient([early, long], _RANKING_MARGIN) == 1
    assert gc.long_training_ == expected
    width = 1024 if expected else 16
    assert gc.net_.module__hidden_units == width
    # Without held-out windows, or for another backbone, "auto" trains one
    # network.
    for params in ({"validation_fraction": 0.0}, {"model": "kan"}):
        one = GrangerGRNGC(lag=1, **{**FAST, "max_epochs": 2, **params}).fit(X)
        assert one.ranking_errors_ is None and not one.long_training_


def _linear_var(n=300, p=8, seed=0):
    """A linear chain: every series but the first is driven by the previous
    series' previous value."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, p))
    for t in range(1, n):
        X[t, 1:] += 0.6 * X[t - 1, :-1]
    return X


@pytest.mark.slow
def test_model_auto_keeps_the_linear_forecaster_where_it_forecasts_better():
    # An additive VAR whose drivers act up to 3 steps back: the MLP's hidden
    # units add variance, a ridge VAR forecasts clearly better.
    X, graph = make_nonlinear_var(
        n_series=10, n_timepoints=300, lag=3, n_parents=2, random_state=1000
    )
    gc = GrangerGRNGC(model="auto", lag=3, max_epochs=100, random_state=0).fit(X)
    np.testing.assert_allclose(gc.linear_penalties_, [0.1, 0.1 / 3, 0.01])
    assert gc.linear_losses_.shape == (3,)
    assert gc.linear_lam_ in gc.linear_penalties_
    assert gc.model_ == "linear"
    # It replaced the MLP because it forecast the held-out values better.
    assert gc.linear_losses_.min() < gc.candidate_losses_[0]
    assert isinstance(gc.net_.module_, BACKBONES["linear"])
    assert gc.net_.module_.self_weight is None
    assert not gc.long_training_ and gc.ranking_errors_ is None
    assert gc.ridge_averaged_
    np.testing.assert_array_equal(gc.averaged_lags_, [3])
    assert graph_auroc(graph, gc.causal_matrix_) > 0.9
    assert gc.forecast(X).shape == (297, 10)


@pytest.mark.slow
def test_model_auto_keeps_the_mlp_on_nonlinear_dynamics():
    gc = GrangerGRNGC(model="auto", lag=1, **FAST).fit(_driven_pair())
    # A ridge VAR does not forecast tanh's drive better: nothing more trained.
    assert gc.model_ == "mlp" and gc.linear_penalties_ is None
    assert gc.linear_losses_ is None and gc.linear_lam_ is None
    # Without held-out windows, or with a backbone named, no linear test.
    for params in ({"validation_fraction": 0.0, "model": "auto"}, {"model": "mlp"}):
        one = GrangerGRNGC(lag=1, **{**FAST, "max_epochs": 2, **params}).fit(
            _linear_var()
        )
        assert one.model_ == "mlp" and one.linear_penalties_ is None
        assert one.linear_losses_ is None and one.linear_lam_ is None
        assert not one.ridge_averaged_


def test_the_ridge_screen_compares_the_ridge_var_with_the_mlp():
    X = _linear_var()
    gc = GrangerGRNGC(lag=1, **{**FAST, "max_epochs": 2}).fit(X)
    Z, valid = gc.scaler_.transform(X), np.arange(240, 300)
    own = ridge_errors(ridge_var(Z, None, valid, 1))

    def screen(mlp_errors):
        return gc._ridge_screen(Z, None, valid, (1, None, None, mlp_errors))

    # The MLP forecasting as well: the ridge VAR is kept for its ranking only.
    level = screen(own)
    assert level is not None and not level["better"]
    assert not screen(own * 1.005)["better"]  # within 1 %: still level
    assert screen(own * 2)["better"]  # clearly better: linear forecasters
    assert screen(own / 2) is None  # clearly worse: the MLP alone


def test_the_ridge_ranking_reads_each_lag_cause_and_effect():
    # Series 1 is driven by series 0 two steps back, and by nothing else.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 3))
    X[2:, 1] += 0.8 * X[:-2, 0]
    gc = GrangerGRNGC(lag=2, **{**FAST, "max_epochs": 2}).fit(X)
    ridge = ridge_var(gc.scaler_.transform(X), None, np.arange(320, 400), 2)
    ranking = gc._ridge_ranking(ridge)
    assert ranking.shape == (2, 3, 3)  # (lag, cause, effect), lag 1 first
    assert np.unravel_index(ranking.argmax(), ranking.shape) == (1, 0, 1)
    # Normalised per effect as a network's strengths: the other causes'
    # strengths, summed over lags, have unit norm.
    cross = ranking.sum(axis=0) * (1 - np.eye(3))
    np.testing.assert_allclose(np.linalg.norm(cross, axis=0), 1.0)


def test_model_linear_and_a_zero_penalty():
    gc = GrangerGRNGC(model="linear", lag=2, **FAST).fit(_linear_var())
    assert gc.model_ == "linear" and gc.linear_penalties_ is None
    assert gc.penalty_rows_ == 32
    assert len(gc.net_.module_.layers) == 1
    assert gc.net_.module_.layers[0].weight.shape == (8, 16)  # (effects, lag x causes)
    free = GrangerGRNGC(model="auto", lam=0.0, lag=1, **{**FAST, "max_epochs": 2}).fit(
        _linear_var()
    )
    np.testing.assert_array_equal(free.linear_penalties_, [0.0])


@pytest.mark.parametrize("model", ["kan", "mlp", "lstm", "tcn", "linear"])
def test_backbones_can_start_with_a_zero_output_layer(model):
    module = BACKBONES[model](4, 2, hidden_units=5, random_state=0, zero_output=True)
    x = torch.randn(3, 2, 4)
    y, jacobian = module.forward_with_jacobian(x)
    assert torch.count_nonzero(y) == 0
    assert torch.count_nonzero(jacobian) == 0
    # The output layer still learns: its gradient is not zero.
    (y - 1.0).pow(2).sum().backward()
    assert any(
        p.grad is not None and p.grad.abs().sum() > 0 for p in module.parameters()
    )


@pytest.mark.slow
def test_the_self_term_carries_each_series_persistence():
    # Three independent AR(1) series: all of their forecast is their own past.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 3))
    for t in range(1, len(X)):
        X[t] += 0.8 * X[t - 1]
    gc = GrangerGRNGC(lag=1, **FAST).fit(X)
    self_weight = gc.net_.module_.self_weight.detach().numpy()
    assert self_weight.shape == (3,)
    assert np.all(self_weight > 0.1)  # from zero, beside the network
    # Self-dependence still shows on the diagonal of the strengths.
    assert np.all(np.diag(gc.gc_avg_) > gc.gc_avg_[~np.eye(3, dtype=bool)].max())
    plain = GrangerGRNGC(lag=1, self_term=False, **FAST).fit(X)
    assert plain.net_.module_.self_weight is None


def test_strengths_are_normalised_per_effect_and_averaged_over_the_path():
    X = _driven_pair(n=200)
    one = GrangerGRNGC(lag=1, max_epochs=1, validation_fraction=0.0, random_state=0)
    matrix = one.fit(X).causal_matrix_.copy()
    np.fill_diagonal(matrix, 0.0)
    # One recorded epoch: every effect's cross strengths have norm 1.
    np.testing.assert_allclose(np.linalg.norm(matrix, axis=0), 1.0, rtol=1e-5)

    gc = GrangerGRNGC(lag=1, max_epochs=30, validation_fraction=0.0, random_state=0)
    gc.fit(X)
    net = gc.net_
    # Every epoch up to the 19th, then every (epoch // 10)-th.
    assert net.path_epochs_ == [*range(1, 20), *range(20, 31, 2)]
    weights = torch.tensor(np.diff(net.path_epochs_, prepend=0), dtype=torch.float32)
    records = torch.stack([record.cpu() for record in net.path_records_])
    expected = (weights[:, None, None, None] * records).sum(dim=0) / 30
    torch.testing.assert_close(net.path_strengths(30).cpu(), expected)
    np.testing.assert_allclose(
        gc.causal_matrix_, expected.numpy().sum(axis=1).T, rtol=1e-5
    )
    # Records after the requested epoch are left out; records stand for the
    # epochs since the previous one.
    torch.testing.assert_close(net.path_strengths(1), net.path_records_[0])
    net.path_epochs_, net.path_records_ = [2, 5], [torch.ones(1), torch.zeros(1)]
    torch.testing.assert_close(net.path_strengths(5), torch.tensor([0.4]))
    torch.testing.assert_close(net.path_strengths(4), torch.tensor([1.0]))
    # ``after`` leaves the first epochs out: the record of epoch 5 stands for
    # epochs 4-5 only, that of epoch 2 (after 1) for epoch 2.
    torch.testing.assert_close(net.path_strengths(5, after=3), torch.tensor([0.0]))
    torch.testing.assert_close(net.path_strengths(5, after=1), torch.tensor([0.25]))
    # No record after ``after``: the whole path up to ``epoch``.
    torch.testing.assert_close(net.path_strengths(4, after=3), torch.tensor([1.0]))


def test_the_long_network_records_the_second_half_of_its_path_alone():
    X = _driven_pair(n=200)
    gc = GrangerGRNGC(lag=1, max_epochs=30, long_training=True, random_state=0)
    gc.fit(X)
    assert gc.long_training_
    # Its ranking averages epochs 16-30 (after best_epoch // 2 = 15), so no
    # record is taken before: the first half's Jacobians are never read.
    assert gc.net_.path_after == 15
    assert gc.net_.path_epochs_ == [16, 17, 18, 19, *range(20, 31, 2)]
    expected = gc.net_.path_strengths(30, after=15).cpu().numpy().sum(axis=1).T
    np.testing.assert_allclose(gc.causal_matrix_, expected, rtol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("model", ["kan", "mlp", "lstm", "tcn"])
def test_every_backbone_recovers_a_small_lorenz96(model):
    X, graph = make_lorenz96(n_series=6, n_timepoints=300, random_state=0)
    gc = GrangerGRNGC(
        model=model, max_epochs=60, hidden_units=16, lr=0.01, random_state=0
    ).fit(X)
    assert graph_auroc(graph, gc.causal_matrix_) > 0.9


def test_target_selects_its_causes_and_transform_keeps_them():
    X = _driven_pair()
    frame = pd.DataFrame(X, columns=["driver", "driven", "noise"])
    gc = GrangerGRNGC(target="driven", **FAST).fit(frame)
    assert gc.target_index_ == 1
    assert gc.support_[0]
    assert not gc.support_[2]
    out = gc.transform(frame)
    assert list(gc.get_feature_names_out()) == list(
        frame.columns[gc.support_].astype(str)
    )
    assert out.shape == (len(frame), gc.support_.sum())


def test_target_as_index_matches_target_as_name():
    X = _driven_pair()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    by_name = GrangerGRNGC(target="b", **FAST).fit(frame)
    by_index = GrangerGRNGC(target=1, **FAST).fit(X)
    np.testing.assert_array_equal(by_name.support_, by_index.support_)
    np.testing.assert_allclose(by_name.causal_matrix_, by_index.causal_matrix_)


def test_groups_keep_windows_inside_trajectories():
    X = _driven_pair(n=60)
    groups = np.repeat([0, 1, 2], 20)
    gc = GrangerGRNGC(lag=2, max_epochs=2, random_state=0).fit(X, groups=groups)
    assert gc.forecast(X, groups=groups).shape == (3 * 18, 3)
    assert gc.forecast(X).shape == (58, 3)


def test_forecast_and_score_agree():
    X = _driven_pair()
    gc = GrangerGRNGC(**FAST).fit(X)
    forecasts = gc.forecast(X)
    scale = gc.scaler_.scale_
    expected = -np.mean(((forecasts - X[1:]) / scale) ** 2)
    assert gc.score(X) == pytest.approx(expected, rel=1e-5)
    # Two of the three series are white noise (MSE 1); the third is
    # predictable, so a working forecaster scores well above -1.
    assert gc.score(X) > -0.8


def test_same_random_state_same_result_and_no_global_rng_touched():
    X = _driven_pair(n=120)
    torch_state = torch.get_rng_state()
    numpy_state = np.random.get_state()[1].copy()  # noqa: NPY002
    first = GrangerGRNGC(max_epochs=5, random_state=3).fit(X)
    second = GrangerGRNGC(max_epochs=5, random_state=3).fit(X)
    GrangerGRNGC(max_epochs=2).fit(X)
    np.testing.assert_array_equal(first.causal_matrix_, second.causal_matrix_)
    assert torch.equal(torch_state, torch.get_rng_state())
    np.testing.assert_array_equal(numpy_state, np.random.get_state()[1])  # noqa: NPY002
    other = GrangerGRNGC(max_epochs=5, random_state=4).fit(X)
    assert not np.array_equal(first.causal_matrix_, other.causal_matrix_)


def test_early_stopping_restores_the_best_weights():
    X = _driven_pair()
    # tol=0: the epoch of the lowest held-out loss is kept.
    gc = GrangerGRNGC(
        lag=1, max_epochs=300, patience=5, tol=0.0, lr=0.05, random_state=0
    ).fit(X)
    history = gc.net_.history
    assert len(history) < 300
    assert gc.n_iter_ == len(history)
    best = min(history[:, "valid_loss"])
    valid = gc.validation_fraction
    n_valid = int(np.floor(valid * (len(X) - 1)))
    held_out = X[len(X) - n_valid - 1 :]
    assert -gc.score(held_out) == pytest.approx(best, rel=1e-4)


def test_verbose_2_prints_the_epoch_log(capsys):
    GrangerGRNGC(max_epochs=2, verbose=2, random_state=0).fit(_driven_pair(n=50))
    out = capsys.readouterr().out
    assert "train_loss" in out
    assert "valid_loss" in out


def test_empty_selection_keeps_the_strongest_series_with_a_warning():
    X = _driven_pair()
    gc = GrangerGRNGC(target=1, threshold=1e9, **FAST)
    with pytest.warns(UserWarning, match="selected no feature"):
        gc.fit(X)
    assert gc.support_.sum() == 1
    assert gc.support_[np.argmax(gc.causal_matrix_[:, 1])]


def test_pipeline_gridsearch_with_time_series_split():
    X = _driven_pair(n=200)
    search = GridSearchCV(
        GrangerGRNGC(**FAST), {"lam": [0.01, 100.0]}, cv=TimeSeriesSplit(n_splits=2)
    )
    search.fit(X)
    # x1 is forecastable from x0; a penalty of 100 forbids using any input,
    # so its held-out error is that of the mean (standardized MSE about 1).
    weak, strong = search.cv_results_["mean_test_score"]
    assert search.best_params_["lam"] == 0.01
    assert weak > -0.9 and strong < -0.95

    pipe = Pipeline([("granger", GrangerGRNGC(target=1, **FAST)), ("ridge", Ridge())])
    pipe.fit(X[:-1], X[1:, 1])
    assert pipe.predict(X[:5]).shape == (5,)


def test_gridsearch_routes_groups_to_fit_and_score():
    X = _driven_pair(n=120)
    groups = np.repeat(np.arange(4), 30)
    with sklearn.config_context(enable_metadata_routing=True):
        estimator = (
            GrangerGRNGC(max_epochs=3, hidden_units=8, random_state=0)
            .set_fit_request(groups=True)
            .set_score_request(groups=True)
        )
        search = GridSearchCV(estimator, {"lam": [0.1]}, cv=GroupKFold(2))
        search.fit(X, groups=groups)
    # Each split's score is that of a fit and a score that both got the
    # split's groups, and differs from one that got no groups.
    for split, (train, test) in enumerate(GroupKFold(2).split(X, groups=groups)):
        routed = clone(estimator).fit(X[train], groups=groups[train])
        expected = routed.score(X[test], groups=groups[test])
        got = search.cv_results_[f"split{split}_test_score"][0]
        assert got == pytest.approx(expected, rel=1e-6)
        unrouted = clone(estimator).fit(X[train]).score(X[test])
        assert got != pytest.approx(unrouted, rel=1e-6)


def test_clone_pickle_and_joblib_roundtrip(tmp_path):
    X = _driven_pair(n=120)
    gc = GrangerGRNGC(max_epochs=5, random_state=0).fit(X)
    assert clone(gc).get_params() == gc.get_params()
    restored = pickle.loads(pickle.dumps(gc))
    np.testing.assert_array_equal(restored.causal_matrix_, gc.causal_matrix_)
    np.testing.assert_allclose(restored.forecast(X), gc.forecast(X))
    path = tmp_path / "gc.joblib"
    joblib.dump(gc, path)
    np.testing.assert_allclose(joblib.load(path).forecast(X), gc.forecast(X))


@pytest.mark.parametrize(
    ("X", "kwargs", "fit_kwargs", "message"),
    [
        (np.array([[0.0, 1.0], [np.nan, 2.0], [1.0, 0.0]]), {}, {}, "NaN"),
        (_driven_pair(n=3), {"lag": 3}, {}, "Too few time points for lag=3"),
        (
            _driven_pair(n=20),
            {"lag": 4},
            {"groups": np.repeat([0, 1, 2, 3, 4], 4)},
            "Too few time points for lag=4",
        ),
        (
            pd.DataFrame(_driven_pair(n=20), columns=["a", "b", "c"]),
            {"target": "zzz"},
            {},
            "Unknown target 'zzz'",
        ),
        (_driven_pair(n=20), {"target": "a"}, {}, "X has no column names"),
        (_driven_pair(n=20), {"target": 7}, {}, "target=7 is out of range"),
        (np.array([[0.0, 1.0], [np.inf, 2.0], [1.0, 0.0]]), {}, {}, "infinity"),
        (np.empty((0, 3)), {}, {}, "0 sample"),
        (np.empty((20, 0)), {}, {}, "0 feature"),
        (np.zeros((20, 3, 2)), {}, {}, "dim 3"),
        (np.array([["a", "b"]] * 20), {}, {}, "X must hold numbers"),
        (_driven_pair(n=20) + 1j, {}, {}, "Complex data not supported"),
        (
            pd.DataFrame(_driven_pair(n=20), columns=["a", "a", "b"]),
            {"target": "a"},
            {},
            "unique column names",
        ),
        (
            _driven_pair(n=20),
            {},
            {"groups": np.r_[np.zeros(10), np.full(10, np.nan)]},
            "groups has 10 missing",
        ),
        (
            _driven_pair(n=20),
            {},
            {"groups": np.array([None] * 20, dtype=object)},
            "groups has 20 missing",
        ),
        (_driven_pair(n=20), {"lag": 0}, {}, "'lag' parameter"),
        (_driven_pair(n=20), {"device": "tpu"}, {}, "'device' parameter"),
        (np.arange(10.0), {}, {}, "Expected 2D array"),
        (_driven_pair(n=20), {}, {"groups": np.zeros(5)}, "groups has 5 labels"),
        (_driven_pair(n=20), {"model": "gru"}, {}, "'model' parameter"),
        (_driven_pair(n=20), {"lam": -1.0}, {}, "'lam' parameter"),
        (_driven_pair(n=20), {"self_term": "yes"}, {}, "'self_term' parameter"),
        (
            _driven_pair(n=20),
            {"long_training": "yes"},
            {},
            "'long_training' parameter",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(X, kwargs, fit_kwargs, message):
    with pytest.raises(ValueError, match=message):
        GrangerGRNGC(max_epochs=1, **kwargs).fit(X, **fit_kwargs)


def test_sparse_input_is_a_clear_error():
    with pytest.raises(TypeError, match="dense data is required"):
        GrangerGRNGC(max_epochs=1).fit(scipy.sparse.csr_matrix(_driven_pair(n=20)))


def test_mixed_group_labels_are_a_clear_error():
    groups = np.array([0, "a"] * 10, dtype=object)
    with pytest.raises(TypeError, match="groups mixes labels"):
        GrangerGRNGC(max_epochs=1).fit(_driven_pair(n=20), groups=groups)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_after_fit_series_must_match_what_fit_saw():
    gc = GrangerGRNGC(max_epochs=1, random_state=0).fit(_driven_pair(n=30))
    for method in (gc.transform, gc.forecast, gc.score):
        with pytest.raises(ValueError, match="X has 5 features, but GrangerGRNGC"):
            method(np.zeros((4, 5)))
    frame = pd.DataFrame(_driven_pair(n=30), columns=["a", "b", "c"])
    named = GrangerGRNGC(max_epochs=1, random_state=0).fit(frame)
    for method in (named.transform, named.forecast, named.score):
        with pytest.raises(ValueError, match="feature names should match"):
            method(frame[["b", "a", "c"]])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_clone_then_refit_gives_the_same_fit():
    X = _driven_pair(n=120)
    gc = GrangerGRNGC(max_epochs=5, random_state=0).fit(X)
    again = clone(gc).fit(X)
    np.testing.assert_array_equal(again.causal_matrix_, gc.causal_matrix_)
    np.testing.assert_array_equal(again.forecast(X), gc.forecast(X))


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_gpu_is_a_clear_error():
    with pytest.raises(ValueError, match="no CUDA device"):
        GrangerGRNGC(device="cuda", max_epochs=1).fit(_driven_pair(n=30))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("model", ["kan", "mlp", "lstm", "tcn"])
def test_cuda_fit_matches_the_cpu_graph(model):
    X, graph = make_lorenz96(n_series=6, n_timepoints=300, random_state=0)
    params = {"model": model, "max_epochs": 60, "hidden_units": 16, "lr": 0.01}
    on_gpu = GrangerGRNGC(device="cuda", random_state=0, **params).fit(X)
    on_cpu = GrangerGRNGC(device="cpu", random_state=0, **params).fit(X)
    assert on_gpu.device_ == "cuda"
    assert next(on_gpu.net_.module_.parameters()).is_cuda
    assert graph_auroc(graph, on_gpu.causal_matrix_) > 0.9
    np.testing.assert_allclose(
        on_gpu.causal_matrix_, on_cpu.causal_matrix_, rtol=0.05, atol=1e-3
    )


def test_lag_links_rule():
    from sklearn_causal._thresholding import lag_links

    scores = np.full((3, 3, 3), 1e-4)
    scores[:, 0, 1] = [1e-4, 1.0, 1e-4]  # acts at lag 2
    scores[:, 0, 2] = [0.5, 1e-3, 0.8]  # acts at lags 1 and 3
    scores[:, 2, 1] = [3e-4, 2e-4, 2e-4]  # weak everywhere: its strongest lag
    links = np.zeros((3, 3), dtype=bool)
    links[0, 1] = links[0, 2] = links[2, 1] = True
    result, threshold = lag_links(scores, links)
    assert 1e-3 < threshold < 0.5
    np.testing.assert_array_equal(result.any(axis=0), links)
    np.testing.assert_array_equal(result[:, 0, 1], [False, True, False])
    np.testing.assert_array_equal(result[:, 0, 2], [True, False, True])
    np.testing.assert_array_equal(result[:, 2, 1], [True, False, False])
    # No off-diagonal link: only each link's strongest lag, ties to the first.
    self_only, threshold = lag_links(np.ones((2, 3, 3)), np.eye(3, dtype=bool))
    assert threshold == np.inf
    np.testing.assert_array_equal(self_only[0], np.eye(3, dtype=bool))
    assert not self_only[1].any()


def test_explained_shares_leave_out_series_constant_while_training():
    Z = _standardised(_instantaneous_pair())
    # A series flat over the training windows and not after: no share of
    # its (zero) training variance can be measured.
    Z[:, 2] = np.where(np.arange(400) < 320, 0.0, np.linspace(-1, 1, 400))
    lagged, instantaneous = explained_shares(Z, None, np.arange(320, 400))
    assert np.isfinite([lagged, instantaneous]).all()
    assert instantaneous > 0.3
    Z[:320] = 0.0
    assert explained_shares(Z, None, np.arange(320, 400)) == (0.0, 0.0)
