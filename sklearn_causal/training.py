"""skorch nets that train the causal models.

- :class:`TensorBatches`: mini-batches sliced straight from tensors, without
  per-sample collation (the data sets here are small and the epochs many).
- :class:`GradientPenaltyNet`: forecast loss plus lambda times the L1 penalty
  on the input-output gradients (GRNGC Eq. 14).
- :class:`GatedSearchNet`: GCFS search phase, the target reconstructed from
  Gumbel-softmax gated features.
- :class:`AugmentedLagrangianNet`: GCFS retraining phase, the local
  reconstruction loss under the acyclicity constraint (Eq. 8-11), one
  augmented Lagrangian subproblem per epoch.
"""

from __future__ import annotations

import numpy as np
import skorch
import torch
from skorch import NeuralNet
from skorch.dataset import unpack_data

from ._local_graph import local_mask, local_neighbourhood
from .penalties import (
    edge_deviance_scores,
    gradient_l1_penalty,
    granger_causality_scores,
    local_reconstruction_loss,
    notears_acyclicity,
)

__all__ = [
    "AugmentedLagrangianNet",
    "GatedSearchNet",
    "GradientPenaltyNet",
    "TensorBatches",
]


class TensorBatches:
    """Iterate over ``(X, y)`` mini-batches of a skorch ``Dataset`` of tensors.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset
        Holds tensors ``dataset.X`` and ``dataset.y`` (or None).
    batch_size : int
        Rows per batch; the last batch may be smaller.
    shuffle : bool, default=False
        Draw a new order of the rows at every pass.
    random_state : numpy.random.RandomState, optional
        Source of the shuffling order; it advances from pass to pass and,
        unlike a ``torch.Generator``, pickles with the net. Required when
        ``shuffle=True``.
    passes : int, default=1
        Passes over the data per iteration (one skorch epoch), so that an
        epoch can stand for a whole optimisation subproblem.

    Attributes
    ----------
    stop : callable or None
        Asked before every pass; when it returns True the remaining passes
        are skipped (a subproblem that has converged). None runs them all.
    """

    def __init__(
        self,
        dataset,
        batch_size: int,
        shuffle: bool = False,
        random_state: np.random.RandomState | None = None,
        passes: int = 1,
    ) -> None:
        self.X = dataset.X
        self.y = dataset.y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.random_state = random_state
        self.passes = passes
        self.stop = None

    def __len__(self) -> int:
        return self.passes * -(-len(self.X) // self.batch_size)

    def __iter__(self):
        n_rows = len(self.X)
        for _ in range(self.passes):
            if self.stop is not None and self.stop():
                return
            if self.shuffle:
                order = torch.from_numpy(self.random_state.permutation(n_rows))
                order = order.to(self.X.device)
            else:
                order = None
            for start in range(0, n_rows, self.batch_size):
                if order is None:
                    index = slice(start, start + self.batch_size)
                else:
                    index = order[start : start + self.batch_size]
                yield self.X[index], None if self.y is None else self.y[index]


def _per_effect_normalised(scores: torch.Tensor) -> torch.Tensor:
    """``GC_avg`` divided, effect by effect, by the norm of its cross causes.

    ``scores`` is indexed (effect, window position, cause). Each effect's
    row is divided by the Euclidean norm, over the other series, of the
    strengths summed over window positions; self-dependence is left out of
    the norm but scaled with the row.
    """
    n_series = scores.shape[0]
    cross = scores.sum(dim=1) * (1.0 - torch.eye(n_series, device=scores.device))
    norm = cross.pow(2).sum(dim=1).sqrt().clamp_min(torch.finfo(scores.dtype).tiny)
    return scores / norm[:, None, None]


class GradientPenaltyNet(NeuralNet):
    """skorch net minimising forecast MSE + lam * gradient L1 penalty.

    The module must be a :class:`~sklearn_causal.nn.backbones.Forecaster`.
    The training loss is GRNGC's Eq. 14 divided by the number of series; the
    validation loss is the forecast criterion alone, so early stopping
    watches held-out forecasts only.

    With ``path_inputs``, the net also records the Granger-causality
    strengths along its training path: after the epochs of a schedule
    (every epoch up to the 19th, then every ``epoch // 10``-th), ``GC_avg``
    on ``path_inputs``, normalised per effect (each effect's strengths
    divided by the Euclidean norm of its cross strengths).
    :meth:`path_strengths` averages the records up to a given epoch, each
    weighted by the epochs it stands for.

    Parameters
    ----------
    *args, **kwargs
        Passed to :class:`skorch.NeuralNet`.
    lam : float, default=0.0
        Weight of :func:`~sklearn_causal.penalties.gradient_l1_penalty`.
    penalty_rows : int or None, default=None
        Output series whose Jacobian rows enter the penalty at each step,
        drawn at random without replacement; the penalty is then an unbiased
        estimate of the full one at ``penalty_rows / n_series`` of the cost.
        None uses every row (exact).
    random_state : numpy.random.RandomState, optional
        Source of the row draws (required with ``penalty_rows``).
    path_inputs : Tensor of shape (n_windows, lag, n_series), optional
        Windows on which the strengths are recorded along the path; None
        records nothing.

    Attributes
    ----------
    path_epochs_ : list of int
        Epochs (counted from 1) after which strengths were recorded.
    path_records_ : list of Tensor of shape (n_series, lag, n_series)
        The normalised ``GC_avg`` (effect, window position, cause) recorded
        after each of those epochs.
    """

    def __init__(
        self,
        *args,
        lam: float = 0.0,
        penalty_rows: int | None = None,
        random_state: np.random.RandomState | None = None,
        path_inputs: torch.Tensor | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lam = lam
        self.penalty_rows = penalty_rows
        self.random_state = random_state
        self.path_inputs = path_inputs

    def _penalty_rows(self, n_series: int) -> torch.Tensor | None:
        if self.penalty_rows is None or self.penalty_rows >= n_series:
            return None
        rows = self.random_state.choice(n_series, self.penalty_rows, replace=False)
        return torch.from_numpy(np.sort(rows)).to(self.device)

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        rows = self._penalty_rows(Xi.shape[-1])
        y_pred, jacobian = self.module_.forward_with_jacobian(Xi, rows)
        forecast_loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss = forecast_loss + self.lam * gradient_l1_penalty(jacobian)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X, y, **kwargs)
        self.path_epochs_, self.path_records_ = [], []

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_end(net, dataset_train, dataset_valid, **kwargs)
        epoch = len(self.history)
        if self.path_inputs is None or not (epoch < 20 or epoch % (epoch // 10) == 0):
            return
        self.module_.eval()
        with torch.no_grad():
            _, jacobian = self.module_.forward_with_jacobian(self.path_inputs)
        self.module_.train()
        strengths = _per_effect_normalised(granger_causality_scores(jacobian))
        self.path_epochs_.append(epoch)
        self.path_records_.append(strengths)

    def path_strengths(self, epoch: int) -> torch.Tensor:
        """Average of the recorded strengths over epochs ``1..epoch``.

        Every record stands for the epochs since the previous one; the
        records after ``epoch`` are left out.

        Parameters
        ----------
        epoch : int
            Last epoch of the average (at least the first record's).

        Returns
        -------
        strengths : Tensor of shape (n_series, lag, n_series)
        """
        epochs = np.array(self.path_epochs_)
        kept = int(np.searchsorted(epochs, epoch, side="right"))
        weights = np.diff(epochs[:kept], prepend=0)
        total = sum(w * r for w, r in zip(weights, self.path_records_, strict=False))
        return total / weights.sum()


class GatedSearchNet(NeuralNet):
    """GCFS search phase: train gates and autoencoder to reconstruct the target.

    The module is a :class:`~sklearn_causal.nn.graph_autoencoder.
    GatedGraphAutoencoder`. Each step draws fresh Gumbel noise for every
    sample and gate (Eq. 14-15); the loss is the target's reconstruction
    error alone. The search screens features by predictive value, so no
    sparsity penalty applies here: the L1 term belongs to the retraining
    objective (Eq. 7-8), and in the search it would close the gates of
    spouses, whose value for the target only shows next to its children.

    Parameters
    ----------
    *args, **kwargs
        Passed to :class:`skorch.NeuralNet`.
    random_state : numpy.random.RandomState, optional
        Source of the Gumbel noise.
    """

    def __init__(
        self,
        *args,
        random_state: np.random.RandomState | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.random_state = random_state

    def _uniform_noise(self, shape) -> torch.Tensor:
        tiny = np.finfo(np.float32).tiny
        draws = self.random_state.uniform(tiny, 1.0, size=shape)
        return torch.as_tensor(draws, dtype=torch.float32, device=self.device)

    def infer(self, x, **fit_params):
        x = skorch.utils.to_tensor(x, device=self.device)
        if not self.module_.training:
            return self.module_(x)
        n_features = self.module_.features.numel()
        return self.module_(x, self._uniform_noise((len(x), n_features, 2)))

    def get_loss(self, y_pred, y_true, X=None, training=False):
        module = self.module_
        return local_reconstruction_loss(
            *y_pred, X, module.target, module.autoencoder.class_index
        )


class AugmentedLagrangianNet(NeuralNet):
    """GCFS retraining: local reconstruction under ``h(M o A) = 0`` (Eq. 8-11).

    The module is a :class:`~sklearn_causal.nn.graph_autoencoder.
    GraphAutoencoder`. One skorch epoch is one augmented Lagrangian
    iteration (Algorithm 1, lines 4-9):

    1. grow the target's region ``X_pl(T)`` by ``neighbourhood`` steps
       through the current links and set the mask ``M`` (Eq. 6); a link is
       an edge whose cut costs its head's reconstruction more than the
       threshold (``edge_scores_``, from
       :func:`~sklearn_causal.penalties.edge_deviance_scores` at the end of
       the previous iteration);
    2. minimise ``L_rho`` (Eq. 8) with Adam for the iterator's passes, or
       fewer once the loss has levelled off (``tol``) (Eq. 9);
    3. ``mu <- mu + rho h`` (Eq. 10); ``rho <- beta rho`` unless ``|h|``
       fell below ``gamma`` times its previous value (Eq. 11);
    4. stop once ``h <= h_tol`` and the region did not grow in this
       iteration (the region starts as ``{T}``, where ``h`` is trivially
       zero), or once ``rho >= rho_max``.

    ``h``, ``rho``, the region size and the gradient steps taken are
    recorded in ``history``;
    ``edge_scores_`` holds the edge scores of the last iteration.

    Parameters
    ----------
    *args, **kwargs
        Passed to :class:`skorch.NeuralNet`.
    target_index : int or array of int
        Column of the target ``T`` (or columns of several targets, whose
        region is grown from all of them).
    neighbourhood : int
        Expansion steps ``Q`` of the local region.
    link_threshold : float or None
        Edge score above which ``k -> j`` counts as a link; None uses the
        BIC cut ``latent_dim * log(n) / n``: the edge improves the Bayesian
        information criterion of its head's model, counting the
        ``latent_dim`` components of the message it carries as parameters.
    lam : float
        Weight of ``||M o A||_1``.
    mu, rho : float
        Initial Lagrange multiplier and penalty parameter.
    beta : float
        Growth factor of ``rho`` (> 1).
    gamma : float
        Required decrease of ``|h|`` (< 1).
    h_tol : float
        ``theta_1``: stop once ``h`` is at most this.
    rho_max : float
        ``theta_2``: stop once ``rho`` reaches this.
    tol : float
        A subproblem (Eq. 9) ends before its last pass once the mean loss of
        its last ``tol_window`` steps fell by less than ``tol`` (relative)
        below that of the ``tol_window`` steps before; 0 runs every pass.
    tol_window : int
        Steps per window of that test.
    """

    def __init__(
        self,
        *args,
        target_index: int | np.ndarray = 0,
        neighbourhood: int = 2,
        link_threshold: float | None = None,
        lam: float = 0.0,
        mu: float = 0.0,
        rho: float = 1.0,
        beta: float = 10.0,
        gamma: float = 0.25,
        h_tol: float = 1e-8,
        rho_max: float = 1e16,
        tol: float = 0.0,
        tol_window: int = 40,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.target_index = target_index
        self.neighbourhood = neighbourhood
        self.link_threshold = link_threshold
        self.lam = lam
        self.mu = mu
        self.rho = rho
        self.beta = beta
        self.gamma = gamma
        self.h_tol = h_tol
        self.rho_max = rho_max
        self.tol = tol
        self.tol_window = tol_window

    def initialize(self):
        super().initialize()
        self.mu_ = self.mu
        self.rho_ = self.rho
        self.h_ = float("inf")
        d = self.module_.n_variables
        self.region_ = np.zeros(d, dtype=bool)
        self.region_[self.target_index] = True
        self.edge_scores_ = np.zeros((d, d))
        return self

    def edge_threshold(self) -> float:
        """``link_threshold``, or when that is None the BIC cut
        ``latent_dim * log(n) / n`` on
        :func:`~sklearn_causal.penalties.edge_deviance_scores`."""
        if self.link_threshold is not None:
            return float(self.link_threshold)
        n = self.n_samples_
        return float(self.module_.latent_dim * np.log(n) / n)

    def links(self) -> np.ndarray:
        """Current links ``edge_scores_ > edge_threshold()`` (row = cause)."""
        return self.edge_scores_ > self.edge_threshold()

    def get_iterator(self, dataset, training=False):
        iterator = super().get_iterator(dataset, training=training)
        if training:
            iterator.stop = self.subproblem_converged
        return iterator

    def subproblem_converged(self) -> bool:
        """Whether the current subproblem's loss has levelled off (``tol``).

        Reads the step losses skorch records in the current epoch's
        ``history``.
        """
        window = self.tol_window
        steps = self.history[-1]["batches"]
        if self.tol <= 0 or len(steps) < 2 * window:
            return False
        losses = [step["train_loss"] for step in steps[-2 * window :]]
        previous = np.mean(losses[:window])
        last = np.mean(losses[window:])
        return previous - last < self.tol * abs(previous)

    def acyclicity(self) -> torch.Tensor:
        """``h(M o A)`` of the current graph."""
        return notears_acyclicity(self.module_.masked_adjacency())

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_begin(net, dataset_train, dataset_valid, **kwargs)
        if len(self.history) > 1:
            region = self.region_ | local_neighbourhood(
                self.links(), self.target_index, self.neighbourhood
            )
            self.region_grew_ = bool((region & ~self.region_).any())
            self.region_ = region
        else:
            # The initial weights carry no information: the first iteration
            # works on {T} alone, and counts as growth so the loop goes on.
            self.region_grew_ = True
        mask = torch.as_tensor(local_mask(self.region_), device=self.device)
        self.module_.mask.copy_(mask)
        self._outputs = torch.as_tensor(
            np.flatnonzero(self.region_), device=self.device
        )

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_end(net, dataset_train, dataset_valid, **kwargs)
        data = dataset_train.X
        self.n_samples_ = len(data)
        self.module_.eval()
        scores = edge_deviance_scores(self.module_, data, self._outputs)
        self.edge_scores_ = scores.cpu().numpy().astype(np.float64)
        with torch.no_grad():
            h = float(self.acyclicity())
        self.mu_ += self.rho_ * h
        if abs(h) > self.gamma * abs(self.h_):
            self.rho_ *= self.beta
        self.h_ = h
        self.history.record("h", h)
        self.history.record("rho", self.rho_)
        self.history.record("region_size", int(self.region_.sum()))
        self.history.record("n_steps", len(self.history[-1]["batches"]))
        settled = h <= self.h_tol and not self.region_grew_
        if settled or self.rho_ >= self.rho_max:
            raise KeyboardInterrupt

    def infer(self, x, **fit_params):
        x = skorch.utils.to_tensor(x, device=self.device)
        return self.module_(x, self._outputs)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        module = self.module_
        loss = local_reconstruction_loss(*y_pred, X, self._outputs, module.class_index)
        adjacency = module.masked_adjacency()
        h = notears_acyclicity(adjacency)
        return (
            loss
            + self.lam * adjacency.abs().sum()
            + self.mu_ * h
            + 0.5 * self.rho_ * h * h
        )
