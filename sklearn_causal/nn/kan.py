"""Kolmogorov-Arnold network layers (GRNGC paper, Eq. 3-7).

Each edge ``(o, i)`` of a KAN layer carries its own univariate function

.. math::

    \\phi_{o,i}(x) = W^b_{o,i}\\,\\mathrm{silu}(x)
                   + W^s_{o,i} \\sum_c c_{o,i,c} B_c(x),

a SiLU "base" branch plus a B-spline branch (Eq. 4 and 6), and output ``o``
sums its edges: ``y_o = sum_i phi_{o,i}(x_i)``. The B-splines live on a
uniform grid; outside the grid they vanish and only the base branch remains.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .init import uniform_

__all__ = ["KANLayer", "bspline_basis"]


def bspline_basis(
    x: torch.Tensor, knots: torch.Tensor, order: int, *, derivative: bool = False
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Evaluate every B-spline basis function of ``order`` on uniform ``knots``.

    Parameters
    ----------
    x : Tensor of shape (..., n)
        Points at which to evaluate.
    knots : Tensor of shape (n_knots,)
        Uniformly spaced, increasing knots (already extended by ``order``
        knots on each side of the grid).
    order : int
        Spline order (3 gives cubic splines).
    derivative : bool, default=False
        Also return the derivative of each basis function with respect to
        ``x``.

    Returns
    -------
    basis : Tensor of shape (..., n, n_knots - order - 1)
        ``B_c(x)`` by the Cox-de Boor recursion.
    basis_derivative : Tensor of the same shape
        ``dB_c/dx``, only when ``derivative=True``.
    """
    x = x.unsqueeze(-1)
    basis = ((x >= knots[:-1]) & (x < knots[1:])).to(x.dtype)
    lower = basis
    for k in range(1, order + 1):
        lower = basis
        left = (x - knots[: -(k + 1)]) / (knots[k:-1] - knots[: -(k + 1)])
        right = (knots[k + 1 :] - x) / (knots[k + 1 :] - knots[1:-k])
        basis = left * basis[..., :-1] + right * basis[..., 1:]
    if not derivative:
        return basis
    if order == 0:
        return basis, torch.zeros_like(basis)
    # Uniform knots: dB_{c,k}/dx = (B_{c,k-1} - B_{c+1,k-1}) / h.
    spacing = knots[1] - knots[0]
    basis_derivative = (lower[..., :-1] - lower[..., 1:]) / spacing
    return basis, basis_derivative


class KANLayer(nn.Module):
    """One Kolmogorov-Arnold layer: a learnable univariate function per edge.

    Parameters
    ----------
    in_features, out_features : int
        Number of inputs ``n_{l-1}`` and outputs ``n_l``.
    grid_size : int, default=5
        Number of grid intervals of the B-splines.
    spline_order : int, default=3
        Order of the B-splines.
    grid_range : tuple of float, default=(-3.0, 3.0)
        Interval covered by the grid; inputs are standardized, so this covers
        three standard deviations.
    generator : torch.Generator, optional
        Source of randomness for the initial weights.

    Attributes
    ----------
    base_weight : Parameter of shape (out_features, in_features)
        ``W^b`` of Eq. 4.
    spline_weight : Parameter of shape (out_features, in_features)
        ``W^s`` of Eq. 4.
    spline_coef : Parameter of shape (out_features, in_features, n_basis)
        Control coefficients ``c_i`` of Eq. 4.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        grid_size: int = 5,
        spline_order: int = 3,
        grid_range: tuple[float, float] = (-3.0, 3.0),
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.spline_order = spline_order
        low, high = grid_range
        spacing = (high - low) / grid_size
        knots = low + spacing * torch.arange(
            -spline_order, grid_size + spline_order + 1, dtype=torch.float32
        )
        self.register_buffer("knots", knots)
        n_basis = grid_size + spline_order
        bound = 1.0 / math.sqrt(in_features)
        self.base_weight = nn.Parameter(
            uniform_(torch.empty(out_features, in_features), bound, generator)
        )
        self.spline_weight = nn.Parameter(
            uniform_(torch.empty(out_features, in_features), bound, generator)
        )
        self.spline_coef = nn.Parameter(
            uniform_(torch.empty(out_features, in_features, n_basis), 0.1, generator)
        )

    def _spline_tensor(self) -> torch.Tensor:
        return self.spline_weight.unsqueeze(-1) * self.spline_coef

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the layer to ``x`` of shape (batch, in_features)."""
        basis = bspline_basis(x, self.knots, self.spline_order)
        spline = torch.einsum("bic,oic->bo", basis, self._spline_tensor())
        return nn.functional.silu(x) @ self.base_weight.T + spline

    def forward_with_derivative(
        self, x: torch.Tensor, rows: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Outputs and per-sample Jacobian ``dy_o / dx_i``.

        Parameters
        ----------
        x : Tensor of shape (batch, in_features)
        rows : Tensor of int, optional
            Outputs ``o`` whose Jacobian rows are wanted; all when None.

        Returns
        -------
        y : Tensor of shape (batch, out_features)
        jacobian : Tensor of shape (batch, n_rows, in_features)
            ``W^b_{o,i} silu'(x_i) + W^s_{o,i} sum_c c_{o,i,c} B_c'(x_i)``.
        """
        basis, basis_derivative = bspline_basis(
            x, self.knots, self.spline_order, derivative=True
        )
        spline_tensor = self._spline_tensor()
        sigmoid = torch.sigmoid(x)
        y = (x * sigmoid) @ self.base_weight.T + torch.einsum(
            "bic,oic->bo", basis, spline_tensor
        )
        base_weight = self.base_weight
        if rows is not None:
            base_weight, spline_tensor = base_weight[rows], spline_tensor[rows]
        silu_derivative = sigmoid * (1 + x * (1 - sigmoid))
        jacobian = base_weight * silu_derivative.unsqueeze(1) + torch.einsum(
            "bic,oic->boi", basis_derivative, spline_tensor
        )
        return y, jacobian
