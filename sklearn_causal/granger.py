"""GrangerGRNGC: Gradient-Regularization Neural Granger Causality."""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import torch
from sklearn.base import _fit_context
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._base import CausalSelectorBase
from ._thresholding import resolve_threshold
from ._windows import make_lag_windows
from .nn.backbones import BACKBONES
from .penalties import granger_causality_scores
from .training import GradientPenaltyNet

__all__ = ["GrangerGRNGC"]


class GrangerGRNGC(CausalSelectorBase):
    """Granger causality from the gradients of one forecasting network (GRNGC).

    One network (KAN, MLP, LSTM or TCN) forecasts every series from the
    previous ``lag`` values of all series. During training an L1 penalty on
    the time-averaged absolute input-output gradients pushes the network to
    use few inputs; after training, those averaged gradients are the Granger
    causality strengths (Liu et al., "Gradient Regularization-based Neural
    Granger Causality").

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
    model : {"mlp", "kan", "lstm", "tcn"}, default="mlp"
        Forecasting backbone. The MLP (SiLU activations) is the default: in
        our benchmarks it is the most accurate on short, noisy series (DREAM4
        gene expression, NetSim fMRI) and close to the KAN on chaotic
        dynamics (Lorenz-96), and its Jacobian is the cheapest to compute.
        The KAN, the paper's main model, is the most accurate on long,
        strongly nonlinear series (Lorenz-96 with large forcing) but overfits
        short ones. LSTM and TCN differentiate through ``torch.func`` (``vmap`` of
        ``jacrev``) and are several times slower.
    lag : int, default=1
        Window length ``k``: the forecast of ``x_t`` uses ``x_{t-k}, ...,
        x_{t-1}``. ``lag=1`` is the setting of the paper's code.
    hidden_units : int or tuple of int, default=128
        Width of the hidden layer(s) of the backbone.
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
        Rule for ``adjacency_``: a link where ``causal_matrix_`` is strictly
        above the threshold. "auto" needs no ground truth: Otsu's two-class
        split of the base-10 logarithms of the off-diagonal strengths
        (strengths of absent links are pushed towards zero and sit orders of
        magnitude lower; self-dependence is left out of the split because
        persistence usually dwarfs every cross effect). A float is used as
        is.
    patience : int or None, default=100
        Early stopping: stop once the held-out forecast loss has not
        improved for this many epochs, and restore the best weights. None
        trains for ``max_epochs``.
    validation_fraction : float, default=0.2
        Fraction of the windows at the end of each trajectory held out for
        early stopping. 0 disables the hold-out.
    grid_size : int, default=5
        KAN only: number of B-spline grid intervals.
    spline_order : int, default=3
        KAN only: order of the B-splines.
    kernel_size : int, default=2
        TCN only: width of the causal convolutions.
    penalty_rows : int or None, default=None
        Number of output series, drawn at random at every step, whose
        gradients enter the penalty. The penalty is then an unbiased estimate
        of the full one at ``penalty_rows / n_series`` of the cost of the
        Jacobian; None evaluates every row (exact).
    device : {"auto", "cpu", "cuda"}, default="auto"
        Torch device; "auto" uses a GPU when torch sees one.
    random_state : int, RandomState instance or None, default=None
        Seed of the weights and of the batch order. The same int gives the
        same result; no global random state is touched.
    verbose : int, default=0
        0 is silent; 1 prints skorch's per-epoch log.

    Attributes
    ----------
    causal_matrix_ : ndarray of shape (n_features_in_, n_features_in_)
        ``causal_matrix_[i, j]``: strength of "series i Granger-causes series
        j" (row = cause), summed over lags. The strengths are the paper's
        ``GC_avg``, the mean over all windows of ``|d x_hat_{t,j} / d
        x_{t-l,i}|`` on standardized series.
    causal_lags_ : ndarray of shape (lag, n_features_in_, n_features_in_)
        The same per lag: ``causal_lags_[l - 1, i, j]`` for ``x_{t-l, i}``.
    adjacency_ : ndarray of bool of shape (n_features_in_, n_features_in_)
        ``causal_matrix_ > threshold_`` (row = cause).
    threshold_ : float
        The numeric threshold used for ``adjacency_``.
    support_ : ndarray of bool of shape (n_features_in_,)
        Series kept by :meth:`transform`: the causes of ``target``, or
        without a target the series causing any other series. When that set
        is empty, the strongest candidate is kept and a warning is issued.
    target_index_ : int or None
        Column index of ``target``.
    scaler_ : StandardScaler
        Standardization of the series learned in ``fit``.
    net_ : GradientPenaltyNet
        The fitted skorch net; ``net_.history`` holds the training log.
    device_ : str
        The device used.
    n_features_in_ : int
        Number of series seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Series names, when ``X`` was a DataFrame with string column names.

    See Also
    --------
    MarkovBlanketGCFS : Causal feature selection for a target variable.

    Notes
    -----
    The penalty needs the Jacobian of every window's forecast with respect
    to its window at every training step. For the MLP and the KAN it is
    computed in closed form, batched over windows, from the layers' local
    derivatives; LSTM and TCN use one reverse pass per series. Each window's
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
    >>> gc.forecast(X).shape
    (299, 6)
    """

    _parameter_constraints: ClassVar[dict] = {
        **CausalSelectorBase._parameter_constraints,
        "model": [StrOptions(set(BACKBONES))],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "lag": [Interval(Integral, 1, None, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "hidden_units": [Interval(Integral, 1, None, closed="left"), tuple],
        "lam": [Interval(Real, 0, None, closed="left")],
        "target": [Integral, str, None],
        "threshold": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "grid_size": [Interval(Integral, 1, None, closed="left")],
        "spline_order": [Interval(Integral, 0, None, closed="left")],
        "kernel_size": [Interval(Integral, 2, None, closed="left")],
        "penalty_rows": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        model: str = "mlp",
        lag: int = 1,
        hidden_units: int | tuple[int, ...] = 128,
        lam: float = 0.1,
        max_epochs: int = 500,
        lr: float = 3e-3,
        batch_size: int | None = 64,
        target: int | str | None = None,
        threshold: str | float = "auto",
        patience: int | None = 100,
        validation_fraction: float = 0.2,
        grid_size: int = 5,
        spline_order: int = 3,
        kernel_size: int = 2,
        penalty_rows: int | None = None,
        device: str = "auto",
        random_state=None,
        verbose: int = 0,
    ) -> None:
        self.model = model
        self.lag = lag
        self.hidden_units = hidden_units
        self.lam = lam
        self.max_epochs = max_epochs
        self.lr = lr
        self.batch_size = batch_size
        self.target = target
        self.threshold = threshold
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.grid_size = grid_size
        self.spline_order = spline_order
        self.kernel_size = kernel_size
        self.penalty_rows = penalty_rows
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
            trajectory. Every column must vary.
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
        self._start_fit()

        self.scaler_ = StandardScaler().set_output(transform="default").fit(X)
        windows = make_lag_windows(self.scaler_.transform(X), self.lag, groups)
        valid = windows.tail_mask(self.validation_fraction)
        if valid.all():
            valid[:] = False
        self.net_ = self._fit_net(
            GradientPenaltyNet,
            BACKBONES[self.model],
            X_train=windows.inputs[~valid],
            y_train=windows.targets[~valid],
            X_valid=windows.inputs[valid],
            y_valid=windows.targets[valid],
            lam=self.lam,
            penalty_rows=self.penalty_rows,
            random_state=np.random.RandomState(self._noise_seed),
            **self._module_params(X.shape[1]),
        )

        scores = self._granger_scores(windows.inputs)
        self.causal_lags_ = np.ascontiguousarray(
            scores.transpose(1, 2, 0)[::-1], dtype=np.float64
        )
        self.causal_matrix_ = self.causal_lags_.sum(axis=0)
        off_diagonal = ~np.eye(X.shape[1], dtype=bool)
        self.threshold_ = resolve_threshold(
            self.threshold,
            self.causal_matrix_[off_diagonal]
            if X.shape[1] > 1
            else self.causal_matrix_,
        )
        self.adjacency_ = self.causal_matrix_ > self.threshold_
        self.support_ = self._select_support()
        return self

    def _module_params(self, n_series: int) -> dict:
        params = {
            "module__n_series": n_series,
            "module__lag": self.lag,
            "module__hidden_units": self.hidden_units,
            "module__random_state": self._module_seed,
        }
        if self.model == "kan":
            params["module__grid_size"] = self.grid_size
            params["module__spline_order"] = self.spline_order
        elif self.model == "tcn":
            params["module__kernel_size"] = self.kernel_size
        return params

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
            return int(np.flatnonzero(names == self.target)[0])
        if not -self.n_features_in_ <= self.target < self.n_features_in_:
            raise ValueError(
                f"target={self.target} is out of range for X with "
                f"{self.n_features_in_} series."
            )
        return int(self.target) % self.n_features_in_

    @staticmethod
    def _check_groups(groups, X: np.ndarray) -> np.ndarray | None:
        if groups is None:
            return None
        groups = column_or_1d(groups, warn=True)
        if groups.shape[0] != X.shape[0]:
            raise ValueError(
                f"groups has {groups.shape[0]} labels but X has {X.shape[0]} rows."
            )
        return groups

    @torch.no_grad()
    def _granger_scores(self, inputs: np.ndarray, chunk: int = 1024) -> np.ndarray:
        """``GC_avg`` (effect, window position, cause) over all windows."""
        module = self.net_.module_
        module.eval()
        total = None
        for start in range(0, len(inputs), chunk):
            block = self._tensor(inputs[start : start + chunk])
            _, jacobian = module.forward_with_jacobian(block)
            partial = granger_causality_scores(jacobian) * len(block)
            total = partial if total is None else total + partial
        return (total / len(inputs)).cpu().numpy()

    def _select_support(self) -> np.ndarray:
        if self.target_index_ is None:
            strength = self.causal_matrix_.copy()
            np.fill_diagonal(strength, 0.0)
            links = self.adjacency_ & ~np.eye(self.n_features_in_, dtype=bool)
            support, strength = links.any(axis=1), strength.max(axis=1)
        else:
            support = self.adjacency_[:, self.target_index_].copy()
            strength = self.causal_matrix_[:, self.target_index_]
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
        """
        forecasts, _ = self._forecast_windows(X, groups)
        return self.scaler_.inverse_transform(forecasts)

    def score(self, X, y=None, groups=None) -> float:
        """Negative mean squared one-step forecast error on ``X``.

        The error is measured on series standardized with the scaling
        learned in ``fit`` and averaged over windows and series, so every
        series weighs the same. Higher is better, as ``GridSearchCV``
        expects: with ``TimeSeriesSplit`` it selects ``lam`` (or any other
        parameter) from held-out forecasts, without the true graph.

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
        windows = make_lag_windows(self.scaler_.transform(X), self.lag, groups)
        self.net_.module_.eval()
        with torch.no_grad():
            forecasts = self.net_.module_(self._tensor(windows.inputs))
        return forecasts.cpu().numpy().astype(X.dtype), windows.targets
