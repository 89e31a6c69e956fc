"""Graph autoencoder of GCFS (Eq. 4) and its gated form for the search phase.

Every variable ``k`` has its own encoder ``g1_k`` (an MLP from its value to a
latent vector ``H_k``) and its own decoder ``g2_j``; the latent vectors are
mixed through the weighted adjacency matrix ``A`` before decoding::

    H_k = g1_k(x_k),    H'_j = sum_k A[k, j] H_k,    x_hat_j = g2_j(H'_j)

so ``A[k, j]`` weighs the edge ``k -> j`` (row = cause). The ``d`` encoders
and decoders are stored as stacked weight tensors and run as one batched
tensor computation, never as a Python loop over variables. The diagonal of
``A`` is held at zero (a variable must not reconstruct itself).

With free MLP weights ``A`` would have no scale: shrinking a column of ``A``
while the decoder of that column grows by the same factor leaves every
reconstruction unchanged, so the L1 penalty and the acyclicity function
would drive ``A`` towards zero without removing a single edge, and no edge
threshold would mean anything. Every weight matrix of the encoders and
decoders therefore keeps a fixed Frobenius norm (its expected norm at
initialisation; only its direction and the biases are learned), so the MLPs
cannot absorb a rescaling and ``|A[k, j]|`` measures the edge.

A categorical variable (a class target) enters the graph as one node whose
value is its one-hot indicator vector: its encoder reads that vector and its
decoder returns class logits.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .gates import GumbelSoftmaxGates
from .init import uniform_

__all__ = ["GatedGraphAutoencoder", "GraphAutoencoder"]


class _StackedMLP(nn.Module):
    """``n_models`` independent two-layer SiLU MLPs evaluated together.

    Input (n_models, in_features, batch) -> output (n_models, out_features,
    batch): model ``m`` only sees slice ``[m]``. Samples run along the last
    axis, so every layer is one batched product of a small weight matrix
    with a wide block of samples, the shape CPU matrix kernels handle best
    (the four layers' forward and backward passes take 0.7 of the time
    they take with the samples on the middle axis, here). Each weight
    matrix is ``norm * V / ||V||_F`` with a fixed ``norm`` (the expected
    Frobenius norm of the uniform initialisation), so the gain of every MLP
    is bounded and cannot compensate a rescaled adjacency matrix.
    """

    def __init__(
        self,
        n_models: int,
        in_features: int,
        hidden_units: int,
        out_features: int,
        generator: torch.Generator,
    ) -> None:
        super().__init__()
        sizes = ((in_features, hidden_units), (hidden_units, out_features))
        self.directions = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.norms = []
        for fan_in, fan_out in sizes:
            bound = 1.0 / math.sqrt(fan_in)
            # Drawn as (fan_in, fan_out) blocks and stored transposed, as
            # (fan_out, fan_in) matrices that multiply the samples' columns.
            direction = uniform_(
                torch.empty(n_models, fan_in, fan_out), bound, generator
            )
            bias = uniform_(torch.empty(n_models, 1, fan_out), bound, generator)
            self.directions.append(nn.Parameter(direction.transpose(1, 2).contiguous()))
            self.biases.append(nn.Parameter(bias.transpose(1, 2).contiguous()))
            self.norms.append(math.sqrt(fan_out / 3.0))

    def forward(self, x: torch.Tensor, models: torch.Tensor | None = None):
        """Apply the MLPs; ``models`` selects a subset of them (by index)."""
        last = len(self.directions) - 1
        for depth, (direction, bias, norm) in enumerate(
            zip(self.directions, self.biases, self.norms, strict=True)
        ):
            if models is not None:
                direction, bias = direction[models], bias[models]
            weight = (
                direction * (norm / direction.flatten(1).norm(dim=1))[:, None, None]
            )
            x = torch.baddbmm(bias, weight, x)
            if depth < last:
                x = nn.functional.silu(x)
        return x


class GraphAutoencoder(nn.Module):
    """``x_hat = g2(A^T g1(X))`` with one encoder and decoder per variable.

    Parameters
    ----------
    n_variables : int
        Number of variables ``d`` (columns of the input).
    hidden_units : int, default=16
        Hidden width of every encoder and decoder.
    latent_dim : int, default=4
        Dimension ``l'`` of the latent vector of a variable.
    class_index : int or None, default=None
        Column holding a categorical variable (integer class codes), if any.
    n_classes : int or None, default=None
        Number of classes of that variable.
    random_state : int, default=0
        Seed of the initial weights.

    Attributes
    ----------
    adjacency : Parameter of shape (n_variables, n_variables)
        ``A``; only its off-diagonal entries are used.
    """

    def __init__(
        self,
        n_variables: int,
        hidden_units: int = 16,
        latent_dim: int = 4,
        class_index: int | None = None,
        n_classes: int | None = None,
        random_state: int = 0,
    ) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(random_state)
        self.n_variables = n_variables
        self.latent_dim = latent_dim
        self.class_index = class_index
        self.adjacency = nn.Parameter(
            uniform_(torch.empty(n_variables, n_variables), 0.1, generator)
        )
        self.encoders = _StackedMLP(n_variables, 1, hidden_units, latent_dim, generator)
        self.decoders = _StackedMLP(n_variables, latent_dim, hidden_units, 1, generator)
        self.register_buffer("off_diagonal", 1.0 - torch.eye(n_variables))
        self.register_buffer("mask", torch.ones(n_variables, n_variables))
        if class_index is not None:
            self.n_classes = n_classes
            self.class_encoder = _StackedMLP(
                1, n_classes, hidden_units, latent_dim, generator
            )
            self.class_decoder = _StackedMLP(
                1, latent_dim, hidden_units, n_classes, generator
            )

    def masked_adjacency(self) -> torch.Tensor:
        """``M o A`` with a zero diagonal: the graph the model uses."""
        return self.adjacency * self.off_diagonal * self.mask

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Latent vectors ``H`` of shape (n_variables, latent_dim, batch)."""
        latent = self.encoders(x.T.unsqueeze(1))
        if self.class_index is not None:
            codes = x[:, self.class_index].long()
            one_hot = nn.functional.one_hot(codes, self.n_classes).to(x.dtype)
            class_latent = self.class_encoder(one_hot.T.unsqueeze(0))
            latent = torch.cat(
                [
                    latent[: self.class_index],
                    class_latent,
                    latent[self.class_index + 1 :],
                ]
            )
        return latent

    def forward(
        self, x: torch.Tensor, outputs: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Reconstruct the variables ``outputs`` (all when None).

        Parameters
        ----------
        x : Tensor of shape (batch, n_variables)
            Numeric values, and integer codes in the categorical column.
        outputs : Tensor of int, optional
            Variables to reconstruct.

        Returns
        -------
        reconstruction : Tensor of shape (batch, n_outputs)
            ``x_hat_j`` for numeric variables (the categorical column, if
            among the outputs, holds zeros).
        class_logits : Tensor of shape (batch, n_classes) or None
            Logits of the categorical variable when it is among the outputs.
        """
        adjacency = self.masked_adjacency()
        if outputs is not None:
            adjacency = adjacency[:, outputs]
        return self.decode(self.propagate(self.encode(x), adjacency), outputs)

    @staticmethod
    def propagate(latent: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        """Messages ``H'_j = sum_k A[k, j] H_k`` for the columns of ``adjacency``.

        Parameters
        ----------
        latent : Tensor of shape (n_variables, latent_dim, batch)
            Latent vectors from :meth:`encode`.
        adjacency : Tensor of shape (n_variables, n_outputs)
            Columns of ``M o A`` of the variables to reconstruct.

        Returns
        -------
        messages : Tensor of shape (n_outputs, latent_dim, batch)
        """
        n_variables, latent_dim, batch = latent.shape
        return (adjacency.T @ latent.reshape(n_variables, -1)).reshape(
            -1, latent_dim, batch
        )

    def decode(
        self, messages: torch.Tensor, outputs: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Decode the messages of the variables ``outputs`` (all when None).

        Returns the ``(reconstruction, class_logits)`` pair of :meth:`forward`.
        """
        reconstruction = self.decoders(messages, outputs).squeeze(1).T
        class_logits = None
        if self.class_index is not None:
            columns = (
                torch.arange(self.n_variables, device=messages.device)
                if outputs is None
                else outputs
            )
            is_class = columns == self.class_index
            if bool(is_class.any()):
                position = int(torch.nonzero(is_class)[0, 0])
                class_logits = (
                    self.class_decoder(messages[position : position + 1]).squeeze(0).T
                )
                reconstruction = reconstruction.masked_fill(is_class, 0.0)
        return reconstruction, class_logits


class GatedGraphAutoencoder(nn.Module):
    """GCFS search phase: gated features reconstruct the target (Eq. 12-16).

    Every variable but the target is multiplied by its Gumbel-softmax gate,
    then the graph autoencoder reconstructs the target alone.

    Parameters
    ----------
    n_variables : int
        Number of variables, target included.
    target_index : int
        Column of the target.
    temperature : float
        Gumbel-softmax temperature ``tau``.
    hidden_units, latent_dim, class_index, n_classes, random_state
        As for :class:`GraphAutoencoder`.
    """

    def __init__(
        self,
        n_variables: int,
        target_index: int,
        temperature: float = 0.5,
        hidden_units: int = 16,
        latent_dim: int = 4,
        class_index: int | None = None,
        n_classes: int | None = None,
        random_state: int = 0,
    ) -> None:
        super().__init__()
        self.target_index = target_index
        self.gates = GumbelSoftmaxGates(n_variables - 1, temperature)
        self.autoencoder = GraphAutoencoder(
            n_variables,
            hidden_units=hidden_units,
            latent_dim=latent_dim,
            class_index=class_index,
            n_classes=n_classes,
            random_state=random_state,
        )
        features = [k for k in range(n_variables) if k != target_index]
        self.register_buffer("features", torch.tensor(features))
        self.register_buffer("target", torch.tensor([target_index]))

    def forward(
        self, x: torch.Tensor, uniform: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Target reconstruction from gated features (noise-free if None)."""
        gated = x.clone()
        gated[:, self.features] = self.gates(x[:, self.features], uniform)
        return self.autoencoder(gated, self.target)
