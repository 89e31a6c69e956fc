"""Seeded parameter initialisation (no global random state is touched)."""

from __future__ import annotations

import torch

__all__ = ["uniform_"]


@torch.no_grad()
def uniform_(
    tensor: torch.Tensor, bound: float, generator: torch.Generator | None
) -> torch.Tensor:
    """Fill ``tensor`` in place with U(-bound, bound) draws from ``generator``."""
    return tensor.uniform_(-bound, bound, generator=generator)
