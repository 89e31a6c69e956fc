"""skorch nets that train the causal models, and GCFS's augmented Lagrangian loop.

- :class:`TensorBatches`: mini-batches sliced straight from tensors, without
  per-sample collation (the data sets here are small and the steps many).
- :class:`GradientPenaltyNet`: forecast loss plus lambda times the L1 penalty
  on the input-output gradients (GRNGC Eq. 14).
- :class:`GatedSearchNet`: GCFS search phase, the target reconstructed from
  Gumbel-softmax gated features.
- :class:`LocalGraphNet`: one augmented Lagrangian subproblem of GCFS's
  retraining phase (Eq. 8-9) per skorch epoch.
- :func:`fit_local_graph`: Algorithm 1's retraining loop (lines 2-10): a
  subproblem, the multiplier update (Eq. 10-11), the growth of the local
  region, until the graph is acyclic; it returns a :class:`LocalGraph`.
- :func:`fit_epochs`: epochs until the held-out loss stops improving by a
  given share (the weights of the last improvement restored) or a loss
  diverges; it returns a
  :class:`TrainingOutcome`.
- :func:`user_interrupts`: skorch ends training quietly on Ctrl-C; this
  context manager hands the user's Ctrl-C back to the caller.

No loop here ends by raising ``KeyboardInterrupt``: a ``KeyboardInterrupt``
that leaves a fit is always the user's.
"""

from __future__ import annotations

import copy
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import skorch
import torch
from skorch import NeuralNet
from skorch.dataset import unpack_data

from ._local_graph import is_acyclic, local_mask, local_neighbourhood
from ._progress import Progress
from .nn.backbones import Forecaster
from .penalties import (
    gaussian_negative_log_likelihood,
    gradient_l1_penalty,
    granger_causality_scores,
    notears_acyclicity,
)

__all__ = [
    "GatedSearchNet",
    "GradientPenaltyNet",
    "LocalGraph",
    "LocalGraphNet",
    "TensorBatches",
    "TrainingOutcome",
    "fit_epochs",
    "fit_local_graph",
    "granger_strengths",
    "per_effect_normalised",
    "update_multipliers",
    "user_interrupts",
]


@contextmanager
def user_interrupts() -> Iterator[None]:
    """Re-raise, on exit, a Ctrl-C that arrived inside the block.

    skorch's ``partial_fit`` catches ``KeyboardInterrupt`` to end training
    early and returns normally, so a user's Ctrl-C would only end the
    current phase and the fit would go on. Inside this block SIGINT is
    recorded before it interrupts as usual; when the block ends, the user's
    ``KeyboardInterrupt`` that skorch swallowed is raised again. Outside the main
    thread (where Python delivers no signal) it does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:
        yield
        return
    # SIG_DFL, or a handler set outside Python: interrupt as Python does.
    handler = previous if callable(previous) else signal.default_int_handler
    interrupt = None

    def record(signum, frame):
        nonlocal interrupt
        try:
            handler(signum, frame)
        except KeyboardInterrupt as error:
            interrupt = error
            raise

    signal.signal(signal.SIGINT, record)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupt is not None:
        raise interrupt


def _held_out_loss(net: NeuralNet, X, y) -> float:
    """``valid_loss`` of the current weights, as skorch computes it."""
    _, dataset_valid = net.get_split_datasets(X, y)
    total, count = 0.0, 0
    for batch in net.get_iterator(dataset_valid, training=False):
        size = len(batch[0])
        total += float(net.validation_step(batch)["loss"]) * size
        count += size
    return total / count if count else np.inf


@dataclass(frozen=True)
class TrainingOutcome:
    """How :func:`fit_epochs` ended.

    Attributes
    ----------
    best_epoch : int
        The epoch whose weights the net holds (0: the initial weights).
    stop : {"patience", "max_epochs", "diverged"}
        Why training ended: the held-out loss stopped improving, the epochs
        ran out, or a loss became NaN or infinite.
    """

    best_epoch: int
    stop: str


def fit_epochs(
    net: NeuralNet,
    X,
    y=None,
    *,
    patience: int | None = None,
    threshold: float = 1e-4,
    progress: Progress | None = None,
) -> TrainingOutcome:
    """Train ``net`` epoch by epoch, with early stopping and a divergence stop.

    With a ``train_split`` and a ``patience``, an epoch counts as an
    improvement when its ``valid_loss`` is below ``(1 - threshold)`` times
    that of the last improvement (at first, of the initial weights).
    Training stops after ``patience`` epochs without one, and the weights of
    the last improvement (or the initial weights, when no epoch improved)
    are restored: a later epoch whose loss is lower by less than the
    threshold is not worth its longer training. Otherwise all
    ``net.max_epochs`` epochs run and the last weights are kept. Either way,
    an epoch whose loss is NaN or infinite ends training and the weights of
    the last improvement (or last finite epoch), or the initial weights,
    are restored.

    Parameters
    ----------
    net : skorch.NeuralNet
        The net to train (initialised here).
    X, y : Tensor
        Training data.
    patience : int or None, default=None
        Epochs without improvement before training stops; None trains all
        epochs.
    threshold : float, default=1e-4
        Relative decrease of the held-out loss that counts as an
        improvement; 0 counts any decrease (the lowest loss is kept).
    progress : Progress or None, default=None
        Told the losses of every epoch, and how training ended.

    Returns
    -------
    TrainingOutcome
    """
    net.initialize()
    early_stopping = patience is not None and net.train_split is not None
    monitor = "valid_loss" if net.train_split is not None else "train_loss"
    best_state, best_epoch = copy.deepcopy(net.module_.state_dict()), 0
    # With early stopping an epoch must beat the untrained weights by the
    # threshold.
    best_loss = _held_out_loss(net, X, y) if early_stopping else np.inf
    since_improvement, stop = 0, "max_epochs"
    progress = Progress.silent() if progress is None else progress
    with progress:
        for epoch in range(1, net.max_epochs + 1):
            with user_interrupts():
                net.partial_fit(X, y, epochs=1)
            losses = [net.history[-1, "train_loss"], net.history[-1, monitor]]
            progress.update(**{"train_loss": losses[0], monitor: losses[1]})
            if not np.isfinite(losses).all():
                stop = "diverged"
                break
            loss = losses[1]
            if not early_stopping or loss < best_loss * (1 - threshold):
                best_loss, best_epoch, since_improvement = loss, epoch, 0
                best_state = copy.deepcopy(net.module_.state_dict())
            else:
                since_improvement += 1
            if early_stopping and since_improvement >= patience:
                stop = "patience"
                break
        progress.close(_ending(stop, epoch, best_epoch, monitor, patience))
    net.module_.load_state_dict(best_state)
    return TrainingOutcome(best_epoch=best_epoch, stop=stop)


def _ending(stop: str, epoch: int, best_epoch: int, monitor: str, patience) -> str:
    """How a :func:`fit_epochs` run ended, in words."""
    why = {
        "patience": f"{monitor} did not improve for {patience} epochs",
        "max_epochs": "max_epochs reached",
        "diverged": "a loss became NaN or infinite",
    }[stop]
    return f"stopped at epoch {epoch} ({why}); kept epoch {best_epoch}"


class TensorBatches:
    """Iterate over ``(X, y)`` mini-batches of a skorch ``Dataset`` of tensors.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset
        Holds tensors ``dataset.X`` and ``dataset.y`` (or None).
    batch_size : int
        Rows per batch.
    shuffle : bool, default=False
        Draw a new order of the rows at every pass.
    random_state : numpy.random.RandomState, optional
        Source of the shuffling order; it advances from pass to pass and,
        unlike a ``torch.Generator``, pickles with the net. Required when
        ``shuffle=True``.
    n_batches : int or None, default=None
        None makes one pass over the data (the last batch may be smaller).
        An int yields exactly that many batches of ``min(batch_size,
        n_rows)`` rows, drawing a new order whenever fewer rows than a batch
        are left in the current one, so that one skorch epoch is a fixed
        number of gradient steps whatever the number of rows.
    """

    def __init__(
        self,
        dataset,
        batch_size: int,
        shuffle: bool = False,
        random_state: np.random.RandomState | None = None,
        n_batches: int | None = None,
    ) -> None:
        self.X = dataset.X
        self.y = dataset.y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.random_state = random_state
        self.n_batches = n_batches

    def __len__(self) -> int:
        if self.n_batches is not None:
            return self.n_batches
        return -(-len(self.X) // self.batch_size)

    def _order(self) -> torch.Tensor | None:
        if not self.shuffle:
            return None
        order = torch.from_numpy(self.random_state.permutation(len(self.X)))
        return order.to(self.X.device)

    def _rows(self, order, start: int, stop: int):
        index = slice(start, stop) if order is None else order[start:stop]
        return self.X[index], None if self.y is None else self.y[index]

    def __iter__(self):
        n_rows = len(self.X)
        if self.n_batches is None:
            order = self._order()
            for start in range(0, n_rows, self.batch_size):
                yield self._rows(order, start, start + self.batch_size)
            return
        size = min(self.batch_size, n_rows)
        order, start = self._order(), 0
        for _ in range(self.n_batches):
            if start + size > n_rows:
                order, start = self._order(), 0
            yield self._rows(order, start, start + size)
            start += size


def granger_strengths(
    module: Forecaster, inputs: torch.Tensor, max_entries: int = 2**24
) -> torch.Tensor:
    """``GC_avg`` (Eq. 11) of a forecaster on some windows, in bounded memory.

    The windows go through the forecaster in chunks small enough that no
    chunk's Jacobian holds more than ``max_entries`` numbers (64 MiB in
    float32): with 1000 series and lag 3 a window's Jacobian alone holds 3
    million.

    Parameters
    ----------
    module : Forecaster
    inputs : Tensor of shape (n_windows, lag, n_series)
    max_entries : int, default=2**24

    Returns
    -------
    scores : Tensor of shape (n_series, lag, n_series)
        Indexed (effect, window position, cause).
    """
    n_windows, lag, n_series = inputs.shape
    chunk = max(1, max_entries // (lag * n_series * n_series))
    module.eval()
    total = 0.0
    with torch.no_grad():
        for start in range(0, n_windows, chunk):
            block = inputs[start : start + chunk]
            _, jacobian = module.forward_with_jacobian(block)
            total = total + granger_causality_scores(jacobian) * len(block)
    return total / n_windows


def per_effect_normalised(scores: torch.Tensor) -> torch.Tensor:
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
    (every epoch up to the 19th, then every ``epoch // 10``-th; none up to
    ``path_after``), ``GC_avg`` on ``path_inputs``, normalised per effect
    (each effect's strengths divided by the Euclidean norm of its cross
    strengths).
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
    penalty_windows : int or None, default=None
        Windows of each batch, drawn at random without replacement, whose
        Jacobians enter the penalty; the penalty is then an unbiased
        estimate of the batch's at ``penalty_windows / batch`` of the cost.
        The forecast loss always uses the whole batch. None uses every
        window.
    random_state : numpy.random.RandomState, optional
        Source of the row and window draws (required with ``penalty_rows``
        or ``penalty_windows``).
    path_inputs : Tensor of shape (n_windows, lag, n_series), optional
        Windows on which the strengths are recorded along the path; None
        records nothing.
    path_after : int, default=0
        No record is taken in the first ``path_after`` epochs: a caller
        that averages only the later path (``path_strengths(epoch,
        after=path_after)``) does not pay for Jacobians it never reads.

    Attributes
    ----------
    path_epochs_ : list of int
        Epochs (counted from 1) after which strengths were recorded.
    path_records_ : list of Tensor of shape (n_series, lag, n_series)
        The normalised ``GC_avg`` (effect, window position, cause) recorded
        after each of those epochs.
    """

    # Tensors skorch must map to the loading machine's device when a net
    # fitted on a GPU is unpickled where there is none.
    cuda_dependent_attributes_: ClassVar[list[str]] = ["path_inputs", "path_records_"]

    def __init__(
        self,
        *args,
        lam: float = 0.0,
        penalty_rows: int | None = None,
        penalty_windows: int | None = None,
        random_state: np.random.RandomState | None = None,
        path_inputs: torch.Tensor | None = None,
        path_after: int = 0,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lam = lam
        self.penalty_rows = penalty_rows
        self.penalty_windows = penalty_windows
        self.random_state = random_state
        self.path_inputs = path_inputs
        self.path_after = path_after

    def _draw(self, size: int, n_drawn: int | None) -> torch.Tensor | None:
        """``n_drawn`` sorted indices out of ``size``; None (all) when not fewer."""
        if n_drawn is None or n_drawn >= size:
            return None
        drawn = self.random_state.choice(size, n_drawn, replace=False)
        return torch.from_numpy(np.sort(drawn)).to(self.device)

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        rows = self._draw(Xi.shape[-1], self.penalty_rows)
        windows = self._draw(len(Xi), self.penalty_windows)
        if windows is None:
            y_pred, jacobian = self.module_.forward_with_jacobian(Xi, rows)
        else:
            y_pred = self.infer(Xi)
            _, jacobian = self.module_.forward_with_jacobian(Xi[windows], rows)
        forecast_loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss = forecast_loss + self.lam * gradient_l1_penalty(jacobian)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X, y, **kwargs)
        if not self.history:  # a new training, not a further partial_fit
            self.path_epochs_, self.path_records_ = [], []

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_end(net, dataset_train, dataset_valid, **kwargs)
        epoch = len(self.history)
        if (
            self.path_inputs is None
            or epoch <= self.path_after
            or not (epoch < 20 or epoch % (epoch // 10) == 0)
        ):
            return
        self.path_epochs_.append(epoch)
        self.path_records_.append(self.current_strengths())
        self.module_.train()

    def current_strengths(self) -> torch.Tensor:
        """``GC_avg`` of the current weights on the path inputs, normalised
        per effect; shape (n_series, lag, n_series)."""
        return per_effect_normalised(granger_strengths(self.module_, self.path_inputs))

    def path_strengths(self, epoch: int, after: int = 0) -> torch.Tensor:
        """Average of the recorded strengths over epochs ``after + 1..epoch``.

        Every record stands for the epochs since the previous one (or since
        ``after``); the records after ``epoch`` are left out.

        Parameters
        ----------
        epoch : int
            Last epoch of the average. Before the first record (epoch 0:
            training diverged at once and the initial weights were
            restored) the current weights' strengths are returned.
        after : int, default=0
            Epochs up to this one are left out, unless no record falls
            after it (then the average starts at the first epoch).

        Returns
        -------
        strengths : Tensor of shape (n_series, lag, n_series)
        """
        epochs = np.array(self.path_epochs_)
        kept = int(np.searchsorted(epochs, epoch, side="right"))
        if kept == 0:
            return self.current_strengths()
        first = int(np.searchsorted(epochs[:kept], after, side="right"))
        if first == kept:
            first, after = 0, 0
        weights = np.diff(epochs[first:kept], prepend=after)
        records = self.path_records_[first:kept]
        total = sum(w * r for w, r in zip(weights, records, strict=True))
        return total / weights.sum()


class GatedSearchNet(NeuralNet):
    """GCFS search phase: train gates and autoencoder to reconstruct the target.

    The module is a :class:`~sklearn_causal.nn.graph_autoencoder.
    GatedGraphAutoencoder`. Each step draws fresh Gumbel noise for every
    sample and gate (Eq. 14-15); the loss is the negative log-likelihood of
    the target's reconstruction alone. The search screens features by
    predictive value, so no sparsity penalty applies here: the L1 term
    belongs to the retraining objective (Eq. 7-8), and in the search it
    would close the gates of spouses, whose value for the target only shows
    next to its children.

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

    def infer(self, x, **fit_params):
        x = skorch.utils.to_tensor(x, device=self.device)
        if not self.module_.training:
            return self.module_(x)
        n_features = self.module_.features.numel()
        return self.module_(x, _uniform(self, (len(x), n_features, 2)))

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return self._target_nll(y_pred, X).sum()

    def _target_nll(self, y_pred, X) -> torch.Tensor:
        module = self.module_
        class_column = 0 if module.autoencoder.class_index is not None else None
        return gaussian_negative_log_likelihood(
            *y_pred, X[:, [module.target_index]], class_column=class_column
        )

    def feature_scores(self, X: torch.Tensor) -> np.ndarray:
        """What closing each feature's gate costs the target's likelihood.

        The increase of the target's negative log-likelihood per sample on
        ``X`` when the gate of one feature is closed, the others kept at
        their keep probabilities (nothing refitted): the feature's value
        for the target given all the others, in the units of the edge price.

        Returns
        -------
        scores : ndarray of shape (n_features,)
        """
        self.module_.eval()
        with torch.no_grad():
            outputs = self.module_.closed_gate_reconstructions(X)
            nll = self._target_nll(outputs, X)
        return (nll[1:] - nll[0]).cpu().numpy().astype(np.float64)


class LocalGraphNet(NeuralNet):
    """One augmented Lagrangian subproblem of GCFS's retraining per epoch.

    The module is a :class:`~sklearn_causal.nn.graph_autoencoder.
    GraphAutoencoder` with probabilistic edges. Every step draws the edges
    of the graph as relaxed Bernoulli samples and minimises, for every
    restart of the module (Eq. 8, with the likelihood for the squared
    error and the expected number of edges for the L1 norm)::

        L = nll(X, X_hat) + lam * sum(P) + mu * h(P) + rho / 2 * h(P)^2

    where ``P`` are the edge probabilities under the mask ``M`` of Eq. 6
    (``GraphAutoencoder.edge_probabilities``) and ``h`` is NOTEARS'
    acyclicity function. In ``h`` the gradient to a pair's existence is
    scaled by how decided its orientation is
    (``GraphAutoencoder.acyclicity_probabilities``), so that the constraint
    orients undecided pairs rather than removing them. Every variable is
    reconstructed.
    :func:`fit_local_graph` sets ``M``, ``mu`` and ``rho``
    (:meth:`set_constraint`) before each epoch and updates them after it.

    Parameters
    ----------
    *args, **kwargs
        Passed to :class:`skorch.NeuralNet`.
    lam : float
        Price of one expected edge, in log-likelihood per sample.
    temperature : float
        Temperature of the relaxed edge draws.
    random_state : numpy.random.RandomState, optional
        Source of the edge draws.
    """

    # The multipliers live on the net's device; see GradientPenaltyNet.
    cuda_dependent_attributes_: ClassVar[list[str]] = ["mu_", "rho_"]

    def __init__(
        self,
        *args,
        lam: float = 0.0,
        temperature: float = 0.5,
        random_state: np.random.RandomState | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lam = lam
        self.temperature = temperature
        self.random_state = random_state

    def set_constraint(self, mask: np.ndarray, mu: np.ndarray, rho: np.ndarray) -> None:
        """Set the mask ``M`` and the multipliers of the next subproblem.

        Parameters
        ----------
        mask : ndarray of shape (n_restarts, d, d)
        mu, rho : ndarray of shape (n_restarts,)
        """
        self.module_.mask.copy_(torch.as_tensor(mask, device=self.device))
        self.mu_ = torch.as_tensor(mu, dtype=torch.float32, device=self.device)
        self.rho_ = torch.as_tensor(rho, dtype=torch.float32, device=self.device)

    def edge_probabilities(self) -> np.ndarray:
        """Edge probabilities ``P`` of every restart, shape (n_restarts, d, d)."""
        with torch.no_grad():
            return self.module_.edge_probabilities().cpu().numpy().astype(np.float64)

    def links(self, threshold: float) -> np.ndarray:
        """The hard graph of every restart, shape (n_restarts, d, d), bool."""
        with torch.no_grad():
            return self.module_.edge_links(threshold).cpu().numpy()

    def acyclicity(self) -> np.ndarray:
        """``h(P)`` of every restart, shape (n_restarts,)."""
        with torch.no_grad():
            h = notears_acyclicity(self.module_.edge_probabilities())
        return h.cpu().numpy().astype(np.float64)

    def infer(self, x, **fit_params):
        x = skorch.utils.to_tensor(x, device=self.device)
        module = self.module_
        if not module.training:
            return module(x)
        uniform = _uniform(self, module.noise_shape)
        return module(x, module.sample_edges(uniform, self.temperature))

    def get_loss(self, y_pred, y_true, X=None, training=False):
        module = self.module_
        probabilities = module.edge_probabilities()
        h = notears_acyclicity(module.acyclicity_probabilities())
        loss = (
            gaussian_negative_log_likelihood(*y_pred, X, module.class_index)
            + self.lam * probabilities.sum(dim=(1, 2))
            + self.mu_ * h
            + 0.5 * self.rho_ * h * h
        )
        return loss.sum()


def _uniform(net, shape) -> torch.Tensor:
    """U(0, 1) draws, strictly inside the interval, from ``net.random_state``."""
    tiny = np.finfo(np.float32).tiny
    draws = net.random_state.uniform(tiny, 1.0 - np.finfo(np.float32).eps, size=shape)
    return torch.as_tensor(draws, dtype=torch.float32, device=net.device)


def update_multipliers(
    mu: np.ndarray,
    rho: np.ndarray,
    h: np.ndarray,
    h_previous: np.ndarray,
    *,
    beta: float,
    gamma: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The augmented Lagrangian updates of GCFS (Eq. 10-11), per restart.

    ``mu <- mu + rho * h`` (Eq. 10), with the ``rho`` of the subproblem just
    solved; then ``rho <- beta * rho`` unless ``|h|`` fell below ``gamma``
    times its previous value (Eq. 11).

    Parameters
    ----------
    mu, rho : ndarray of shape (n_restarts,)
        Multiplier and penalty parameter of the subproblem just solved.
    h, h_previous : ndarray of shape (n_restarts,)
        ``h`` after this subproblem and after the one before (``inf``
        before the first).
    beta : float
        Growth factor of ``rho`` (> 1).
    gamma : float
        Required decrease of ``|h|`` (< 1).

    Returns
    -------
    mu, rho : ndarray of shape (n_restarts,)
        New arrays; the inputs are left untouched.
    """
    mu = mu + rho * h
    rho = np.where(np.abs(h) > gamma * np.abs(h_previous), beta * rho, rho)
    return mu, rho


@dataclass(frozen=True)
class LocalGraph:
    """What :func:`fit_local_graph` learned, for every restart.

    Attributes
    ----------
    edge_probabilities : ndarray of shape (n_restarts, d, d)
        ``P`` at the end (row = cause).
    links : ndarray of bool of shape (n_restarts, d, d)
        The learned local DAG of each restart: the pairs linked with
        probability above ``threshold``, in their more probable direction.
    region : ndarray of bool of shape (n_restarts, d)
        The final local region ``X_pl(T)`` of each restart.
    mu, rho, h : ndarray of shape (n_restarts,)
        Final multiplier, penalty parameter and ``h(P)``.
    converged : ndarray of bool of shape (n_restarts,)
        Whether the restart ended with ``h <= h_tol`` and acyclic links.
    diverged : bool
        Whether a subproblem's loss became NaN or infinite; the loop then
        ended with the weights (and graph) of the iteration before.
    n_iter : int
        Augmented Lagrangian iterations run.
    """

    edge_probabilities: np.ndarray
    links: np.ndarray
    region: np.ndarray
    mu: np.ndarray
    rho: np.ndarray
    h: np.ndarray
    converged: np.ndarray
    diverged: bool
    n_iter: int


def fit_local_graph(
    net: LocalGraphNet,
    X: torch.Tensor,
    target,
    *,
    neighbourhood: int,
    threshold: float,
    mu: float,
    rho: float,
    beta: float,
    gamma: float,
    h_tol: float,
    rho_max: float,
    max_iter: int,
    progress: Progress | None = None,
) -> LocalGraph:
    """GCFS's retraining (Algorithm 1, lines 2-10) as one explicit loop.

    Every iteration, for all restarts at once:

    1. set the mask ``M`` of the local region (Eq. 6) and the multipliers,
       and solve the subproblem (Eq. 9): one ``partial_fit`` of ``net``,
       one epoch of a fixed number of gradient steps;
    2. read the links (pairs linked with probability above ``threshold``, in
       their more probable direction) and grow the region
       ``neighbourhood`` steps from the target through them;
    3. update ``mu`` and ``rho`` (Eq. 10-11, :func:`update_multipliers`);
    4. stop once every restart has ``h <= h_tol``, acyclic links and a
       region that did not change, or has ``rho >= rho_max``; or, keeping
       the previous iteration's weights, once the loss is NaN or infinite.

    The region is grown through the current graph (Algorithm 1, line 4).
    The initial graph links every pair (each direction has probability
    1/4), so the first subproblem's region is every variable: it is
    unmasked. After it the region is the target's neighbourhood in the
    learned links, and from then on it only grows. Starting from the
    target alone instead, the first subproblem could only link the target,
    and every neighbour, which then had no other variable to explain it,
    gained more from an edge out of the target than the target gained from
    an edge into it: the target's parents came out as children, and their
    parents as false spouses (docs/design.md, item 10).

    The size of the region each subproblem worked on, and ``h`` and the
    new ``rho`` after it, are recorded in ``net.history``.

    Parameters
    ----------
    net : LocalGraphNet
        Uninitialised net; its ``max_epochs`` should be 1.
    X : Tensor of shape (n, d)
        The variables (the candidates and the target).
    target : int
        Column of the target.
    neighbourhood : int
        Expansion steps ``Q`` of the local region.
    threshold : float
        Probability above which a pair is linked (in its more probable
        direction).
    mu, rho : float
        Initial multiplier and penalty parameter.
    beta, gamma : float
        See :func:`update_multipliers`.
    h_tol, rho_max : float
        Stopping thresholds ``theta_1`` and ``theta_2``.
    max_iter : int
        Maximum number of iterations.
    progress : Progress or None, default=None
        Told the loss, the largest ``h`` and ``rho`` over the restarts and
        the mean region size after every iteration, and how the loop ended.

    Returns
    -------
    LocalGraph
    """
    net.initialize()
    n_restarts, d = net.module_.n_restarts, net.module_.n_variables
    # Every pair starts linked with probability 1/4 in each direction, so the
    # region grown from the target through the initial graph is every
    # variable: the first subproblem is unmasked.
    region = np.ones((n_restarts, d), dtype=bool)
    mu = np.full(n_restarts, float(mu))
    rho = np.full(n_restarts, float(rho))
    h_previous = np.full(n_restarts, np.inf)
    progress = Progress.silent() if progress is None else progress
    ending = f"max_iter={max_iter} reached"
    with progress:
        for iteration in range(1, max_iter + 1):
            net.set_constraint(local_mask(region), mu, rho)
            state = copy.deepcopy(net.module_.state_dict())
            with user_interrupts():
                net.partial_fit(X)
            net.history.record("region_size", region.sum(axis=1).tolist())
            diverged = not np.isfinite(net.history[-1, "train_loss"])
            if diverged:
                # Keep the last finite weights; their graph is the result.
                net.module_.load_state_dict(state)
            probabilities = net.edge_probabilities()
            h = net.acyclicity()
            links = net.links(threshold)
            if diverged:
                converged = np.zeros(n_restarts, dtype=bool)
                ending = f"a loss became NaN or infinite at iteration {iteration}"
                break
            grown = np.stack(
                [local_neighbourhood(one, target, neighbourhood) for one in links]
            )
            if iteration > 1:
                grown |= region
            changed = (grown != region).any(axis=1)
            region = grown
            mu, rho = update_multipliers(mu, rho, h, h_previous, beta=beta, gamma=gamma)
            h_previous = h
            converged = (h <= h_tol) & np.array([is_acyclic(one) for one in links])
            net.history.record("h", h.tolist())
            net.history.record("rho", rho.tolist())
            progress.update(
                train_loss=net.history[-1, "train_loss"],
                h=h.max(),
                rho=rho.max(),
                region=region.sum(axis=1).mean(),
            )
            if np.all((converged & ~changed) | (rho >= rho_max)):
                ending = (
                    f"stopped at iteration {iteration}: "
                    f"{int(converged.sum())} of {n_restarts} restarts acyclic "
                    "with a settled region"
                )
                break
        progress.close(ending)
    return LocalGraph(
        edge_probabilities=probabilities,
        links=links,
        region=region,
        mu=mu,
        rho=rho,
        h=h,
        converged=converged,
        diverged=diverged,
        n_iter=len(net.history),
    )
