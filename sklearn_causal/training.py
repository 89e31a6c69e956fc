"""skorch nets that train the causal models.

- :class:`TensorBatches`: mini-batches sliced straight from tensors, without
  per-sample collation (the data sets here are small and the epochs many).
- :class:`GradientPenaltyNet`: forecast loss plus lambda times the L1 penalty
  on the input-output gradients (GRNGC Eq. 14).
"""

from __future__ import annotations

import numpy as np
import torch
from skorch import NeuralNet
from skorch.dataset import unpack_data

from .penalties import gradient_l1_penalty

__all__ = ["GradientPenaltyNet", "TensorBatches"]


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
    """

    def __init__(
        self,
        dataset,
        batch_size: int,
        shuffle: bool = False,
        random_state: np.random.RandomState | None = None,
    ) -> None:
        self.X = dataset.X
        self.y = dataset.y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.random_state = random_state

    def __len__(self) -> int:
        return -(-len(self.X) // self.batch_size)

    def __iter__(self):
        n_rows = len(self.X)
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


class GradientPenaltyNet(NeuralNet):
    """skorch net minimising forecast MSE + lam * gradient L1 penalty.

    The module must be a :class:`~sklearn_causal.nn.backbones.Forecaster`.
    The training loss is GRNGC's Eq. 14 divided by the number of series; the
    validation loss is the forecast criterion alone, so early stopping
    watches held-out forecasts only.

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
    """

    def __init__(
        self,
        *args,
        lam: float = 0.0,
        penalty_rows: int | None = None,
        random_state: np.random.RandomState | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lam = lam
        self.penalty_rows = penalty_rows
        self.random_state = random_state

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
