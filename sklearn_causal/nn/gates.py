"""Relaxed Bernoulli gates: GCFS's feature gates (Eq. 12-16) and edge gates.

Every feature ``n`` has two controller parameters, ``log alpha^1_n`` (keep)
and ``log alpha^0_n`` (drop). A hard choice ``z_n = onehot(argmax(log
alpha^j_n + g_j))`` with Gumbel noise ``g_j = -log(-log u_j)`` (Eq. 14) is
relaxed by a tempered softmax (Eq. 15), and the feature enters the model as
``p^1_n x_n`` (Eq. 16). Without noise, the keep probability is
``alpha^1_n / (alpha^1_n + alpha^0_n)`` (Eq. 12).

:func:`gumbel_sigmoid` is the same relaxation with one logit per gate (the
two-class softmax written as a sigmoid), used for the edges of the graph
autoencoder.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["GumbelSoftmaxGates", "gumbel_sigmoid"]


def gumbel_sigmoid(
    logits: torch.Tensor, uniform: torch.Tensor, temperature: float
) -> torch.Tensor:
    """Relaxed Bernoulli draws ``sigmoid((logits + log u - log(1 - u)) / tau)``.

    ``log u - log(1 - u)`` is logistic noise, the difference of the two
    Gumbel draws of a two-class Gumbel-softmax, so a draw is above 1/2 with
    probability ``sigmoid(logits)`` and approaches a hard 0/1 sample as
    ``tau`` goes to 0 (Maddison et al., 2017; Jang et al., 2017).

    Parameters
    ----------
    logits : Tensor
        Log-odds of the gates.
    uniform : Tensor of the shape of ``logits``
        U(0, 1) draws (strictly inside the interval).
    temperature : float
        ``tau > 0``.

    Returns
    -------
    gates : Tensor of the shape of ``logits``, in (0, 1)
    """
    noise = torch.log(uniform) - torch.log1p(-uniform)
    return torch.sigmoid((logits + noise) / temperature)


class GumbelSoftmaxGates(nn.Module):
    """One keep/drop gate per feature, relaxed with Gumbel noise.

    Parameters
    ----------
    n_features : int
        Number of gated features.
    temperature : float
        Softmax temperature ``tau`` of Eq. 15; small values approach hard
        0/1 gates.

    Attributes
    ----------
    log_alpha : Parameter of shape (n_features, 2)
        ``(log alpha^0_n, log alpha^1_n)``, zero at the start (every gate
        open with probability 1/2).
    """

    def __init__(self, n_features: int, temperature: float) -> None:
        super().__init__()
        self.temperature = temperature
        self.log_alpha = nn.Parameter(torch.zeros(n_features, 2))

    def keep_probabilities(self) -> torch.Tensor:
        """``alpha^1 / (alpha^1 + alpha^0)`` per feature (Eq. 12, no noise)."""
        return torch.softmax(self.log_alpha, dim=1)[:, 1]

    def forward(self, x: torch.Tensor, uniform: torch.Tensor | None) -> torch.Tensor:
        """Gate ``x`` of shape (batch, n_features).

        Parameters
        ----------
        x : Tensor of shape (batch, n_features)
        uniform : Tensor of shape (batch, n_features, 2) or None
            Uniform(0, 1) draws for the Gumbel noise of every sample (Eq.
            14); None gates with the noise-free probabilities (evaluation).

        Returns
        -------
        gated : Tensor of shape (batch, n_features)
            ``p^1_n x_n`` (Eq. 16).
        """
        if uniform is None:
            return x * self.keep_probabilities()
        gumbel = -torch.log(-torch.log(uniform))
        relaxed = torch.softmax((self.log_alpha + gumbel) / self.temperature, dim=-1)
        return x * relaxed[..., 1]
