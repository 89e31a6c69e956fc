"""MarkovBlanketGCFS: Gradient-based Causal Feature Selection."""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import torch
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import LabelEncoder, StandardScaler
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from ._base import CausalSelectorBase
from .nn.graph_autoencoder import GatedGraphAutoencoder, GraphAutoencoder
from .penalties import local_reconstruction_loss
from .training import AugmentedLagrangianNet, GatedSearchNet

__all__ = ["MarkovBlanketGCFS"]


class MarkovBlanketGCFS(CausalSelectorBase):
    """Causal feature selection: the Markov blanket of a target (GCFS).

    The Markov blanket of a target ``T`` (its parents, its children and its
    children's other parents, the spouses) is the smallest set of variables
    that makes ``T`` independent of all others: the causally grounded
    feature set for predicting ``T``. GCFS (Ling et al., IJCAI 2025) finds it
    with gradients instead of conditional independence tests:

    1. **Search phase.** Every feature passes a Gumbel-softmax gate (Eq.
       12-16) into a graph autoencoder that reconstructs the target; the
       ``n_candidates`` features with the largest keep probabilities are the
       candidates.
    2. **Retraining phase.** A graph autoencoder over the candidates and the
       target (Eq. 4: per-variable MLP encoders, message passing through
       ``A^T``, per-variable MLP decoders) reconstructs the variables of the
       target's local region ``X_pl(T)``, grown ``neighbourhood`` steps from
       ``T`` through the current graph, with ``lam * ||M o A||_1`` and the
       NOTEARS constraint ``h(M o A) = tr(exp(M o A o M o A)) - d = 0``
       enforced by an augmented Lagrangian (Eq. 6-11).
    3. **Reading the blanket.** Parents and children are the links into and
       out of ``T``: the edges whose cut costs their head's reconstruction
       more than ``threshold`` (a BIC test by default). The retraining is
       then run again with the children as targets, and the children's other
       parents are the spouses (Algorithm 1, lines 11-15).

    Parameters
    ----------
    target : str, default="y"
        Name of the target. With ``fit(X, y)`` it only labels the target in
        the outputs; with ``fit(X)`` it names the column of the DataFrame
        ``X`` that is the target (never selected).
    lam : float, default=0.05
        Weight ``lambda`` of the L1 penalty on the masked adjacency matrix.
        Choose it with ``GridSearchCV`` on :meth:`score`, or on the score of
        a downstream model in a Pipeline (``mb__lam``).
    n_candidates : int or "auto", default="auto"
        ``K``, the number of features kept by the search phase. "auto" keeps
        ``max(10, ceil(3 * sqrt(n_features)))`` of them (every feature when
        there are fewer), enough to hold a typical Markov blanket while the
        retraining stays small.
    neighbourhood : int, default=1
        ``Q``, the expansion steps of the local region around the target.
        With 1 the region holds the target and its current neighbours,
        whose own parents (the target's spouses among them) are then
        reconstructed too; larger values grow the region further.
    hidden_units : int, default=8
        Hidden width of every per-variable encoder and decoder MLP.
    latent_dim : int, default=4
        Dimension of a variable's latent vector in the autoencoder.
    temperature : float, default=0.5
        Gumbel-softmax temperature ``tau`` of the search phase (Eq. 15).
    mu_init : float, default=0.0
        Initial Lagrange multiplier ``mu``.
    rho_init : float, default=1.0
        Initial penalty parameter ``rho``.
    rho_growth : float, default=10.0
        ``beta > 1``: factor by which ``rho`` grows when ``h`` did not fall
        enough (Eq. 11).
    h_decrease : float, default=0.25
        ``gamma < 1``: ``rho`` grows unless ``|h|`` fell below ``gamma``
        times its previous value (Eq. 11).
    h_tol : float, default=1e-5
        ``theta_1``: the augmented Lagrangian stops once ``h <= h_tol``.
    rho_max : float, default=1e16
        ``theta_2``: it also stops once ``rho >= rho_max``.
    max_iter : int, default=100
        Maximum number of augmented Lagrangian iterations (a safeguard; the
        two stopping rules above usually end it within 10-20). A
        ``ConvergenceWarning`` says when a run ends with ``h > h_tol``.
    max_epochs : int or "auto", default="auto"
        Passes over the data of the search phase and of each augmented
        Lagrangian subproblem (Eq. 9). "auto" gives each of them about 400
        gradient steps whatever the number of samples: ``ceil(400 *
        batch_size / n_samples)`` passes.
    tol : float, default=0.0
        A subproblem ends before ``max_epochs`` passes once its loss has
        levelled off: the mean loss of its last 40 gradient steps fell by
        less than ``tol`` (relative) below that of the 40 steps before.
        0 always runs every pass. ``tol=1e-3`` fits about 3 times faster
        but, on the package's benchmark, found less of the blanket (mean
        MB-F1 lower by 0.03-0.11; see docs/design.md).
    lr : float, default=1e-2
        Adam learning rate.
    batch_size : int or None, default=256
        Samples per gradient step; None uses all of them.
    threshold : float or "auto", default="auto"
        Edge score above which ``k -> j`` is an edge, both when the local
        region is grown and when the blanket is read. The score of an edge
        is what cutting it costs the reconstruction of ``j`` (the deviance
        per sample, ``log(MSE_j without k / MSE_j)`` for a numeric ``j``,
        nothing refitted; see ``edge_scores_``). "auto" needs no ground
        truth: ``latent_dim * log(n_samples) / n_samples``, the Bayesian
        information criterion's price of the ``latent_dim`` components of
        the message an edge carries, so an edge is kept when it improves the
        BIC of its head's model.
    device : {"auto", "cpu", "cuda"}, default="auto"
        Torch device; "auto" uses a GPU when torch sees one.
    random_state : int, RandomState instance or None, default=None
        Seed of the weights, the batch order and the Gumbel noise. The same
        int gives the same result; no global random state is touched.
    verbose : int, default=0
        0 is silent; 1 prints skorch's log of each phase (for the retraining,
        one line per augmented Lagrangian iteration).

    Attributes
    ----------
    markov_blanket_ : ndarray
        Parents, children and spouses of the target: column names when ``X``
        had them, else column indices, in column order.
    parents_, children_, spouses_ : ndarray
        The three parts of the blanket, labelled the same way.
    support_ : ndarray of bool of shape (n_features_in_,)
        Columns of ``X`` kept by :meth:`transform`: the blanket. When the
        blanket is empty, the feature with the strongest edge to or from the
        target is kept and a warning is issued, so that a Pipeline still
        receives a feature.
    candidates_ : ndarray
        The ``K`` features kept by the search phase (labels).
    gate_probabilities_ : ndarray of shape (n_features_in_,)
        Keep probability ``alpha^1 / (alpha^1 + alpha^0)`` of every column
        after the search phase (NaN for a target column of ``X``).
    adjacency_ : ndarray of shape (K + 1, K + 1)
        Weighted adjacency ``A`` learned over the candidates and the target
        (row = cause); ``retrained_variables_`` labels its rows and columns.
    retrained_variables_ : ndarray
        Labels of the rows of ``adjacency_``: the candidates, then the target.
    edge_scores_ : ndarray of shape (K + 1, K + 1)
        Score of every edge ``k -> j`` of ``adjacency_``: the increase of
        ``j``'s reconstruction deviance per sample when the edge is cut
        (zero for edges into variables outside the target's final region).
    threshold_ : float
        Edge score above which an edge was read as a link.
    classes_ : ndarray or None
        Class labels of a categorical target, else None. A class target
        enters the graph as one node whose value is its one-hot indicator
        vector: its encoder reads the vector and its decoder outputs class
        logits, reconstructed with cross-entropy (binary targets included).
    search_net_, net_ : skorch nets
        The search phase net and the retraining net of the target;
        ``net_.history`` logs ``h``, ``rho`` and the region size of every
        augmented Lagrangian iteration.
    n_iter_ : int
        Augmented Lagrangian iterations of the target's retraining.
    device_ : str
        The device used.
    n_features_in_ : int
        Number of columns of ``X`` seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X``, when it was a DataFrame with string names.

    See Also
    --------
    GrangerGRNGC : Granger causality between time series.

    References
    ----------
    Z. Ling, M. Guo, X. Wu, D. Cheng, P. Zhou, T. Li, Z. Duan,
    "Gradient-based Causal Feature Selection", IJCAI 2025.

    Examples
    --------
    >>> from sklearn_causal import MarkovBlanketGCFS
    >>> from sklearn_causal.datasets import make_dag_classification
    >>> X, y, graph, target = make_dag_classification(
    ...     n_nodes=8, n_samples=300, random_state=0)
    >>> mb = MarkovBlanketGCFS(max_epochs=30, random_state=0).fit(X, y)
    >>> mb.transform(X).shape == (300, int(mb.support_.sum()))
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **CausalSelectorBase._parameter_constraints,
        "target": [str],
        "lam": [Interval(Real, 0, None, closed="left")],
        "n_candidates": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "neighbourhood": [Interval(Integral, 1, None, closed="left")],
        "hidden_units": [Interval(Integral, 1, None, closed="left")],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "mu_init": [Interval(Real, 0, None, closed="left")],
        "rho_init": [Interval(Real, 0, None, closed="neither")],
        "rho_growth": [Interval(Real, 1, None, closed="neither")],
        "h_decrease": [Interval(Real, 0, 1, closed="neither")],
        "h_tol": [Interval(Real, 0, None, closed="left")],
        "rho_max": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "threshold": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "max_epochs": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "tol": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        target: str = "y",
        lam: float = 0.05,
        n_candidates: int | str = "auto",
        neighbourhood: int = 1,
        hidden_units: int = 8,
        latent_dim: int = 4,
        temperature: float = 0.5,
        mu_init: float = 0.0,
        rho_init: float = 1.0,
        rho_growth: float = 10.0,
        h_decrease: float = 0.25,
        h_tol: float = 1e-5,
        rho_max: float = 1e16,
        max_iter: int = 100,
        max_epochs: int | str = "auto",
        tol: float = 0.0,
        lr: float = 1e-2,
        batch_size: int | None = 256,
        threshold: float | str = "auto",
        device: str = "auto",
        random_state=None,
        verbose: int = 0,
    ) -> None:
        self.target = target
        self.lam = lam
        self.n_candidates = n_candidates
        self.neighbourhood = neighbourhood
        self.hidden_units = hidden_units
        self.latent_dim = latent_dim
        self.temperature = temperature
        self.mu_init = mu_init
        self.rho_init = rho_init
        self.rho_growth = rho_growth
        self.h_decrease = h_decrease
        self.h_tol = h_tol
        self.rho_max = rho_max
        self.max_iter = max_iter
        self.max_epochs = max_epochs
        self.tol = tol
        self.lr = lr
        self.batch_size = batch_size
        self.threshold = threshold
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Search candidates, retrain the local graph and read the blanket.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Candidate features (numeric; every column must vary). With
            ``y=None``, a DataFrame holding the target in its column named
            ``target``.
        y : array-like of shape (n_samples,), default=None
            The target: floats for a numeric target, integers or strings for
            class labels (binary or multiclass).

        Returns
        -------
        self : MarkovBlanketGCFS
            The fitted estimator.
        """
        features, y = self._split_target(X, y)
        self._start_fit()
        data = self._encode(features, y)
        n_features = features.shape[1]

        self.search_net_ = self._search(data)
        keep = self.search_net_.module_.gates.keep_probabilities()
        keep = keep.detach().cpu().numpy().astype(np.float64)
        n_keep = self._n_candidates(n_features)
        candidates = np.sort(np.argsort(-keep, kind="stable")[:n_keep])

        retrained = data[:, [*candidates, n_features]]
        target_node = len(candidates)
        self.net_ = self._retrain(retrained, target_node)
        self.n_iter_ = len(self.net_.history)
        adjacency = self._adjacency(self.net_)
        self.threshold_ = self.net_.edge_threshold()
        self.edge_scores_ = self.net_.edge_scores_
        links = self.net_.links()
        parents = np.flatnonzero(links[:, target_node])
        children = np.flatnonzero(links[target_node])
        spouses = np.array([], dtype=int)
        if children.size:
            children_net = self._retrain(
                retrained,
                children,
                initial_state=self.net_.module_.state_dict(),
                mu=self.net_.mu_,
                rho=self.net_.rho_,
            )
            spouses = np.flatnonzero(children_net.links()[:, children].any(axis=1))
            spouses = np.setdiff1d(spouses, [target_node, *children, *parents])

        self._record_blanket(
            candidates, keep, adjacency, parents, children, spouses, n_features
        )
        return self

    def _split_target(self, X, y):
        """Validated numeric features and the raw target, from X (and y)."""
        if y is not None:
            if hasattr(X, "columns") and self.target in list(X.columns):
                raise ValueError(
                    f"X has a column named target={self.target!r} and y was "
                    "given as well; pass one or the other."
                )
            X = self._validate_X(X, reset=True)
            self._target_column = None
            y = column_or_1d(y, warn=True)
            if y.shape[0] != X.shape[0]:
                raise ValueError(f"y has {y.shape[0]} samples but X has {X.shape[0]}.")
            return X, y
        if not hasattr(X, "columns") or self.target not in list(X.columns):
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target "
                f"y is None and X has no column named target={self.target!r}. "
                "Pass y, or a DataFrame X with that column."
            )
        names = [str(name) for name in X.columns]
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.n_features_in_ = len(names)
        self._target_column = names.index(self.target)
        y = np.asarray(X.iloc[:, self._target_column])
        features = X.drop(columns=X.columns[self._target_column])
        features = self._validate_features(features)
        return features, y

    def _validate_features(self, features) -> np.ndarray:
        """Numeric, finite, non-constant features of a DataFrame with a target."""
        features = check_array(
            features, dtype=[np.float64, np.float32], ensure_min_samples=2
        )
        constant = np.flatnonzero(np.ptp(features, axis=0) == 0)
        if constant.size:
            labels = np.delete(self._feature_labels(), self._target_column)
            raise ValueError(
                f"X has {constant.size} constant column(s): "
                f"{', '.join(map(str, labels[constant][:10]))}. A constant "
                "column carries no causal information; drop it."
            )
        return features

    def _encode(self, features: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Standardized features, then the target (standardized or codes)."""
        kind = type_of_target(y, input_name="y", raise_unknown=True)
        self._categorical = kind in ("binary", "multiclass")
        if not self._categorical and kind not in ("continuous",):
            raise ValueError(
                f"Unsupported target of type {kind!r}: pass one numeric or "
                "class-label value per sample."
            )
        self.feature_scaler_ = StandardScaler().set_output(transform="default")
        columns = [self.feature_scaler_.fit_transform(features)]
        if self._categorical:
            self.label_encoder_ = LabelEncoder().fit(y)
            self.classes_ = self.label_encoder_.classes_
            if self.classes_.size < 2:
                raise ValueError("y has a single class; nothing to explain.")
            columns.append(self.label_encoder_.transform(y)[:, None])
        else:
            y = check_array(y.reshape(-1, 1), dtype=np.float64)
            if np.ptp(y) == 0:
                raise ValueError("y is constant; nothing to explain.")
            self.classes_ = None
            self.target_scaler_ = StandardScaler().set_output(transform="default")
            columns.append(self.target_scaler_.fit_transform(y))
        return np.hstack(columns).astype(np.float64)

    def _net_params(self, n_variables: int, class_index: int | None) -> dict:
        """Net parameters shared by the search and retraining nets.

        The module's shape and seed, and Adam's fused kernel: the fits take
        thousands of steps on small tensors, where the per-parameter
        overhead of the default Adam is about a tenth of each step.
        """
        params = {
            "optimizer__fused": True,
            "module__n_variables": n_variables,
            "module__hidden_units": self.hidden_units,
            "module__latent_dim": self.latent_dim,
            "module__random_state": self._module_seed,
        }
        if self._categorical:
            params["module__class_index"] = class_index
            params["module__n_classes"] = len(self.classes_)
        return params

    def _passes(self, n_samples: int) -> int:
        """Passes over the data per search / subproblem (``max_epochs``)."""
        if self.max_epochs != "auto":
            return self.max_epochs
        batch = n_samples if self.batch_size is None else self.batch_size
        return max(1, int(np.ceil(400 * min(batch, n_samples) / n_samples)))

    def _search(self, data: np.ndarray):
        """Search phase: gates and target reconstruction over every feature."""
        target = data.shape[1] - 1
        return self._fit_net(
            GatedSearchNet,
            GatedGraphAutoencoder,
            X_train=data,
            max_epochs=self._passes(len(data)),
            random_state=np.random.RandomState(self._noise_seed),
            module__target_index=target,
            module__temperature=self.temperature,
            **self._net_params(data.shape[1], target),
        )

    def _n_candidates(self, n_features: int) -> int:
        if self.n_candidates == "auto":
            return min(n_features, max(10, int(np.ceil(3 * np.sqrt(n_features)))))
        return min(n_features, self.n_candidates)

    def _retrain(self, data: np.ndarray, target, initial_state=None, mu=None, rho=None):
        """Retraining phase around ``target`` (Algorithm 1, lines 2-10).

        ``target`` is the target's column, or for the spouse search the
        columns of all the children (lines 12-15): one retraining whose
        local region is grown from every child at once, so that the
        children's parents are learned together instead of in one run per
        child. That run starts where the run for ``T`` ended (its weights,
        ``mu`` and ``rho``): the objective is the same, only the region
        moves, so it converges in a few iterations.
        """
        link_threshold = None if self.threshold == "auto" else self.threshold
        net = self._fit_net(
            AugmentedLagrangianNet,
            GraphAutoencoder,
            X_train=data,
            max_epochs=self.max_iter,
            passes=self._passes(len(data)),
            target_index=target,
            neighbourhood=self.neighbourhood,
            link_threshold=link_threshold,
            lam=self.lam,
            mu=self.mu_init if mu is None else mu,
            rho=self.rho_init if rho is None else rho,
            beta=self.rho_growth,
            gamma=self.h_decrease,
            h_tol=self.h_tol,
            rho_max=self.rho_max,
            tol=self.tol,
            initial_state=initial_state,
            **self._net_params(data.shape[1], data.shape[1] - 1),
        )
        if net.h_ > self.h_tol:
            warnings.warn(
                f"The augmented Lagrangian stopped after {len(net.history)} "
                f"iterations with h = {net.h_:.2e} > h_tol = {self.h_tol:g}: the "
                "learned graph may still hold cycles. Increase max_iter (or "
                "rho_max).",
                ConvergenceWarning,
                stacklevel=3,
            )
        return net

    @staticmethod
    def _adjacency(net) -> np.ndarray:
        with torch.no_grad():
            weights = net.module_.masked_adjacency()
        return weights.cpu().numpy().astype(np.float64)

    def _record_blanket(
        self, candidates, keep, adjacency, parents, children, spouses, n_features
    ) -> None:
        """Map candidate indices back to the columns of X and set attributes."""
        columns = np.arange(n_features)
        if self._target_column is not None:
            columns = np.delete(np.arange(self.n_features_in_), self._target_column)
        labels = self._feature_labels()
        to_column = columns[candidates]

        def as_labels(nodes):
            return labels[np.sort(to_column[nodes])]

        blanket = np.union1d(np.union1d(parents, children), spouses).astype(int)
        self.parents_ = as_labels(parents)
        self.children_ = as_labels(children)
        self.spouses_ = as_labels(spouses)
        self.markov_blanket_ = as_labels(blanket)
        self.candidates_ = labels[to_column]
        self.retrained_variables_ = np.append(
            self.candidates_.astype(object), self.target
        )
        self.adjacency_ = adjacency
        self.gate_probabilities_ = np.full(self.n_features_in_, np.nan)
        self.gate_probabilities_[columns] = keep

        support = np.zeros(self.n_features_in_, dtype=bool)
        support[to_column[blanket]] = True
        target_node = len(candidates)
        strength = np.zeros(self.n_features_in_)
        strength[to_column] = np.maximum(
            self.edge_scores_[:-1, target_node], self.edge_scores_[target_node, :-1]
        )
        if not (strength > 0).any():
            strength[columns] = keep
        self.support_ = self._keep_at_least_one(support, strength)

    def score(self, X, y=None) -> float:
        """Negative local reconstruction error on ``(X, y)``.

        The retrained graph autoencoder reconstructs the variables of the
        target's final local region ``X_pl(T)`` (target included) from the
        candidates; the score is minus the loss of Eq. 5 without the penalty,
        ``-1/(2n) ||X_pl - X_hat_pl||_F^2`` on standardized variables (plus
        the cross-entropy of a class target). Higher is better, so
        ``GridSearchCV(MarkovBlanketGCFS(), {"lam": [...]})`` picks ``lam``
        from held-out reconstructions, without the true graph. Inside a
        Pipeline, the downstream estimator's score is used instead.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features, as in :meth:`fit`.
        y : array-like of shape (n_samples,), default=None
            Target; None when ``X`` holds it (as in :meth:`fit`).

        Returns
        -------
        score : float
        """
        check_is_fitted(self, "net_")
        features, y = self._held_out(X, y)
        data = self._transform_data(features, y)
        retrained = data[:, [*self._candidate_nodes(), data.shape[1] - 1]]
        net = self.net_
        module = net.module_
        module.eval()
        outputs = torch.as_tensor(np.flatnonzero(net.region_), device=self.device_)
        with torch.no_grad():
            tensor = self._tensor(retrained)
            loss = local_reconstruction_loss(
                *module(tensor, outputs), tensor, outputs, module.class_index
            )
        return -float(loss)

    def _held_out(self, X, y):
        if y is None:
            if self._target_column is None:
                raise ValueError("y is required: the estimator was fitted with y.")
            X = self._validate_X_like_fit(X)
            target = X.iloc[:, self._target_column]
            features = X.drop(columns=X.columns[self._target_column])
            return check_array(features, dtype=[np.float64, np.float32]), np.asarray(
                target
            )
        return self._validate_X(X, reset=False), column_or_1d(y)

    def _validate_X_like_fit(self, X):
        if not hasattr(X, "columns") or [str(c) for c in X.columns] != list(
            self.feature_names_in_
        ):
            raise ValueError(
                "X must be a DataFrame with the columns seen in fit, target "
                f"{self.target!r} included."
            )
        return X

    def _candidate_nodes(self) -> np.ndarray:
        labels = list(self._feature_labels())
        if self._target_column is not None:
            del labels[self._target_column]
        return np.array([labels.index(label) for label in self.candidates_])

    def _transform_data(self, features: np.ndarray, y) -> np.ndarray:
        columns = [self.feature_scaler_.transform(features)]
        if self._categorical:
            unknown = np.setdiff1d(np.unique(y), self.classes_)
            if unknown.size:
                raise ValueError(f"y has classes unseen in fit: {unknown[:5]}.")
            columns.append(self.label_encoder_.transform(y)[:, None])
        else:
            y = check_array(np.asarray(y).reshape(-1, 1), dtype=np.float64)
            columns.append(self.target_scaler_.transform(y))
        return np.hstack(columns)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
