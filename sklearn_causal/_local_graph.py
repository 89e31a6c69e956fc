"""GCFS's local search region around a target (Eq. 6, ``get_MBGraph``)."""

from __future__ import annotations

import numpy as np

__all__ = ["local_mask", "local_neighbourhood"]


def local_neighbourhood(links: np.ndarray, target, n_steps: int) -> np.ndarray:
    """Variables within ``n_steps`` links of ``target``, directions ignored.

    Parameters
    ----------
    links : ndarray of bool of shape (d, d)
        Current links (``links[k, j]``: edge ``k -> j``).
    target : int or array of int
        Index of the target (or indices of several, grown together).
    n_steps : int
        Number of expansion steps ``Q``.

    Returns
    -------
    neighbourhood : ndarray of bool of shape (d,)
        ``X_pl(T)``, the target included.
    """
    skeleton = links | links.T
    neighbourhood = np.zeros(links.shape[0], dtype=bool)
    neighbourhood[target] = True
    for _ in range(n_steps):
        grown = neighbourhood | skeleton[neighbourhood].any(axis=0)
        if np.array_equal(grown, neighbourhood):
            break
        neighbourhood = grown
    return neighbourhood


def local_mask(neighbourhood: np.ndarray) -> np.ndarray:
    """Mask of Eq. 6: edges with at least one end in the neighbourhood.

    ``M[j, k] = 0`` when neither ``j`` nor ``k`` is in ``X_pl(T)``, else 1.
    """
    return (neighbourhood[:, None] | neighbourhood[None, :]).astype(np.float32)
