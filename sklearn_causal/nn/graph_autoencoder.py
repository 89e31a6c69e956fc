"""Graph autoencoder of GCFS (Eq. 4) with probabilistic edges, and its search form.

Every variable ``k`` has its own encoder ``g1_k`` (an MLP from its value to a
latent vector ``H_k``) and its own decoder ``g2_j``; the latent vectors are
mixed through the adjacency matrix before decoding::

    H_k = g1_k(x_k),    H'_j = sum_k A[k, j] H_k,    x_hat_j = g2_j(H'_j)

so ``A[k, j]`` carries the edge ``k -> j`` (row = cause). The paper learns a
real-valued ``A``. Here every edge is a gate instead, as in masked
gradient-based structure learning (MCSL, Ng et al. 2022, which GCFS cites
for its mask): ``A[k, j]`` is a draw of a relaxed Bernoulli variable (a
Gumbel-sigmoid sample, Maddison et al. 2017) with a learned probability. A
probability has a scale of its own, so the encoders and decoders can be free
MLPs: with a real-valued ``A`` a decoder could grow while its column of
``A`` shrinks, and neither the L1 penalty nor the acyclicity function would
then mean anything.

Each unordered pair ``{k, j}`` carries two learned logits, as in ENCO
(Lippe et al. 2022): whether the pair is linked, ``sigmoid(theta_kj)``, and
which way it points, ``sigmoid(phi_kj)`` for ``k -> j`` and
``sigmoid(-phi_kj)`` for ``j -> k``. The edge ``k -> j`` has probability
``sigmoid(theta_kj) sigmoid(phi_kj)``. With one free probability per
ordered pair instead, a pair whose two variables explain each other equally
well kept both directions at the same probability until the acyclicity
penalty removed both at once, and single-parent targets lost their parent
(docs/design.md gives the measurements behind both changes).

The ``d`` encoders and decoders are stored as stacked weight tensors and run
as one batched tensor computation. Several independent restarts of the whole
model (``n_restarts``) are stacked the same way, so that they train as one
computation on the same mini-batches. The diagonal of ``A`` is held at zero.

A categorical variable (a class target) enters the graph as one node whose
value is its one-hot indicator vector: its encoder reads that vector and its
decoder returns class logits.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .gates import GumbelSoftmaxGates, gumbel_sigmoid
from .init import uniform_

__all__ = ["GatedGraphAutoencoder", "GraphAutoencoder"]


class _StackedMLP(nn.Module):
    """``n_models`` independent two-layer SiLU MLPs evaluated together.

    Input (n_models, in_features, batch) -> output (n_models, out_features,
    batch): model ``m`` only sees slice ``[m]``. Samples run along the last
    axis, so every layer is one batched product of a small weight matrix
    with a wide block of samples, the shape CPU matrix kernels handle best.
    Weights and biases start as U(-1/sqrt(fan_in), 1/sqrt(fan_in)) draws, as
    in ``torch.nn.Linear``.
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
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for fan_in, fan_out in sizes:
            bound = 1.0 / math.sqrt(fan_in)
            weight = uniform_(torch.empty(n_models, fan_out, fan_in), bound, generator)
            bias = uniform_(torch.empty(n_models, fan_out, 1), bound, generator)
            self.weights.append(nn.Parameter(weight))
            self.biases.append(nn.Parameter(bias))

    def forward(self, x: torch.Tensor, models: torch.Tensor | None = None):
        """Apply the MLPs; ``models`` selects a subset of them (by index)."""
        last = len(self.weights) - 1
        for depth, (weight, bias) in enumerate(
            zip(self.weights, self.biases, strict=True)
        ):
            if models is not None:
                weight, bias = weight[models], bias[models]
            x = torch.baddbmm(bias, weight, x)
            if depth < last:
                x = nn.functional.silu(x)
        return x


class GraphAutoencoder(nn.Module):
    """``x_hat = g2(A^T g1(X))`` with gated edges, one MLP pair per variable.

    Parameters
    ----------
    n_variables : int
        Number of variables ``d`` (columns of the input).
    hidden_units : int, default=8
        Hidden width of every encoder and decoder.
    latent_dim : int, default=8
        Dimension ``l'`` of the latent vector of a variable.
    n_restarts : int, default=1
        Independent copies of the whole model (weights and edges), trained
        side by side.
    class_index : int or None, default=None
        Column holding a categorical variable (integer class codes), if any.
    n_classes : int or None, default=None
        Number of classes of that variable.
    random_state : int, default=0
        Seed of the initial weights.

    Attributes
    ----------
    edge_logits : Parameter of shape (n_restarts, n_variables, n_variables)
        ``theta``: the pair ``{k, j}`` (``k < j``, upper triangle; the rest
        is unused) of restart ``r`` is linked with probability
        ``sigmoid(edge_logits[r, k, j])``; zero at the start.
    orientation_logits : Parameter of the same shape
        ``phi``: a linked pair ``{k, j}`` (``k < j``) points ``k -> j`` with
        probability ``sigmoid(orientation_logits[r, k, j])``; zero at the
        start (both directions equally likely).
    mask : buffer of shape (n_restarts, n_variables, n_variables)
        ``M`` of Eq. 6 for each restart: edges where it is zero are absent.
    """

    def __init__(
        self,
        n_variables: int,
        hidden_units: int = 8,
        latent_dim: int = 8,
        n_restarts: int = 1,
        class_index: int | None = None,
        n_classes: int | None = None,
        random_state: int = 0,
    ) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(random_state)
        self.n_variables = n_variables
        self.latent_dim = latent_dim
        self.n_restarts = n_restarts
        self.class_index = class_index
        self.n_classes = n_classes
        n_models = n_restarts * n_variables
        self.encoders = _StackedMLP(n_models, 1, hidden_units, latent_dim, generator)
        self.decoders = _StackedMLP(n_models, latent_dim, hidden_units, 1, generator)
        if class_index is not None:
            self.class_encoder = _StackedMLP(
                n_restarts, n_classes, hidden_units, latent_dim, generator
            )
            self.class_decoder = _StackedMLP(
                n_restarts, latent_dim, hidden_units, n_classes, generator
            )
        # Only the upper triangles of the two logit matrices are used: one
        # existence logit and one orientation logit per unordered pair.
        self.edge_logits = nn.Parameter(
            torch.zeros(n_restarts, n_variables, n_variables)
        )
        self.orientation_logits = nn.Parameter(
            torch.zeros(n_restarts, n_variables, n_variables)
        )
        self.register_buffer(
            "upper", torch.triu(torch.ones(n_variables, n_variables), 1)
        )
        self.register_buffer("off_diagonal", 1.0 - torch.eye(n_variables))
        self.register_buffer("mask", torch.ones(n_restarts, n_variables, n_variables))

    @property
    def noise_shape(self) -> tuple[int, ...]:
        """Shape of the U(0, 1) noise :meth:`sample_edges` takes."""
        return (2, *self.edge_logits.shape)

    def _pair_logits(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Symmetric existence and antisymmetric orientation logits."""
        existence = self.edge_logits * self.upper
        orientation = self.orientation_logits * self.upper
        return (
            existence + existence.transpose(1, 2),
            orientation - orientation.transpose(1, 2),
        )

    def edge_probabilities(self) -> torch.Tensor:
        """``P[k, j]``: probability of the edge ``k -> j`` under the mask.

        The probability that the pair exists times the probability that it
        points from ``k`` to ``j``; zero on the diagonal, per restart. The
        two directions of a pair sum to its existence probability.
        """
        existence, orientation = self._pair_logits()
        probabilities = torch.sigmoid(existence) * torch.sigmoid(orientation)
        return probabilities * (self.off_diagonal * self.mask)

    def acyclicity_probabilities(self) -> torch.Tensor:
        """:meth:`edge_probabilities` as the acyclicity penalty sees them.

        The values are the edge probabilities ``P``; only the gradient that
        ``h(P)`` sends to a pair's existence is scaled by ``(2 o - 1)^2``,
        ``o`` its orientation probability. Two variables that explain each
        other equally well (a linear Gaussian pair outside any v-structure)
        keep ``o`` near 1/2, where ``h``'s gradient on ``o`` vanishes and its
        gradient on the existence does not: without the scaling the
        constraint removes the edge instead of orienting it. With it, ``h``
        orients an undecided pair and removes edges of decided ones (the
        cycles that orientation alone cannot break).
        """
        existence, orientation = self._pair_logits()
        exists = torch.sigmoid(existence)
        points = torch.sigmoid(orientation)
        decided = ((2.0 * points - 1.0) ** 2).detach()
        exists = decided * exists + (1.0 - decided) * exists.detach()
        return exists * points * (self.off_diagonal * self.mask)

    def edge_links(self, threshold: float) -> torch.Tensor:
        """The hard graph: ``k -> j`` where the pair exists and points to ``j``.

        A pair exists when its existence probability exceeds ``threshold``;
        it points from ``k`` to ``j`` when its orientation probability
        exceeds 1/2. A pair is linked in one direction at most.
        """
        existence, orientation = self._pair_logits()
        keep = (torch.sigmoid(existence) > threshold) & (orientation > 0)
        return keep & (self.off_diagonal * self.mask > 0)

    def sample_edges(self, uniform: torch.Tensor, temperature: float) -> torch.Tensor:
        """Relaxed edge draws from U(0, 1) noise of shape :attr:`noise_shape`.

        One existence draw per pair, and one orientation draw whose two
        directions are complementary (the logistic noise of ``1 - u`` is
        minus that of ``u``), so a draw never holds both directions at full
        weight. The diagonal's noise is unused (any value inside (0, 1)).
        """
        existence, orientation = self._pair_logits()
        pair_noise = torch.triu(uniform[0], 1)
        flip_noise = torch.triu(uniform[1], 1)
        unused = 0.5 * (1.0 - self.off_diagonal)
        pair_noise = pair_noise + pair_noise.transpose(1, 2) + unused
        flip_noise = (
            flip_noise + (1.0 - flip_noise.transpose(1, 2)) * self.upper.T + unused
        )
        exists = gumbel_sigmoid(existence, pair_noise, temperature)
        points = gumbel_sigmoid(orientation, flip_noise, temperature)
        return exists * points * (self.off_diagonal * self.mask)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Latent vectors of shape (n_restarts, n_variables, latent_dim, batch)."""
        restarts, d = self.n_restarts, self.n_variables
        values = x.T.unsqueeze(1).repeat(restarts, 1, 1)
        latent = self.encoders(values).reshape(restarts, d, self.latent_dim, -1)
        if self.class_index is not None:
            codes = x[:, self.class_index].long()
            one_hot = nn.functional.one_hot(codes, self.n_classes).to(x.dtype)
            class_latent = self.class_encoder(
                one_hot.T.unsqueeze(0).expand(restarts, -1, -1)
            )
            latent = torch.cat(
                [
                    latent[:, : self.class_index],
                    class_latent.unsqueeze(1),
                    latent[:, self.class_index + 1 :],
                ],
                dim=1,
            )
        return latent

    def forward(
        self, x: torch.Tensor, edges: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Reconstruct every variable through the graph ``edges``.

        Parameters
        ----------
        x : Tensor of shape (batch, n_variables)
            Numeric values, and integer codes in the categorical column.
        edges : Tensor of shape (n_restarts, n_variables, n_variables), optional
            The adjacency ``A`` of each restart (row = cause): sampled gates
            during training, the links of the learned graph when it is read.
            None uses the edge probabilities.

        Returns
        -------
        reconstruction : Tensor of shape (n_restarts, batch, n_variables)
            ``x_hat_j`` for numeric variables (zeros in the categorical
            column).
        class_logits : Tensor of shape (n_restarts, batch, n_classes) or None
            Logits of the categorical variable.
        """
        if edges is None:
            edges = self.edge_probabilities()
        latent = self.encode(x)
        restarts, d, latent_dim, batch = latent.shape
        messages = torch.bmm(edges.transpose(1, 2), latent.reshape(restarts, d, -1))
        messages = messages.reshape(restarts, d, latent_dim, batch)
        return self.decode(messages, torch.arange(d, device=x.device))

    def decode(
        self, messages: torch.Tensor, variables: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Decode the messages of ``variables``.

        Parameters
        ----------
        messages : Tensor of shape (n_restarts, n_outputs, latent_dim, batch)
            ``H'_j`` of each restart for the variables ``variables``.
        variables : Tensor of int of shape (n_outputs,)
            The variables whose messages these are.

        Returns
        -------
        reconstruction : Tensor of shape (n_restarts, batch, n_outputs)
            Zeros in the column of the categorical variable.
        class_logits : Tensor of shape (n_restarts, batch, n_classes) or None
            Logits of the categorical variable when it is among ``variables``.
        """
        restarts, n_outputs, latent_dim, batch = messages.shape
        models = (
            torch.arange(restarts, device=messages.device)[:, None] * self.n_variables
            + variables
        ).flatten()
        reconstruction = self.decoders(
            messages.reshape(restarts * n_outputs, latent_dim, batch), models
        )
        reconstruction = reconstruction.reshape(restarts, n_outputs, batch)
        reconstruction = reconstruction.transpose(1, 2)
        class_logits = None
        is_class = variables == self.class_index
        if self.class_index is not None and bool(is_class.any()):
            position = int(torch.nonzero(is_class)[0, 0])
            class_logits = self.class_decoder(messages[:, position]).transpose(1, 2)
            reconstruction = reconstruction.masked_fill(is_class, 0.0)
        return reconstruction, class_logits


class GatedGraphAutoencoder(nn.Module):
    """GCFS search phase: gated features reconstruct the target (Eq. 12-16).

    Every variable but the target is multiplied by its Gumbel-softmax gate;
    the gated variables send their messages to the target through a graph
    autoencoder whose edges into the target are all present (``H'_T =
    sum_k H_k``), and the target alone is decoded.

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
        hidden_units: int = 8,
        latent_dim: int = 8,
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
        """Target reconstruction from gated features (noise-free if None).

        Returns the ``(reconstruction, class_logits)`` pair of
        :meth:`GraphAutoencoder.decode` for the target alone.
        """
        latent = self._feature_latents(x, uniform)
        message = latent.sum(dim=1, keepdim=True)
        return self.autoencoder.decode(message, self.target)

    def _feature_latents(
        self, x: torch.Tensor, uniform: torch.Tensor | None
    ) -> torch.Tensor:
        """Latent vectors of the gated features, (1, n_features, latent_dim, batch)."""
        gated = x.clone()
        gated[:, self.features] = self.gates(x[:, self.features], uniform)
        return self.autoencoder.encode(gated)[:, self.features]

    def closed_gate_reconstructions(
        self, x: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Noise-free target reconstructions with each gate closed in turn.

        Closing the gate of feature ``k`` replaces ``p^1_k x_k`` by 0 (Eq.
        16), so only ``k``'s message changes; all the reconstructions come
        from one batched decoding.

        Returns
        -------
        reconstruction : Tensor of shape (n_features + 1, batch, 1)
            First with every gate as learned, then with the gate of each
            feature closed.
        class_logits : Tensor of shape (n_features + 1, batch, n_classes) or None
        """
        latent = self._feature_latents(x, None)[0]
        closed = x.clone()
        closed[:, self.features] = 0.0
        closed_latent = self.autoencoder.encode(closed)[0, self.features]
        message = latent.sum(dim=0)
        messages = torch.cat(
            [message[None], message[None] - latent + closed_latent], dim=0
        )
        n_messages, latent_dim, batch = messages.shape
        flat = messages.transpose(0, 1).reshape(1, 1, latent_dim, n_messages * batch)
        reconstruction, logits = self.autoencoder.decode(flat, self.target)
        reconstruction = reconstruction.reshape(n_messages, batch, 1)
        if logits is not None:
            logits = logits.reshape(n_messages, batch, -1)
        return reconstruction, logits
