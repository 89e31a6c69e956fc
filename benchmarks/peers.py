"""Uniform wrappers around the peer methods used by the benchmarks.

Every function takes plain numpy arrays, fits one peer method with one fixed
configuration and returns ``(result, seconds)`` where ``seconds`` is the wall
time (``time.perf_counter``) of the fit itself, data conversion included and
input validation excluded.

Granger-causality scorers return a ``(p, p)`` float matrix oriented
**row = cause, column = effect**: ``scores[i, j]`` is the strength of
"series ``i`` Granger-causes series ``j``". Markov-blanket selectors return the
sorted integer column indices of the selected variables.

The peers are optional. Each is imported lazily and a missing one raises an
:class:`ImportError` that says how to install it (see ``benchmarks/README.md``):

.. code-block:: bash

    pip install torch==2.13.0          # CPU wheel first, so pip never pulls CUDA
    pip install -e ".[bench]"          # tigramite, causal-learn
    pip install --no-deps neuralgc==0.0.2
"""

import inspect
import time

import numpy as np

__all__ = [
    "cmlp_scores",
    "iamb_markov_blanket",
    "l1_selector_markov_blanket",
    "lagged_correlation_scores",
    "pcmci_parcorr_lag_links",
    "pcmci_parcorr_scores",
    "ridge_var_scores",
]

_INSTALL_HINT = (
    "Install the benchmark peers with\n"
    '    pip install -e ".[bench]"\n'
    "    pip install --no-deps neuralgc==0.0.2\n"
    "(install the torch CPU wheel first, e.g. `pip install torch==2.13.0`, so "
    "that pip never pulls a CUDA build; see benchmarks/README.md)."
)


def _missing(package, exc):
    """Build an informative ImportError for a missing peer package."""
    return ImportError(
        f"The benchmark peer {package!r} is not installed ({exc}). {_INSTALL_HINT}"
    )


def _check_2d(X):
    """Return ``X`` as a finite 2-D float64 array."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got {X.shape}.")
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinite values.")
    return X


def _split_trajectories(X, groups):
    """Split the rows of ``X`` into trajectories.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Stacked observations.
    groups : array-like of shape (n_samples,) or None
        Trajectory label of each row. Rows sharing a label form one
        trajectory, kept in their order of appearance (assumed to be time
        order). Trajectories are ordered by first appearance of their label.

    Returns
    -------
    trajectories : list of ndarray
        One ``(T_k, n_features)`` array per trajectory.
    """
    if groups is None:
        return [X]
    groups = np.asarray(groups)
    if groups.shape != (X.shape[0],):
        raise ValueError(f"groups must have shape ({X.shape[0]},), got {groups.shape}.")
    _, first, inverse = np.unique(groups, return_index=True, return_inverse=True)
    order = np.argsort(first)
    return [X[inverse == k] for k in order]


def _lagged_pairs(X, groups, lag):
    """Standardised lag windows that never span two trajectories.

    Returns ``past`` of shape ``(n_windows, lag, p)`` (``past[:, l - 1]`` is
    ``x_{t-l}``) and ``present`` of shape ``(n_windows, p)``.
    """
    X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    past, present = [], []
    for trajectory in _split_trajectories(X, groups):
        n = len(trajectory)
        if n <= lag:
            raise ValueError(
                f"Every trajectory needs more than lag={lag} rows; one has {n}."
            )
        present.append(trajectory[lag:])
        past.append(
            np.stack([trajectory[lag - k : n - k] for k in range(1, lag + 1)], axis=1)
        )
    return np.concatenate(past), np.concatenate(present)


def lagged_correlation_scores(X, groups=None):
    """The simplest baseline: ``|corr(x_{t-1, i}, x_{t, j})|``.

    Each series is standardised over all rows, the pairs ``(x_{t-1}, x_t)``
    are taken inside every trajectory (none spans two), and the Pearson
    correlation of every lagged cause with every present effect is computed
    over those pairs.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_series)
        Multivariate time series, rows in time order within each trajectory.
    groups : array-like of shape (n_samples,), default=None
        Trajectory label of each row; None means one trajectory.

    Returns
    -------
    scores : ndarray of shape (n_series, n_series)
        ``scores[i, j] = |corr(x_{t-1, i}, x_{t, j})|`` (row = cause). A
        series that is constant over the pairs scores 0.
    seconds : float
        Wall time.
    """
    X = _check_2d(X)
    start = time.perf_counter()
    past, present = _lagged_pairs(X, groups, 1)
    past = past[:, 0]
    past = past - past.mean(axis=0)
    present = present - present.mean(axis=0)
    norms = np.outer(np.linalg.norm(past, axis=0), np.linalg.norm(present, axis=0))
    scores = np.abs(past.T @ present) / np.where(norms > 0, norms, np.inf)
    return scores, time.perf_counter() - start


def ridge_var_scores(X, groups=None, *, lag=2, alphas=None, by_lag=False):
    """A linear baseline: a ridge vector autoregression.

    Every standardised series is regressed on the ``lag`` previous values of
    all series (windows inside trajectories only) by ``RidgeCV``, whose
    penalty is chosen per effect series by efficient leave-one-out
    cross-validation over ``alphas``. One configuration for all data.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_series)
        Multivariate time series, rows in time order within each trajectory.
    groups : array-like of shape (n_samples,), default=None
        Trajectory label of each row; None means one trajectory.
    lag : int, default=2
        Number of lags in the regression.
    alphas : array-like, default=None
        Candidate ridge penalties; None uses ``np.logspace(-2, 4, 13)``.
    by_lag : bool, default=False
        Return the scores per lag instead of their sum.

    Returns
    -------
    scores : ndarray of shape (n_series, n_series)
        ``scores[i, j] = sum_l |coef of x_{t-l, i} in the model of x_{t, j}|``
        (row = cause; the inputs are standardised, so the coefficients are
        comparable). With ``by_lag=True``, shape ``(lag, n_series,
        n_series)`` and ``scores[l - 1, i, j]`` the coefficient of lag ``l``.
    seconds : float
        Wall time.
    """
    from sklearn.linear_model import RidgeCV

    X = _check_2d(X)
    lag = int(lag)
    if lag < 1:
        raise ValueError(f"lag must be >= 1, got {lag}.")
    start = time.perf_counter()
    past, present = _lagged_pairs(X, groups, lag)
    n_windows, _, p = past.shape
    if alphas is None:
        alphas = np.logspace(-2, 4, 13)
    model = RidgeCV(alphas=alphas, alpha_per_target=True)
    model.fit(past.reshape(n_windows, lag * p), present)
    coef = np.abs(model.coef_).reshape(p, lag, p)  # effect, lag, cause
    scores = coef.transpose(1, 2, 0) if by_lag else coef.sum(axis=1).T
    return scores, time.perf_counter() - start


def _run_pcmci(X, groups, tau_max, pc_alpha, max_conds_dim, verbosity):
    """tigramite's ``run_pcmci`` results (lags ``1..tau_max``) and its seconds."""
    X = _check_2d(X)
    tau_max = int(tau_max)
    if tau_max < 1:
        raise ValueError(f"tau_max must be >= 1, got {tau_max}.")
    trajectories = _split_trajectories(X, groups)
    shortest = min(len(t) for t in trajectories)
    if shortest <= tau_max:
        raise ValueError(
            f"Every trajectory needs more than tau_max={tau_max} rows; the "
            f"shortest has {shortest}."
        )
    try:
        from tigramite import data_processing
        from tigramite.independence_tests.parcorr import ParCorr
        from tigramite.pcmci import PCMCI
    except ImportError as exc:
        raise _missing("tigramite", exc) from exc

    start = time.perf_counter()
    if groups is None:
        dataframe = data_processing.DataFrame(X)
    else:
        dataframe = data_processing.DataFrame(
            dict(enumerate(trajectories)), analysis_mode="multiple"
        )
    pcmci = PCMCI(
        dataframe=dataframe,
        cond_ind_test=ParCorr(significance="analytic"),
        verbosity=verbosity,
    )
    results = pcmci.run_pcmci(
        tau_min=1,
        tau_max=tau_max,
        pc_alpha=pc_alpha,
        max_conds_dim=max_conds_dim,
    )
    return results, time.perf_counter() - start


def pcmci_parcorr_scores(
    X,
    groups=None,
    *,
    tau_max=1,
    pc_alpha=0.2,
    max_conds_dim=None,
    verbosity=0,
):
    """Score lagged links with PCMCI and the ParCorr test (tigramite).

    Runs ``PCMCI(...).run_pcmci(tau_min=1, tau_max=tau_max, pc_alpha=pc_alpha)``
    with ``ParCorr(significance="analytic")``: the PC1 condition-selection
    step followed by the momentary-conditional-independence (MCI) tests. Only
    lagged links (lags ``1..tau_max``) are tested, as in Granger causality.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_series)
        Multivariate time series, rows in time order (within each trajectory).
    groups : array-like of shape (n_samples,), default=None
        Trajectory label of each row. With labels, every trajectory becomes
        its own data set of tigramite's ``analysis_mode="multiple"``, so no lag
        window spans two trajectories (trajectories may differ in length).
        ``None`` means one single trajectory. tigramite drops the first
        ``2 * tau_max`` points of every trajectory as samples (its default
        ``cut_off="2xtau_max"``): DREAM4 with ``tau_max=1`` gives 10 x 19
        samples.
    tau_max : int, default=1
        Largest lag tested.
    pc_alpha : float, default=0.2
        Significance level of the PC1 condition-selection step (the default
        of ``run_pcmci``; it acts as a regularisation parameter, not as a
        test level).
    max_conds_dim : int, default=None
        Largest conditioning set in the PC1 step (``None``: unrestricted).
    verbosity : int, default=0
        tigramite verbosity.

    Returns
    -------
    scores : ndarray of shape (n_series, n_series)
        ``scores[i, j] = max_{tau=1..tau_max} |val_matrix[i, j, tau]|``, the
        largest absolute MCI partial correlation of the link
        ``X^i_{t-tau} -> X^j_t``. tigramite's ``val_matrix[i, j, tau]`` is
        already oriented row = cause, so no transpose is needed. The absolute
        value is taken because the sign only tells the direction of the
        effect, and the maximum over lags because series ``i`` Granger-causes
        ``j`` as soon as one lag does. The diagonal holds the
        auto-dependence (``X^i_{t-tau} -> X^i_t``). Entries whose test could
        not be computed (NaN) are set to 0.
    seconds : float
        Wall time of building the tigramite data frame and running PCMCI.
    """
    results, seconds = _run_pcmci(
        X, groups, tau_max, pc_alpha, max_conds_dim, verbosity
    )
    val = np.abs(np.asarray(results["val_matrix"], dtype=np.float64)[:, :, 1:])
    scores = np.nan_to_num(val, nan=0.0).max(axis=2)
    return scores, seconds


def pcmci_parcorr_lag_links(
    X, groups=None, *, tau_max=1, alpha=0.05, pc_alpha=0.2, verbosity=0
):
    """PCMCI's per-lag graph: the lagged links significant at ``alpha``.

    Runs the same PCMCI + ParCorr as :func:`pcmci_parcorr_scores` and keeps
    the links ``X^i_{t-tau} -> X^j_t`` whose MCI p-value is at most
    ``alpha`` (tigramite's own rule for its ``graph`` at ``alpha_level``).

    Returns
    -------
    links : ndarray of bool of shape (tau_max, n_series, n_series)
        ``links[tau - 1, i, j]``: ``X^i_{t-tau} -> X^j_t`` (row = cause).
    seconds : float
        Wall time of PCMCI.
    """
    results, seconds = _run_pcmci(X, groups, tau_max, pc_alpha, None, verbosity)
    p_values = np.asarray(results["p_matrix"], dtype=np.float64)[:, :, 1:]
    return np.nan_to_num(p_values, nan=1.0).transpose(2, 0, 1) <= alpha, seconds


def cmlp_scores(
    X,
    groups=None,
    *,
    lag=5,
    hidden=100,
    lam=0.002,
    lam_ridge=1e-2,
    lr=5e-2,
    penalty="H",
    max_iter=2000,
    check_every=100,
    lookback=5,
    standardize=True,
    random_state=0,
    device="cpu",
    verbose=0,
):
    """Score Granger causality with Neural-GC's cMLP trained by ISTA.

    Builds ``neuralgc.models.cmlp.cMLP(p, lag=lag, hidden=[hidden])`` and
    trains it with the package's own ``train_model_ista`` (proximal gradient
    descent with the chosen group penalty and early stopping on the
    penalised training loss). The defaults are those of the Neural-GC
    authors' cMLP demo (``cmlp_lagged_var_demo.ipynb``): ``lag=5``,
    ``hidden=[100]``, ``lam=0.002``, ``lam_ridge=1e-2``, ``lr=5e-2``,
    ``penalty="H"`` (hierarchical), ``check_every=100`` and ``lookback=5``
    (the function default), except ``max_iter``: the demo allows 50000 ISTA
    iterations, but one iteration costs about 0.2 s on DREAM4 (p=100,
    10 x 21 points) and 0.5 s on Lorenz-96 (p=100, T=1000) on one CPU core,
    i.e. hours per fit, so the default here is 2000 (minutes per fit). One
    configuration, no tuning.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_series)
        Multivariate time series, rows in time order (within each trajectory).
    groups : array-like of shape (n_samples,), default=None
        Trajectory label of each row. The cMLP takes a batch of shape
        ``(n_trajectories, T, p)``, so all trajectories must have the same
        length ``T``; windows never cross trajectories. ``None`` means one
        trajectory (batch of size 1).
    lag : int, default=5
        Number of past time points each per-series MLP sees.
    hidden : int, default=100
        Width of the single hidden layer.
    lam : float, default=0.002
        Strength of the sparsity-inducing group penalty.
    lam_ridge : float, default=1e-2
        Ridge penalty on the layers after the first.
    lr : float, default=5e-2
        ISTA step size.
    penalty : {"H", "GL", "GSGL"}, default="H"
        Hierarchical, group lasso or group sparse group lasso penalty.
    max_iter : int, default=2000
        Maximum number of ISTA iterations (at least ``check_every``); the
        authors' demo uses 50000.
    check_every : int, default=100
        Iterations between loss checks (early stopping granularity).
    lookback : int, default=5
        Stop when the loss has not improved for ``lookback * check_every``
        iterations; the best checked model is restored.
    standardize : bool, default=True
        Centre and scale each series to unit variance (over all rows) before
        training. Not part of the demo; it keeps the demo's step size stable
        on data of any scale (raw Lorenz-96 has variance ~13) and is a
        neutral preprocessing shared with the other estimators.
    random_state : int, default=0
        Seed of the weight initialisation. Training is deterministic
        full-batch ISTA. The package draws the initial weights from torch's
        global CPU generator, so the fit seeds it inside
        ``torch.random.fork_rng`` and the caller's global torch RNG state is
        restored afterwards (CUDA generators are never touched).
    device : str, default="cpu"
        torch device.
    verbose : int, default=0
        Verbosity passed to ``train_model_ista``.

    Returns
    -------
    scores : ndarray of shape (n_series, n_series)
        Continuous Granger-causality strengths ``cmlp.GC(threshold=False)``
        (norm of the first-layer weight group of each input series, all lags
        jointly), **transposed**: Neural-GC's ``GC[i, j]`` means "j causes i"
        (row = effect), so ``scores = GC.T`` is row = cause. The proximal
        steps can set entries exactly to 0 (ties); after 2000 iterations on
        DREAM4 or Lorenz-96 none is.
    seconds : float
        Wall time of building and training the model.
    """
    X = _check_2d(X)
    if max_iter < check_every:
        # train_model_ista only keeps a model at a check; with fewer
        # iterations it would try to restore a model it never stored.
        raise ValueError(
            f"max_iter ({max_iter}) must be >= check_every ({check_every})."
        )
    trajectories = _split_trajectories(X, groups)
    lengths = {len(t) for t in trajectories}
    if len(lengths) != 1:
        raise ValueError(
            f"cMLP needs trajectories of equal length; got lengths {sorted(lengths)}."
        )
    if lengths.pop() <= lag:
        raise ValueError(f"Trajectories must be longer than lag={lag}.")
    try:
        import torch
        from neuralgc.models.cmlp import cMLP, train_model_ista
    except ImportError as exc:
        raise _missing("neuralgc", exc) from exc

    start = time.perf_counter()
    batch = np.stack(trajectories)
    if standardize:
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        std[std == 0] = 1.0
        batch = (batch - mean) / std
    # The weights are initialised on the CPU from torch's global generator;
    # only that generator is seeded, inside a fork that restores it.
    with torch.random.fork_rng(devices=[]):
        torch.random.default_generator.manual_seed(random_state)
        data = torch.tensor(batch, dtype=torch.float32, device=device)
        model = cMLP(X.shape[1], lag=lag, hidden=[hidden]).to(device)
        train_model_ista(
            model,
            data,
            lam=lam,
            lam_ridge=lam_ridge,
            lr=lr,
            penalty=penalty,
            max_iter=max_iter,
            check_every=check_every,
            lookback=lookback,
            verbose=verbose,
        )
        with torch.no_grad():
            gc = model.GC(threshold=False).cpu().numpy()
    seconds = time.perf_counter() - start
    return gc.T.astype(np.float64), seconds


def iamb_markov_blanket(X, target_index, *, alpha=0.01):
    """Markov blanket of one column with causal-learn's IAMB and Fisher-z.

    Calls ``causallearn.utils.MarkovNetwork.iamb.iamb`` with a
    ``causallearn.utils.cit.CIT(X, "fisherz")`` test: a forward phase that
    greedily adds the variable most dependent on the target given the
    current blanket (smallest p-value below ``alpha``) and a backward phase
    that removes variables independent of the target given the rest.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data, the target included as one column.
    target_index : int
        Column index of the target.
    alpha : float, default=0.01
        Significance level of the Fisher-z tests.

    Returns
    -------
    selected : ndarray of int
        Sorted column indices of the estimated Markov blanket (never
        containing ``target_index``).
    seconds : float
        Wall time of building the test (correlation matrix) and running IAMB.
    """
    X = _check_2d(X)
    d = X.shape[1]
    target_index = int(target_index)
    if not 0 <= target_index < d:
        raise ValueError(f"target_index must be in [0, {d}), got {target_index}.")
    try:
        from causallearn.utils.cit import CIT
        from causallearn.utils.MarkovNetwork.iamb import iamb
    except ImportError as exc:
        raise _missing("causal-learn", exc) from exc

    start = time.perf_counter()
    test = CIT(X, "fisherz")
    blanket, _ = iamb(test, d, target_index, alpha)
    seconds = time.perf_counter() - start
    return np.array(sorted(int(i) for i in blanket), dtype=np.intp), seconds


def _l1_logistic_cv(random_state):
    """LogisticRegressionCV with a pure L1 penalty, across sklearn versions."""
    from sklearn.linear_model import LogisticRegressionCV

    params = inspect.signature(LogisticRegressionCV).parameters
    kwargs = {
        "Cs": 10,
        "cv": 5,
        "solver": "saga",
        "scoring": "neg_log_loss",
        "max_iter": 5000,
        "random_state": random_state,
    }
    if params["penalty"].default == "deprecated":
        # scikit-learn >= 1.8: the penalty is given by l1_ratios.
        kwargs["l1_ratios"] = (1.0,)
    else:
        kwargs["penalty"] = "l1"
    if "use_legacy_attributes" in params:
        kwargs["use_legacy_attributes"] = False
    return LogisticRegressionCV(**kwargs)


def l1_selector_markov_blanket(
    X, y, *, classification=False, standardize=True, random_state=0
):
    """Select features with ``SelectFromModel`` around an L1 model.

    A plain scikit-learn baseline: ``LassoCV(cv=5)`` for a continuous target,
    ``LogisticRegressionCV`` with a pure L1 penalty (``saga`` solver, 5-fold
    stratified CV on the log-loss) for a class target, both choosing their
    regularisation by cross-validation. ``SelectFromModel`` keeps the
    features whose coefficient magnitude exceeds its L1 default threshold
    ``1e-5`` (the sum over classes of ``|coef|`` in the multiclass case).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Candidate features (the target not included).
    y : array-like of shape (n_samples,)
        Target.
    classification : bool, default=False
        Use the logistic model instead of the lasso.
    standardize : bool, default=True
        Centre and scale the features to unit variance first, so that the
        single L1 penalty treats every feature alike (raw scales differ by
        orders of magnitude on e.g. the Sachs data).
    random_state : int, default=0
        Seed of the ``saga`` solver (classification only; ``LassoCV`` uses
        unshuffled folds and is deterministic).

    Returns
    -------
    selected : ndarray of int
        Sorted column indices of the selected features
        (``SelectFromModel.get_support(indices=True)``).
    seconds : float
        Wall time of the (scaling and) fit.
    """
    from sklearn.feature_selection import SelectFromModel
    from sklearn.linear_model import LassoCV
    from sklearn.preprocessing import StandardScaler

    X = _check_2d(X)
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}.")

    start = time.perf_counter()
    if standardize:
        X = StandardScaler().fit_transform(X)
    model = _l1_logistic_cv(random_state) if classification else LassoCV(cv=5)
    selector = SelectFromModel(model).fit(X, y)
    seconds = time.perf_counter() - start
    return np.sort(selector.get_support(indices=True)).astype(np.intp), seconds
