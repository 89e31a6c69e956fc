"""GrangerGRNGC: Gradient-Regularization Neural Granger Causality."""

from __future__ import annotations

from dataclasses import replace
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._base import CausalSelectorBase
from ._compat import Interval, StrOptions, _fit_context
from ._instantaneous import explained_shares, present_and_past
from ._progress import Progress
from ._restricted_forecast import restricted_forecast_errors
from ._ridge_var import ridge_errors, ridge_var
from ._thresholding import lag_links, resolve_threshold
from ._warnings import warn
from ._windows import LagWindows, make_lag_windows, trajectory_rows
from .nn.backbones import BACKBONES
from .training import GradientPenaltyNet, granger_strengths, per_effect_normalised

# lag="auto" keeps a longer lag only when its held-out forecast error is
# lower by more than this share of that error (and by more than two standard
# errors). On Lorenz-96 with 1000 series, lag 2 forecast 0.7 % better than
# lag 1 and ranked the links worse (AUROC 0.968 against 0.984). On the
# development suite the longer lags kept gained at least 1.9 %, except in two
# of 230 fits (0.3 %), where lag 1 ranked better too (docs/granger.md, 2.11).
_LAG_ERROR_MARGIN = 0.01

# average_lags: the rankings of the candidate lags not clearly worse than the
# best are averaged only when a longer lag's windows lose at most this share
# of the kept lag's: a window of k steps cannot forecast the first k values of
# a trajectory, and on short courses (21 points) those first transitions
# carry most of the dynamics, so longer lags rank worse while forecasting the
# tails as well (gene-fast 0.654 -> 0.636 averaged). On long single series
# (NetSim sim3, 200 points, 1 % lost at lag 3) the average lowers the
# ranking's variance: 0.697 -> 0.723 (docs/granger.md, 2.18).
_AVERAGE_MAX_LOST = 0.02

# hidden_units="auto": one hidden unit per series, within these bounds. The
# one shared layer carries every series' couplings: at 200-1000 series a wider
# layer ranked better on every family tried, at 100 it did not. The cap keeps
# a fit of 1000 series (Lorenz-96, T = 2000) within 15 minutes on one core:
# 512 units took 12-13 minutes; wider was not measured (docs/granger.md, 2.14).
_AUTO_MIN_UNITS = 128
_AUTO_MAX_UNITS = 512

# penalty_rows="auto": Jacobian rows drawn per step, by backbone. A row costs
# the TCN (two convolutions per block) about twice and the LSTM (through
# time) about five times what it costs the MLP. Their rows were cut until
# Lorenz-96 with 100 series fits in 120 s and a DREAM4 network in 30 s: the
# TCN keeps its accuracy with 8 rows; the LSTM loses 0.002 AUROC with 16 and
# about 0.01 with 8, so it keeps 16 (docs/granger.md, 2.15).
_AUTO_PENALTY_ROWS = {"mlp": 32, "kan": 32, "lstm": 16, "tcn": 8, "linear": 32}

# long_training: the second network, much wider and trained past the held-out
# optimum (on Lorenz-96 with 100 series and F = 40 the ranking keeps improving
# for 150 epochs at 1024 units; docs/granger.md, 2.16). "auto" keeps it when
# the restricted forecasts of its ranking beat the early-stopped network's by
# this share of their error (and by two standard errors): on the development
# suite they did by 8-24 % on Lorenz-96 with 100 series, by at most 4.7 %
# elsewhere (docs/granger.md, 2.17).
_LONG_UNITS = 1024
_LONG_EPOCHS = 150
_RANKING_MARGIN = 0.06
# "auto" tries it up to this many series (where hidden_units="auto" starts to
# widen the network with the series): on three families of 200-300 series the
# test kept the early-stopped network every time, at 2.2 times the fit time.
_LONG_MAX_SERIES = 128

# model="auto": where a ridge VAR of the kept lag forecasts the held-out
# windows clearly better than the MLP, a linear forecaster (a lasso VAR: the
# gradient penalty on a linear layer is an L1 penalty on its coefficients) is
# trained at that lag with lam divided by each of these, and the largest
# penalty not clearly worse on the held-out windows is kept (the L1 penalty
# shrinks a linear model's coefficients directly, a network's gradients only
# through its hidden units: on var-tanh the held-out error was lowest at
# lam / 3 or lam / 10). It replaces the MLP when the MLP's held-out errors are
# clearly worse (_LAG_ERROR_MARGIN and two standard errors): every var-tanh
# fit of the development suite, 2 of 3 var-sin ones, no gene, fMRI-like,
# Lorenz-96 or DREAM4 fit (docs/granger.md, 2.22). Wherever the ridge VAR is
# not clearly worse than the MLP its ranking is averaged in: var-tanh 0.983
# -> 0.991 on ten graphs (the lasso zeroes weak true links, 2.23), gene-fast
# 0.654 -> 0.685 (2.24).
_LINEAR_PENALTY_DIVISORS = (1, 3, 10)

# instantaneous="auto": the coupling of the present values is added when the
# other series at t explain more of the series' held-out variance than the
# other series' past explains beyond each series' own past, by more than this
# share (:func:`~sklearn_causal._instantaneous.explained_shares`; the past's
# share is the better of a ridge VAR(1)'s and the network's, and its gain is
# negative where it only adds variance). On the development suite the excess
# was 0.03-0.29 on 37 of 40 fMRI-like members and on NetSim sim3 (the other
# three -0.01..+0.02; on the one measured both ways the coupling did not
# change the ranking), at most 0.007 on the gene families, below -0.015 on
# DREAM4, below -0.08 on VAR and Lorenz-96 data up to 100 series, +0.017 on
# Lorenz-96 with 300 (docs/granger.md, 2.19).
_INSTANTANEOUS_MARGIN = 0.025

__all__ = ["GrangerGRNGC"]


def _sufficient(errors, margin: float) -> list[int]:
    """Indices of the candidates whose held-out errors are not clearly worse.

    ``errors`` holds, per candidate in order of preference (for the lag, in
    increasing order), the error of every held-out window (the same windows
    for all). The candidate with the lowest mean error is the reference;
    another is clearly worse when its errors are higher both by more than two
    standard errors of the paired differences (the gain is real) and by more
    than ``margin`` times the reference's mean error (the gain matters).
    """
    best = int(np.argmin([e.mean() for e in errors]))
    sufficient = []
    for index, candidate in enumerate(errors):
        difference = candidate - errors[best]
        standard_error = difference.std(ddof=1) / np.sqrt(difference.size)
        limit = max(2 * standard_error, margin * errors[best].mean())
        if index == best or difference.mean() <= limit:
            sufficient.append(index)
    return sufficient


def _windows_lost(lengths, lag: int, longer: int) -> float:
    """Share of the ``lag``-step windows of trajectories of ``lengths`` rows
    that ``longer``-step windows do not have (the first targets of each)."""
    windows = sum(n - lag for n in lengths)
    return (longer - lag) * len(lengths) / windows if longer > lag else 0.0


def _averaged_lags(errors, lags, kept: int, lengths) -> list[int]:
    """Indices of the candidate lags whose rankings ``average_lags``
    averages: those whose held-out ``errors`` are not clearly worse than the
    best's (:func:`_sufficient` with ``_LAG_ERROR_MARGIN``), among those
    whose windows lose at most ``_AVERAGE_MAX_LOST`` of the ``kept`` lag's
    on trajectories of ``lengths`` rows."""
    return [
        index
        for index in _sufficient(errors, _LAG_ERROR_MARGIN)
        if _windows_lost(lengths, kept, lags[index]) <= _AVERAGE_MAX_LOST
    ]


def _first_sufficient(errors, margin: float) -> int:
    """Index of the first candidate whose held-out error is not clearly worse
    than the best one's (:func:`_sufficient`): an earlier candidate is
    preferred unless the best beats it by a real gain that matters."""
    return _sufficient(errors, margin)[0]


class GrangerGRNGC(CausalSelectorBase):
    """Granger causality from the gradients of one forecasting network (GRNGC).

    One network (KAN, MLP, LSTM or TCN) forecasts every series from the
    previous ``lag`` values of all series. During training an L1 penalty on
    the time-averaged absolute input-output gradients pushes the network to
    use few inputs; those averaged gradients are the Granger causality
    strengths (Liu et al., "Gradient Regularization-based Neural Granger
    Causality").

    Seven choices made here are not in the paper; each was measured on a
    development suite of simulated families (``benchmarks/dev_granger.py``,
    ``docs/granger.md``) and none looks at a true graph:

    - the network's output layer starts at zero, so that the strengths grow
      from the data, not from the random initial weights;
    - ``causal_matrix_`` averages the strengths over the training path (up
      to the epoch early stopping keeps), each epoch's strengths normalised
      per effect, which makes the columns of different series comparable;
    - with ``lag="auto"`` the lag is chosen among ``1..max_lag`` by the
      held-out forecast error, and ``causal_matrix_`` averages the rankings
      of the candidate lags that forecast as well as the best;
    - early stopping keeps the last epoch that lowered the held-out error by
      more than ``tol``, not a later one that lowers it by less;
    - with ``long_training="auto"`` a much wider network trained past the
      held-out optimum replaces the early-stopped one when the few causes
      its ranking puts first forecast held-out values clearly better;
    - with ``instantaneous="auto"`` the network also reads the other series'
      present values through a linear, L1-penalised map, and their
      gradients are strengths at lag 0, when the data show their coupling
      at the same time rather than in the past (fMRI seen through a slow
      haemodynamic response, NetSim);
    - with ``model="auto"`` a linear forecaster (a lasso VAR under the
      same gradient penalty) replaces the MLP where the MLP forecasts the
      held-out values clearly worse than it: nearly linear dynamics.

    **Orientation.** ``causal_matrix_[i, j]`` is the strength of
    "series ``i`` Granger-causes series ``j``": row = cause, column = effect,
    as in a networkx adjacency matrix (``networkx.from_numpy_array`` draws
    the edges the right way round). The paper's ``GC_avg(j, i)`` is the
    transpose.

    As a selector, ``transform`` keeps the series that Granger-cause
    ``target`` (or, without a target, those that cause any other series), so
    the estimator can select lagged predictors in front of a forecaster.

    Parameters
    ----------
    model : {"auto", "mlp", "kan", "lstm", "tcn", "linear"}, default="auto"
        Forecasting backbone. "auto" trains the MLP (the lag search and every
        later step); where a ridge VAR of the kept lag forecasts the held-out
        values clearly better than the MLP (by more than two standard errors
        of the paired differences and by more than 1 %), it then trains, at
        that lag, a linear forecaster (``"linear"``: one linear layer, a
        lasso VAR under the same gradient penalty) with ``lam``, ``lam / 3``
        and ``lam / 10``, keeps the largest penalty whose held-out errors are
        not clearly worse than the best's, and lets it replace the MLP when
        the MLP's held-out errors are clearly worse than its own: nearly
        linear dynamics, on which the MLP's hidden units only add variance
        to the strengths (``model_`` says which was kept; without held-out
        windows the MLP is). Wherever that ridge VAR forecasts the held-out
        values at least as well as the MLP (not clearly worse), its ranking
        (absolute coefficients, normalised per effect) is averaged with the
        kept forecaster's in ``causal_matrix_`` (``ridge_averaged_``; not
        with the map of the present or the long network): it keeps weak
        links that the lasso's L1 penalty zeroes, and where it forecasts
        as well as the MLP it ranks about as well and the two rankings' errors
        differ. The MLP (SiLU
        activations) is the network: in our benchmarks it is the most
        accurate on short, noisy series (DREAM4 gene expression, NetSim
        fMRI) and close to the KAN on chaotic
        dynamics (Lorenz-96), and its Jacobian is the cheapest to compute.
        The KAN, the paper's main model, is the most accurate on long,
        strongly nonlinear series (Lorenz-96 with large forcing) but
        overfits short ones. LSTM and TCN cost 2-5x more per Jacobian row,
        so ``penalty_rows="auto"`` draws fewer rows for them.
    lag : int or "auto", default="auto"
        Window length ``k``: the forecast of ``x_t`` uses ``x_{t-k}, ...,
        x_{t-1}``. "auto" trains one network per lag ``1..max_lag`` (fewer
        when a trajectory is too short) and keeps the smallest lag whose
        held-out errors, on the same held-out values, are not higher than
        the best lag's by more than two standard errors of the paired
        differences, or by more than 1 % of the best lag's error. ``lag=1``
        is the setting of the paper's code; it cannot see a driver that
        acts only two steps back.
    max_lag : int, default=3
        Largest lag tried by ``lag="auto"``.
    hidden_units : "auto", int or sequence of int, default="auto"
        Width of the hidden layer(s) of the backbone: one int, or one
        positive int per hidden layer (per residual block for the TCN; an
        int gives the TCN as many blocks as its receptive field needs).
        "auto" acts as the int ``min(max(128, n_series), 512)``: 128 units
        up to 128 series, then one unit per series up to 512. One shared
        layer carries every series' couplings; on 200 to 1000 series a
        wider one ranks better, on 100 it does not (``docs/granger.md``,
        section 2.14).
    self_term : bool, default=True
        Add to each series' forecast a linear term in its latest value (one
        weight per series, zero at the start), beside the network.
        The hidden units then model the couplings between series rather
        than each series' persistence, which on long chaotic series takes
        most of them: on Lorenz-96 with 100 series and F = 20 the AUROC
        rises from 0.972 to 0.999 (``docs/granger.md``, section 2.10).
        False gives the paper's plain network. Self-dependence still
        counts in ``causal_matrix_``'s diagonal.
    lam : float, default=0.1
        Weight ``lambda`` of the gradient sparsity penalty. The training loss
        is ``mean_j [MSE_j + lam * ||GC_avg(j, :)||_1]`` on standardized
        series, i.e. the paper's Eq. 14 divided by the number of series, so
        one ``lam`` suits any number of series. Choose it with
        ``GridSearchCV`` on :meth:`score` (no ground truth needed).
    max_epochs : int, default=500
        Maximum number of passes over the training windows.
    lr : float, default=3e-3
        Adam learning rate.
    batch_size : int or None, default=64
        Windows per gradient step; None uses all windows at once.
    target : int, str or None, default=None
        Series whose causes define ``support_``: a column index, or a column
        name when ``X`` is a DataFrame. None selects every series that
        Granger-causes at least one other series.
    threshold : "auto" or float, default="auto"
        Rule for ``adjacency_``: a link where ``gc_avg_`` (the penalised
        network's own strengths) is strictly above the threshold. "auto"
        needs no ground truth: Otsu's two-class split of the base-10
        logarithms of the off-diagonal strengths (strengths of absent links
        are pushed towards zero and sit orders of magnitude lower;
        self-dependence is left out of the split because persistence usually
        dwarfs every cross effect). A float is used as is.
    patience : int or None, default=100
        Early stopping: stop once the held-out forecast loss has not
        improved (by ``tol``) for this many epochs, and restore the weights
        of the last improvement. None trains for ``max_epochs``.
    tol : float, default=0.003
        Relative decrease of the held-out forecast loss that counts as an
        improvement for early stopping. The weights kept are those of the
        last epoch that lowered the loss by more than this share, not of a
        later one that lowers it by less: on Lorenz-96 with 1000 series the
        loss kept falling by 0.6 % over 270 more epochs while the ranking
        of the links degraded (``docs/granger.md``, section 2.13). 0 keeps
        the epoch of the lowest loss.
    validation_fraction : float, default=0.2
        Fraction of the windows at the end of each trajectory held out for
        early stopping and for choosing the lag. 0 disables the hold-out
        (then ``lag`` must be an int).
    grid_size : int, default=5
        KAN only: number of B-spline grid intervals.
    spline_order : int, default=3
        KAN only: order of the B-splines.
    kernel_size : int, default=2
        TCN only: width of the causal convolutions.
    penalty_rows : "auto", int or None, default="auto"
        Number of output series, drawn at random at every step, whose
        gradients enter the penalty. The penalty is then an unbiased estimate
        of the full one at ``penalty_rows / n_series`` of the cost of the
        Jacobian (with 100 series a training step takes a fifth of the time);
        None, or a value of at least the number of series, evaluates every
        row (exact). "auto" draws 32 rows for the MLP and the KAN, 16 for
        the LSTM and 8 for the TCN, whose Jacobian rows cost several times
        the MLP's: the same accuracy on the development suite and DREAM4
        (the LSTM 0.002 lower) in 60-85 % of the time
        (``docs/granger.md``, section 2.15). ``penalty_rows_`` records the
        value used.
    penalty_windows : int or None, default=16
        Number of windows of each batch, drawn at random at every step,
        whose Jacobians enter the penalty; the forecast loss still uses the
        whole batch. Another unbiased estimate, at ``penalty_windows /
        batch_size`` of the cost: with the default 64-window batches a step
        of 100 series takes a third of the time, at the same accuracy on
        every family of the development suite. With 1000 series it needs
        ``tol`` (without it training runs on while the ranking degrades;
        ``docs/granger.md``, section 2.13). None, or a value of at least
        ``batch_size``, uses every window.
    long_training : "auto" or bool, default="auto"
        A second network, 1024 units wide, trained at ``lag_`` for
        ``min(150, max_epochs)`` epochs without early stopping, whose
        ``causal_matrix_`` averages the second half of its path. On long
        chaotic series with many couplings (Lorenz-96, 100 series, F = 40)
        the ranking keeps improving long after the held-out optimum where
        early stopping ends, if the network is wide enough (AUROC 0.87 ->
        0.997); on gene-expression, fMRI-like and VAR data it degrades
        instead (``docs/granger.md``, sections 2.16-2.17). "auto" (MLP
        only, up to 128 series, with held-out windows) trains it and keeps
        it when its ranking forecasts better: for every series, a small MLP
        on its own latest value and the 3 causes a ranking puts first is
        trained on the training windows, and the long network is kept when
        the held-out errors of its ranking's MLPs are lower by more than 6
        % and by more than two standard errors of the paired differences
        (``ranking_errors_``). No ground truth is involved. True always
        keeps the long network, False never trains it (one network per
        candidate lag, as before; a fit up to about half as long).
    average_lags : bool, default=True
        With ``lag="auto"``, ``causal_matrix_`` is the mean of the rankings
        of every candidate lag whose held-out errors are not clearly worse
        than the best lag's (the test that chooses ``lag_``), not the
        ranking of ``lag_``'s network alone. Every candidate is trained
        anyway, so the average costs nothing; it lowers the variance of the
        ranking on short, noisy series (``docs/granger.md``, section 2.18).
        A lag that clearly forecasts worse (one too short to see a driver)
        is left out. ``lag_``, ``gc_avg_``, ``adjacency_`` and
        ``lag_adjacency_`` are those of ``lag_``'s network either way.
    instantaneous : "auto" or bool, default="auto"
        Add to each series' output a linear map of the other series'
        present values, ``sum_{i != j} coupling[i, j] x_{t, i}`` (zero at
        the start), beside the network of the past. Its gradients, the
        weights ``|coupling[i, j]|``, are the strengths at lag 0: they enter
        the penalty as every lag's do, ``gc_avg_`` (summed over lags 0 to
        ``lag_``) and ``adjacency_``, and ``causal_matrix_``, in which the
        present and the past weigh the same (the lag-0 strengths averaged
        with the mean of the lagged ones: ``docs/granger.md``, section
        2.21), and are kept in ``instantaneous_matrix_`` and
        ``gc_instantaneous_``. A coupling at lag 0 cannot be oriented by
        time: each pair's two directions are both strong, as in a partial
        correlation. Where a slow filter hides when a series acts (fMRI
        through the haemodynamic response: NetSim, whose nodes interact
        within one sampling interval), a Granger model of the past sees a
        lag-1 correlation that the effect's own past explains away; the
        present values show the coupling (``docs/granger.md``, section
        2.19). On gene-expression, VAR and Lorenz-96 data the coupling is
        in the past and the map's lag-0 strengths rank worse (AUROC up to
        0.05 lower when forced: genes regulated together move together at
        ``t``). "auto" decides from
        held-out data, without ground truth: after the networks of the past
        are trained, it adds the map (and trains them again with it) when
        the other series' present values explain a larger share of the
        held-out variance than the other series' past does beyond each
        series' own past, by more than 0.025 (``explained_shares_``). True
        always adds it, False never. With the map, :meth:`forecast` and
        :meth:`score` need the present values of the other series: each
        series is predicted from the past and the others at ``t``, not
        forecast.
    device : str, default="auto"
        Torch device: "auto" (a CUDA GPU when torch sees one, else the CPU),
        or any torch device string ("cpu", "cuda", "cuda:1", "mps", ...); a
        device that torch does not see is a ``ValueError`` at ``fit``. A
        model fitted on a GPU and loaded where there is none runs on the
        CPU (``device_`` says so).
    random_state : int, RandomState instance or None, default=None
        Seed of the weights and of the batch order. The same int gives the
        same result; no global random state is touched.
    verbose : int, default=0
        0 is silent; 1 draws a progress bar (on stderr) per candidate lag,
        with the latest losses; 2 writes a table row per epoch (on stdout)
        instead. Each lag's report says what its losses contain and at which
        epoch, and why, training stopped.

    Attributes
    ----------
    causal_matrix_ : ndarray of shape (n_series, n_series)
        ``causal_matrix_[i, j]``: strength of "series i Granger-causes series
        j" (row = cause), summed over lags (with ``instantaneous_``, the
        present and the past weigh the same, see below); rank links by it.
        It is the paper's ``GC_avg`` (the mean over windows of
        ``|d x_hat_{t,j} / d x_{t-l,i}|`` on standardized series), divided
        per effect ``j`` by the Euclidean norm of its cross strengths
        (``i != j``) and averaged over the training path (of the
        long-trained network of
        ``long_training``, its second half), then over the networks of
        ``averaged_lags_``: each column's cross strengths
        have norm 1 at every recorded epoch, so the columns of well and
        poorly predicted series compare. A series with no cause gets unit-norm (noise)
        strengths in its column; ``adjacency_`` does not use them. With
        ``ridge_averaged_``, the mean of that ranking and the screening
        ridge VAR's (see ``model``).
    instantaneous_matrix_ : ndarray of shape (n_series, n_series) or None
        With ``instantaneous_``, the strengths at lag 0 (of ``x_{t, i}`` in
        the output for ``x_{t, j}``), normalised with the lagged ones and
        averaged as they are; the diagonal is zero. ``causal_matrix_`` is
        then ``(instantaneous_matrix_ + causal_lags_.mean(axis=0)) / 2``
        off the diagonal, so that the single lag-0 position weighs as much
        as all the lags of the past, whose summed noise would otherwise
        outweigh it, and ``causal_lags_.sum(axis=0)`` on it, as without
        the coupling (a self-loop has no present). None without.
    causal_lags_ : ndarray of shape (n_lags, n_series, n_series)
        The same per lag: ``causal_lags_[l - 1, i, j]`` for ``x_{t-l, i}``,
        up to the longest lag in ``averaged_lags_`` (a shorter lag's
        network counts zero at the lags it does not see).
    gc_avg_ : ndarray of shape (n_series, n_series)
        The paper's ``GC_avg`` of the fitted network (the weights early
        stopping keeps), summed over lags, not normalised (row = cause).
    gc_instantaneous_ : ndarray of shape (n_series, n_series) or None
        With ``instantaneous_``, ``gc_avg_`` at lag 0: ``|coupling|`` of the
        fitted network, zero diagonal; None without.
    gc_lags_ : ndarray of shape (n_lags, n_series, n_series)
        ``gc_avg_`` per lag: ``gc_lags_[l - 1, i, j]`` is the strength of
        ``x_{t-l, i}`` in the forecast of ``x_{t, j}``;
        ``gc_avg_ == gc_lags_.sum(axis=0)`` (plus ``gc_instantaneous_``
        with ``instantaneous_``).
    adjacency_ : ndarray of bool of shape (n_series, n_series)
        ``gc_avg_ > threshold_`` (row = cause).
    threshold_ : float
        The numeric threshold used for ``adjacency_``.
    lag_adjacency_ : ndarray of bool of shape (n_lags, n_series, n_series)
        When each link of ``adjacency_`` acts: ``lag_adjacency_[l - 1, i,
        j]`` says that ``x_{t-l, i}`` drives ``x_{t, j}``. A link acts at its
        strongest lag in ``gc_lags_`` and at every other lag whose strength
        is above ``lag_threshold_``, so ``lag_adjacency_.any(axis=0)`` equals
        ``adjacency_``. Lags beyond ``lag_`` are not seen.
    instantaneous_adjacency_ : ndarray of bool of shape (n_series, n_series) or None
        With ``instantaneous_``, the links of ``adjacency_`` that act at lag
        0 (by the rule of ``lag_adjacency_``, lag 0 counted as a lag):
        ``lag_adjacency_.any(axis=0) | instantaneous_adjacency_`` equals
        ``adjacency_``. None without.
    lag_threshold_ : float
        Otsu's two-class split of the base-10 logarithms of the per-lag
        strengths of the off-diagonal links in ``adjacency_`` (the rule of
        ``threshold="auto"`` applied to ``gc_lags_``); no ground truth is
        used. Infinite when ``adjacency_`` has no off-diagonal link.
    instantaneous_ : bool
        Whether the networks read the present values (``instantaneous``,
        "auto" resolved).
    explained_shares_ : tuple of two float or None
        With ``instantaneous="auto"``: the held-out shares of the series'
        variance (means over series) that the other series' past explains
        beyond each series' own past (the better of a ridge VAR(1) and the
        network of ``lag_`` without the map, against a ridge AR(1)), and
        that the other series' present values explain further (ridge
        regressions of each series' VAR(1) residual on the others'). The
        map is added when the second exceeds the first by more than 0.025.
        None when the test did not run (another ``instantaneous``, fewer
        than two non-constant series, no held-out windows).
    lag_ : int
        The lag used (``lag``, or the one ``lag="auto"`` chose).
    model_ : str
        The backbone of the kept network (``model``; with "auto", "mlp" or
        "linear").
    linear_penalties_ : ndarray of float or None
        With ``model="auto"``: the penalties (``lam``, ``lam / 3``, ``lam /
        10``) of the linear forecasters trained at ``lag_``; None when none
        was trained (another ``model``, no held-out windows, or a ridge VAR
        that did not forecast clearly better than the MLP).
    linear_losses_ : ndarray of float or None
        Their held-out mean squared forecast errors (the same held-out
        values as ``candidate_losses_``).
    linear_lam_ : float or None
        The penalty of the linear forecaster compared with the MLP.
    ridge_averaged_ : bool
        Whether ``causal_matrix_`` averages the kept forecaster's ranking
        with the ranking of the ridge VAR that ``model="auto"`` fits at
        ``lag_`` (its held-out errors not clearly worse than the MLP's;
        without the map of the present and the long network).
    hidden_units_ : int or tuple of int
        The width(s) of the hidden layer(s) used (``hidden_units``
        resolved; "auto" depends on the number of series).
    penalty_rows_ : int or None
        The penalty's Jacobian rows drawn per step (``penalty_rows``
        resolved; "auto" depends on ``model``; None: every row).
    n_iter_ : int
        Epochs run by the kept network (early stopping may have restored the
        weights of an earlier one).
    long_training_ : bool
        Whether the kept network is the long-trained one of
        ``long_training``.
    ranking_errors_ : list of two ndarray or None
        With ``long_training="auto"``, the restricted forecasts' squared
        error of every held-out window (averaged over series) for the
        early-stopped network's ranking, then the long network's; None
        when the test did not run.
    candidate_lags_ : ndarray of int
        The lags trained.
    candidate_losses_ : ndarray of float
        Their held-out mean squared forecast errors (standardized series,
        the same held-out values for every lag); NaN without a hold-out.
    averaged_lags_ : ndarray of int
        The candidate lags whose rankings ``causal_matrix_`` averages
        (``average_lags``); ``[lag_]`` alone without the average, with an
        int ``lag``, or when the long-trained network is kept.
    support_ : ndarray of bool of shape (n_series,)
        Series kept by :meth:`transform`: the causes of ``target``, or
        without a target the series causing any other series. When that set
        is empty, the strongest candidate is kept and a warning is issued.
    target_index_ : int or None
        Column index of ``target``.
    scaler_ : StandardScaler
        Standardization of the series learned in ``fit``.
    net_ : GradientPenaltyNet
        The kept skorch net (of ``lag_``; the long-trained one when
        ``long_training_``); ``net_.history`` holds its training log.
    device_ : str
        The device the fitted model runs on.
    n_features_in_ : int
        Number of series seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_series,)
        Series names, when ``X`` was a DataFrame with string column names.

    See Also
    --------
    MarkovBlanketGCFS : Causal feature selection for a target variable.

    Notes
    -----
    The development suite, the diagnosis behind these choices and the
    measured benchmarks are in ``docs/granger.md``.

    The penalty needs the Jacobian of every window's forecast with respect
    to its window at every training step. Every backbone computes it in
    closed form, batched over windows and output rows, with plain tensor
    operations that autograd differentiates again: the MLP and the KAN
    chain their layers' local derivatives, the LSTM back-propagates through
    time, the TCN through its transposed causal convolutions. Each window's
    forecast depends on that window only, so no cross-window terms arise.

    References
    ----------
    M. Liu, D. Wen, X. Yang, Y. Xu, Z. Li, Z. Si, X. Yang, Z. Zhao,
    "Gradient Regularization-based Neural Granger Causality".

    Examples
    --------
    >>> from sklearn_causal import GrangerGRNGC
    >>> from sklearn_causal.datasets import make_lorenz96
    >>> X, graph = make_lorenz96(n_series=6, n_timepoints=300, random_state=0)
    >>> gc = GrangerGRNGC(max_epochs=20, random_state=0).fit(X)
    >>> gc.causal_matrix_.shape
    (6, 6)
    >>> gc.forecast(X).shape == (300 - gc.lag_, 6)
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **CausalSelectorBase._parameter_constraints,
        "model": [StrOptions({"auto", *BACKBONES})],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "lag": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "max_lag": [Interval(Integral, 1, None, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
        "tol": [Interval(Real, 0, 1, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "hidden_units": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
            "array-like",
        ],
        "self_term": ["boolean"],
        "lam": [Interval(Real, 0, None, closed="left")],
        "target": [Integral, str, None],
        "threshold": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "grid_size": [Interval(Integral, 1, None, closed="left")],
        "spline_order": [Interval(Integral, 0, None, closed="left")],
        "kernel_size": [Interval(Integral, 2, None, closed="left")],
        "penalty_rows": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
            None,
        ],
        "penalty_windows": [Interval(Integral, 1, None, closed="left"), None],
        "long_training": [StrOptions({"auto"}), "boolean"],
        "average_lags": ["boolean"],
        "instantaneous": [StrOptions({"auto"}), "boolean"],
    }

    def __init__(
        self,
        model: str = "auto",
        lag: int | str = "auto",
        max_lag: int = 3,
        hidden_units: int | tuple[int, ...] | str = "auto",
        self_term: bool = True,
        lam: float = 0.1,
        max_epochs: int = 500,
        lr: float = 3e-3,
        batch_size: int | None = 64,
        target: int | str | None = None,
        threshold: str | float = "auto",
        patience: int | None = 100,
        tol: float = 0.003,
        validation_fraction: float = 0.2,
        grid_size: int = 5,
        spline_order: int = 3,
        kernel_size: int = 2,
        penalty_rows: int | str | None = "auto",
        penalty_windows: int | None = 16,
        long_training: bool | str = "auto",
        average_lags: bool = True,
        instantaneous: bool | str = "auto",
        device: str = "auto",
        random_state=None,
        verbose: int = 0,
    ) -> None:
        self.model = model
        self.lag = lag
        self.max_lag = max_lag
        self.hidden_units = hidden_units
        self.self_term = self_term
        self.lam = lam
        self.max_epochs = max_epochs
        self.lr = lr
        self.batch_size = batch_size
        self.target = target
        self.threshold = threshold
        self.patience = patience
        self.tol = tol
        self.validation_fraction = validation_fraction
        self.grid_size = grid_size
        self.spline_order = spline_order
        self.kernel_size = kernel_size
        self.penalty_rows = penalty_rows
        self.penalty_windows = penalty_windows
        self.long_training = long_training
        self.average_lags = average_lags
        self.instantaneous = instantaneous
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, groups=None):
        """Train the forecasting network and read the causal graph.

        Parameters
        ----------
        X : array-like of shape (n_timepoints, n_series)
            Multivariate time series, rows in time order within each
            trajectory. A constant series carries no information: its row
            and column of the causal matrices are zero, it is never
            selected, and one warning names it.
        y : None
            Ignored; present for API consistency.
        groups : array-like of shape (n_timepoints,), default=None
            Trajectory label of each row (for several independent
            experiments stacked in ``X``); lag windows never cross from one
            trajectory to another. None means one trajectory.

        Returns
        -------
        self : GrangerGRNGC
            The fitted estimator.
        """
        X = self._validate_X(X, reset=True)
        self.target_index_ = self._resolve_target()
        groups = self._check_groups(groups, X)
        self.hidden_units_ = self._hidden_units(X.shape[1])
        self.model_ = "mlp" if self.model == "auto" else self.model
        self.penalty_rows_ = (
            _AUTO_PENALTY_ROWS[self.model_]
            if self.penalty_rows == "auto"
            else self.penalty_rows
        )
        self._start_fit()

        self.scaler_ = StandardScaler().set_output(transform="default").fit(X)
        Z = self.scaler_.transform(X)
        lags = self._candidate_lags(groups, X.shape[0])
        valid_rows = self._validation_rows(groups, X.shape[0], max(lags))
        self.instantaneous_ = self.instantaneous is True
        fits = [self._fit_lag(Z, groups, lag, valid_rows) for lag in lags]
        chosen = self._choose_lag(fits)
        self.linear_penalties_ = self.linear_losses_ = self.linear_lam_ = None
        ridge = self._ridge_screen(Z, groups, valid_rows, fits[chosen])
        if self._instantaneous_shows(Z, groups, valid_rows, fits[chosen][3]):
            self.instantaneous_ = True
            fits = [self._fit_lag(Z, groups, lag, valid_rows) for lag in lags]
            chosen = self._choose_lag(fits)
        self.lag_, self.net_, outcome, _ = fits[chosen]
        self.candidate_lags_ = np.array(lags)
        self.candidate_losses_ = np.array(
            [errors.mean() if errors.size else np.nan for *_, errors in fits]
        )
        averaged = [chosen]
        if self.average_lags and len(fits) > 1:
            lengths = [rows.size for rows in trajectory_rows(groups, X.shape[0])]
            errors = self._window_errors(fits)
            averaged = _averaged_lags(errors, lags, self.lag_, lengths)
        self.averaged_lags_ = self.candidate_lags_[averaged]
        ranking = self._lag_average(
            [self._path_ranking(fits[i][1], fits[i][2]) for i in averaged]
        )
        linear = None
        if ridge is not None and ridge["better"]:
            linear = self._linear_fit(Z, groups, valid_rows, fits[chosen][3])
        if linear is not None:
            self.model_, self.net_, outcome = "linear", linear[1], linear[2]
            ranking = self._path_ranking(self.net_, outcome)
            self.averaged_lags_ = np.array([self.lag_])
        self._warn_about_training(outcome)
        windows = self._windows(Z, self.lag_, groups)

        self.long_training_, self.ranking_errors_ = False, None
        if self._trains_long(valid_rows):
            _, long_net, long_outcome, _ = self._fit_lag(
                Z, groups, self.lag_, valid_rows, long=True
            )
            # Its early epochs are not the regime it is trained for: its
            # ranking averages the second half of its path (section 2.17).
            long_lags = self._path_ranking(
                long_net, long_outcome, after=long_outcome.best_epoch // 2
            )
            keep_long = True
            if self.long_training == "auto":
                self.ranking_errors_ = self._ranking_errors(
                    windows, valid_rows, [ranking, long_lags]
                )
                best = _first_sufficient(self.ranking_errors_, _RANKING_MARGIN)
                keep_long = best == 1
            if keep_long:
                self.long_training_ = True
                self.net_, ranking = long_net, long_lags
                self.averaged_lags_ = np.array([self.lag_])
        # A ridge VAR that forecasts as well: its ranking is averaged in
        # (sections 2.23-2.24); it reads the past alone, so not beside the
        # map of the present, and not beside the long network's ranking.
        self.ridge_averaged_ = (
            ridge is not None and not self.instantaneous_ and not self.long_training_
        )
        if self.ridge_averaged_:
            ranking = self._lag_average([ranking, self._ridge_ranking(ridge)])
        self.n_iter_ = len(self.net_.history)
        self.instantaneous_matrix_, self.causal_lags_ = self._split_present(ranking)
        self.causal_matrix_ = present_and_past(
            self.instantaneous_matrix_, self.causal_lags_
        )

        related = self._related()
        strengths = granger_strengths(self.net_.module_, self._tensor(windows.inputs))
        gc_positions = self._by_lag(strengths) * related
        self.gc_instantaneous_, self.gc_lags_ = self._split_present(gc_positions)
        self.gc_avg_ = gc_positions.sum(axis=0)
        pairs = related & ~np.eye(X.shape[1], dtype=bool)
        self.threshold_ = resolve_threshold(
            self.threshold,
            self.gc_avg_[pairs] if pairs.any() else self.gc_avg_[related],
        )
        self.adjacency_ = self.gc_avg_ > self.threshold_
        links, self.lag_threshold_ = lag_links(gc_positions, self.adjacency_)
        self.instantaneous_adjacency_, self.lag_adjacency_ = self._split_present(links)
        self.support_ = self._select_support()
        return self

    def _related(self) -> np.ndarray:
        """Pairs of series that may be linked: a constant series causes
        nothing and is caused by nothing."""
        return np.outer(~self._constant, ~self._constant)

    def _instantaneous_shows(self, Z, groups, valid_rows, errors) -> bool:
        """Whether ``instantaneous="auto"`` adds the coupling: the other
        series' present values explain more held-out variance than their
        past (:func:`explained_shares`, the past's share the better of a
        linear VAR's and the network's, whose held-out squared ``errors``
        these are) by more than ``_INSTANTANEOUS_MARGIN``. Needs two
        non-constant series and held-out windows."""
        self.explained_shares_ = None
        varying = ~self._constant
        if self.instantaneous != "auto" or varying.sum() < 2 or valid_rows.size < 2:
            return False
        self.explained_shares_ = explained_shares(
            Z[:, varying], groups, valid_rows, errors[:, varying]
        )
        lagged, instantaneous = self.explained_shares_
        return instantaneous > lagged + _INSTANTANEOUS_MARGIN

    def _windows(self, Z, lag: int, groups) -> LagWindows:
        """The networks' ``lag``-step windows; with ``instantaneous_`` each
        window ends with its target row (the present, which the coupling
        reads)."""
        windows = make_lag_windows(Z, lag, groups)
        if not self.instantaneous_:
            return windows
        inputs = np.concatenate([windows.inputs, windows.targets[:, None]], axis=1)
        return replace(windows, inputs=inputs)

    def _split_present(self, by_lag: np.ndarray):
        """(lag-0 slice or None, lags 1..) of an array by lag that starts
        with the present when ``instantaneous_``."""
        if not self.instantaneous_:
            return None, by_lag
        return by_lag[0], by_lag[1:]

    @staticmethod
    def _lag_average(rankings) -> np.ndarray:
        """The mean of rankings by lag (``causal_lags_``) of networks of
        different lags; a network counts zero at the lags beyond its own."""
        average = np.zeros((max(len(r) for r in rankings), *rankings[0].shape[1:]))
        for ranking in rankings:
            average[: len(ranking)] += ranking / len(rankings)
        return average

    def _path_ranking(self, net, outcome, after: int = 0) -> np.ndarray:
        """A net's strengths averaged over its path from epoch ``after + 1``
        up to the kept epoch, by lag (``causal_lags_``)."""
        strengths = net.path_strengths(outcome.best_epoch, after=after)
        return self._by_lag(strengths) * self._related()

    def _trains_long(self, valid_rows: np.ndarray) -> bool:
        """Whether ``long_training`` asks for the second network here."""
        if self.long_training == "auto":
            # Measured for the MLP only; the test needs held-out windows and
            # reads forecasts from the past alone.
            return (
                self.model_ == "mlp"
                and self.n_features_in_ <= _LONG_MAX_SERIES
                and valid_rows.size >= 2
                and not self.instantaneous_
            )
        return self.long_training

    def _ranking_errors(self, windows, valid_rows, rankings) -> list[np.ndarray]:
        """Held-out errors of every held-out window (of ``lag_``'s
        ``windows``) when each series is forecast from its own latest value
        and the 3 causes a ranking (by lag) puts first
        (:func:`restricted_forecast_errors`, the same windows and seed for
        every ranking, trained together)."""
        latest = self._tensor(windows.inputs[:, -1])
        targets = self._tensor(windows.targets)
        valid = np.isin(windows.rows, valid_rows)
        summed = np.stack([lags.sum(axis=0) for lags in rankings])
        return list(
            restricted_forecast_errors(
                summed, latest, targets, valid, seed=self._module_seed
            )
        )

    def _warn_about_training(self, outcome) -> None:
        if outcome.stop == "diverged" or outcome.best_epoch == 0:
            what = (
                f"diverged (a NaN or infinite loss at epoch {len(self.net_.history)})"
                if outcome.stop == "diverged"
                else "never improved the held-out loss of the initial weights "
                f"(by more than tol={self.tol:g})"
            )
            warn(
                f"Training {what}; the weights of epoch {outcome.best_epoch} "
                f"are kept (0: the initial weights). Lower lr (now {self.lr:g}).",
                ConvergenceWarning,
            )
        elif (
            outcome.stop == "max_epochs"
            and self.patience is not None
            and self.net_.train_split is not None
        ):
            warn(
                f"max_epochs={self.max_epochs} ran out while the held-out loss "
                f"was still improving (patience={self.patience}): the "
                "forecaster may be undertrained. Increase max_epochs.",
                ConvergenceWarning,
            )

    @staticmethod
    def _by_lag(scores: torch.Tensor) -> np.ndarray:
        """(effect, window position, cause) -> (lag, cause, effect), lag 1 first."""
        return np.ascontiguousarray(
            scores.cpu().numpy().transpose(1, 2, 0)[::-1], dtype=np.float64
        )

    def _candidate_lags(self, groups, n_rows: int) -> list[int]:
        """The lags to try: ``lag``, or with "auto" 1..max_lag that fit."""
        if self.lag != "auto":
            return [self.lag]
        if self.validation_fraction == 0:
            raise ValueError(
                "lag='auto' compares the lags on held-out windows; set "
                "validation_fraction > 0 or give lag as an int."
            )
        shortest = min(rows.size for rows in trajectory_rows(groups, n_rows))
        return list(range(1, max(1, min(self.max_lag, shortest - 2)) + 1))

    def _validation_rows(self, groups, n_rows: int, lag: int) -> np.ndarray:
        """Rows whose forecasts are held out: the tail of every trajectory.

        The same rows for every candidate lag (counted on the windows of the
        largest one), so that their held-out errors compare forecasts of the
        same values.
        """
        windows = make_lag_windows(np.zeros((n_rows, 1)), lag, groups)
        valid = windows.tail_mask(self.validation_fraction)
        if valid.all():
            valid[:] = False
        return windows.rows[valid]

    def _ridge_screen(self, Z, groups, valid_rows, fit) -> dict | None:
        """The ridge VAR (:func:`ridge_var`) of the MLP ``fit``'s lag (the
        kept lag's, from the past alone), which costs one eigendecomposition,
        when ``model="auto"`` and its held-out errors are not clearly worse
        than the MLP's (``_LAG_ERROR_MARGIN`` and two standard errors), else
        None; its key "better" says whether they are clearly better, the
        only case where the linear forecasters are trained: elsewhere they
        would cost up to a third of the fit (Lorenz-96, where the MLP
        forecasts 2.5 times better; DREAM4, where the ridge VAR forecasts
        10-15 % worse)."""
        if self.model != "auto" or valid_rows.size < 2:
            return None
        lag, _, _, errors = fit
        ridge = ridge_var(Z, groups, valid_rows, lag)
        if ridge is None:
            return None
        mlp_or_ridge = [errors.mean(axis=1), ridge_errors(ridge).mean(axis=1)]
        sufficient = _sufficient(mlp_or_ridge, _LAG_ERROR_MARGIN)
        if 1 not in sufficient:
            return None
        return {**ridge, "better": 0 not in sufficient}

    def _ridge_ranking(self, ridge: dict) -> np.ndarray:
        """A :func:`ridge_var` fit's absolute coefficients, normalised per
        effect as a network's strengths are, by lag (``causal_lags_``): the
        input-output gradients of a linear forecaster are its coefficients."""
        n_series = self.n_features_in_
        coefficients = np.abs(ridge["coefficients"]).reshape(-1, n_series, n_series)
        # (window position, cause, effect) -> (effect, window position, cause)
        scores = self._tensor(coefficients.transpose(2, 0, 1).copy())
        return self._by_lag(per_effect_normalised(scores)) * self._related()

    def _linear_fit(self, Z, groups, valid_rows, errors):
        """The linear forecasters of ``model="auto"`` at ``lag_``; the fit
        (as :meth:`_fit_lag`) of the one kept when it replaces the MLP,
        whose held-out squared ``errors`` these are, else None.

        Sets ``linear_penalties_``, ``linear_losses_`` and ``linear_lam_``.
        """
        penalties = sorted(
            {self.lam / divisor for divisor in _LINEAR_PENALTY_DIVISORS}, reverse=True
        )
        fits = [
            self._fit_lag(Z, groups, self.lag_, valid_rows, model="linear", lam=lam)
            for lam in penalties
        ]
        self.linear_penalties_ = np.array(penalties)
        self.linear_losses_ = np.array([fit[3].mean() for fit in fits])
        kept = _first_sufficient(self._window_errors(fits), _LAG_ERROR_MARGIN)
        self.linear_lam_ = penalties[kept]
        mlp_or_linear = [errors.mean(axis=1), fits[kept][3].mean(axis=1)]
        if _first_sufficient(mlp_or_linear, _LAG_ERROR_MARGIN) == 1:
            return fits[kept]
        return None

    def _fit_lag(
        self,
        Z,
        groups,
        lag: int,
        valid_rows: np.ndarray,
        long=False,
        model: str | None = None,
        lam: float | None = None,
    ):
        """Train one forecaster on ``lag``-step windows.

        ``long`` trains the second network of ``long_training``:
        ``_LONG_UNITS`` wide, for ``min(_LONG_EPOCHS, max_epochs)`` epochs,
        without early stopping. ``model`` and ``lam`` are the backbone and
        penalty (``model_`` and ``lam`` when None).

        Returns the lag, the fitted net, how its training ended
        (:class:`~sklearn_causal.training.TrainingOutcome`), and the
        squared error of every held-out window and series, with the weights
        kept.
        """
        windows = self._windows(Z, lag, groups)
        valid = np.isin(windows.rows, valid_rows)
        train = np.flatnonzero(~valid)
        # The strengths along the path are read on at most 256 training
        # windows spread evenly over the data; beyond 100 series on fewer
        # (not under 32), so that a record's Jacobians stay the size of 256
        # windows of 100 series: the rows grow with the series, the windows
        # would multiply them.
        n_path = min(train.size, 256, max(32, 25600 // Z.shape[1]))
        path = train[np.linspace(0, train.size - 1, n_path).astype(int)]
        max_epochs = min(_LONG_EPOCHS, self.max_epochs) if long else self.max_epochs
        model = self.model_ if model is None else model
        lam = self.lam if lam is None else lam
        what = " (long training)" if long else ""
        if model != self.model_:
            what = f" ({model}, lam={lam:g})"
        net, outcome = self._fit_net(
            GradientPenaltyNet,
            BACKBONES[model],
            X_train=windows.inputs[train],
            y_train=windows.targets[train],
            X_valid=windows.inputs[valid],
            y_valid=windows.targets[valid],
            lam=lam,
            penalty_rows=self.penalty_rows_,
            penalty_windows=self.penalty_windows,
            random_state=np.random.RandomState(self._noise_seed),
            path_inputs=self._tensor(windows.inputs[path]),
            # The long network's ranking averages the second half of its
            # path alone: no record is taken in the first.
            path_after=max_epochs // 2 if long else 0,
            patience=None if long else self.patience,
            threshold=self.tol,
            max_epochs=max_epochs,
            progress=Progress(
                self.verbose,
                f"{type(self).__name__} lag {lag}{what}",
                max_epochs,
                "train_loss = forecast MSE + lam * gradient penalty (Eq. 14, "
                "per series); valid_loss = forecast MSE on the held-out "
                "windows, which early stopping watches"
                + (" (here: not; every epoch runs)" if long else ""),
            ),
            **self._module_params(
                model, Z.shape[1], lag, _LONG_UNITS if long else self.hidden_units_
            ),
        )
        errors = np.empty((0, Z.shape[1]))
        if valid.any():
            net.module_.eval()
            with torch.no_grad():
                forecasts = net.module_(self._tensor(windows.inputs[valid]))
            errors = (forecasts.cpu().numpy() - windows.targets[valid]) ** 2
        return lag, net, outcome, errors

    @staticmethod
    def _choose_lag(fits) -> int:
        """Index of the fit whose lag ``lag="auto"`` keeps
        (:func:`_first_sufficient` with ``_LAG_ERROR_MARGIN``)."""
        if len(fits) == 1:
            return 0
        return _first_sufficient(GrangerGRNGC._window_errors(fits), _LAG_ERROR_MARGIN)

    @staticmethod
    def _window_errors(fits) -> list[np.ndarray]:
        """Each fit's held-out squared error of every window (mean over
        series)."""
        return [errors.mean(axis=1) for *_, errors in fits]

    def _module_params(self, model: str, n_series: int, lag: int, hidden_units) -> dict:
        params = {
            "module__n_series": n_series,
            "module__lag": lag,
            "module__hidden_units": hidden_units,
            "module__random_state": self._module_seed,
            "module__zero_output": True,
            # The linear layer holds each series' own coefficients already.
            "module__self_term": self.self_term and model != "linear",
            "module__instantaneous": self.instantaneous_,
        }
        if model == "kan":
            params["module__grid_size"] = self.grid_size
            params["module__spline_order"] = self.spline_order
        elif model == "tcn":
            params["module__kernel_size"] = self.kernel_size
        return params

    def _hidden_units(self, n_series: int) -> int | tuple[int, ...]:
        """``hidden_units`` as a Python int or a non-empty tuple of them
        ("auto" resolved for ``n_series`` series)."""
        if isinstance(self.hidden_units, str):
            return min(max(_AUTO_MIN_UNITS, n_series), _AUTO_MAX_UNITS)
        if isinstance(self.hidden_units, Integral) and not isinstance(
            self.hidden_units, bool
        ):
            return int(self.hidden_units)
        widths = np.asarray(self.hidden_units, dtype=object).ravel()
        if (
            np.ndim(self.hidden_units) != 1
            or widths.size == 0
            or not all(
                isinstance(w, Integral) and not isinstance(w, bool) and w >= 1
                for w in widths
            )
        ):
            raise ValueError(
                "hidden_units must be a positive int or a non-empty sequence "
                f"of positive ints (one per hidden layer); got {self.hidden_units!r}."
            )
        return tuple(int(w) for w in widths)

    def _resolve_target(self) -> int | None:
        if self.target is None:
            return None
        if isinstance(self.target, str):
            names = getattr(self, "feature_names_in_", None)
            if names is None or self.target not in names:
                known = (
                    "X has no column names"
                    if names is None
                    else (f"known columns: {list(names)[:10]}")
                )
                raise ValueError(f"Unknown target {self.target!r}: {known}.")
            # Duplicate column names were rejected by validate_data.
            index = int(np.flatnonzero(names == self.target)[0])
        elif not -self.n_features_in_ <= self.target < self.n_features_in_:
            raise ValueError(
                f"target={self.target} is out of range for X with "
                f"{self.n_features_in_} series; use an index in "
                f"[{-self.n_features_in_}, {self.n_features_in_ - 1}] or a column name."
            )
        else:
            index = int(self.target) % self.n_features_in_
        if self._constant[index]:
            raise ValueError(
                f"The target series {self._describe([index])} is constant: "
                "nothing can cause it."
            )
        return index

    @staticmethod
    def _check_groups(groups, X: np.ndarray) -> np.ndarray | None:
        if groups is None:
            return None
        groups = column_or_1d(groups, warn=True)
        if groups.shape[0] != X.shape[0]:
            raise ValueError(
                f"groups has {groups.shape[0]} labels but X has {X.shape[0]} rows."
            )
        missing = [
            g is None or (isinstance(g, Real) and not np.isfinite(g)) for g in groups
        ]
        if any(missing):
            raise ValueError(
                f"groups has {sum(missing)} missing or infinite label(s) (the "
                f"first at row {missing.index(True)}): give every row a "
                "trajectory label."
            )
        try:
            np.unique(groups)
        except TypeError as error:
            raise TypeError(
                "groups mixes labels of types that cannot be compared; use "
                "labels of one type (ints or strings)."
            ) from error
        return groups

    def _select_support(self) -> np.ndarray:
        if self.target_index_ is None:
            strength = self.gc_avg_.copy()
            np.fill_diagonal(strength, 0.0)
            links = self.adjacency_ & ~np.eye(self.n_features_in_, dtype=bool)
            support, strength = links.any(axis=1), strength.max(axis=1)
        else:
            support = self.adjacency_[:, self.target_index_].copy()
            strength = self.gc_avg_[:, self.target_index_]
        return self._keep_at_least_one(support, strength)

    def forecast(self, X, groups=None) -> np.ndarray:
        """One-step-ahead forecasts for every lag window of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_timepoints, n_series)
            Series in the columns seen in ``fit``.
        groups : array-like of shape (n_timepoints,), default=None
            Trajectory labels, as in :meth:`fit`.

        Returns
        -------
        forecasts : ndarray of shape (n_windows, n_series)
            Forecast of each row that has ``lag`` predecessors in its
            trajectory, in the original units, trajectory by trajectory (in
            order of first appearance) and in time order within each: for
            one trajectory, ``forecasts[t - lag]`` forecasts ``X[t]``.
            With ``instantaneous_`` each row is predicted from the past and
            the other series' values in that row (not a forecast).
        """
        forecasts, _ = self._forecast_windows(X, groups)
        forecasts = self.scaler_.inverse_transform(forecasts)
        # A series constant in fit is forecast as that constant.
        forecasts[:, self._constant] = self.scaler_.mean_[self._constant]
        return forecasts

    def score(self, X, y=None, groups=None) -> float:
        """Negative mean squared one-step forecast error on ``X``.

        The error is measured on series standardized with the scaling
        learned in ``fit`` and averaged over windows and series, so every
        series weighs the same. Higher is better, as ``GridSearchCV``
        expects: with ``TimeSeriesSplit`` it selects ``lam`` (or any other
        parameter) from held-out forecasts, without the true graph. With
        ``instantaneous_`` the predictions read the other series' present
        values too (:meth:`forecast`).

        Parameters
        ----------
        X : array-like of shape (n_timepoints, n_series)
            Series in the columns seen in ``fit``.
        y : None
            Ignored; present for API consistency.
        groups : array-like of shape (n_timepoints,), default=None
            Trajectory labels, as in :meth:`fit`.

        Returns
        -------
        score : float
        """
        forecasts, targets = self._forecast_windows(X, groups)
        return -float(np.mean((forecasts - targets) ** 2))

    def _forecast_windows(self, X, groups) -> tuple[np.ndarray, np.ndarray]:
        """Standardized forecasts and targets of every window of ``X``."""
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        groups = self._check_groups(groups, X)
        windows = self._windows(self.scaler_.transform(X), self.lag_, groups)
        self.net_.module_.eval()
        with torch.no_grad():
            forecasts = self.net_.module_(self._tensor(windows.inputs))
        return forecasts.cpu().numpy().astype(X.dtype), windows.targets
