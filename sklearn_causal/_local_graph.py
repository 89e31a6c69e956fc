"""GCFS's local region around a target (Eq. 6) and the blanket of a local DAG."""

from __future__ import annotations

import numpy as np

__all__ = ["blanket_roles", "is_acyclic", "local_mask", "local_neighbourhood"]


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

    Parameters
    ----------
    neighbourhood : ndarray of bool of shape (..., d)
        One region, or a stack of regions.

    Returns
    -------
    mask : ndarray of float32 of shape (..., d, d)
    """
    return (neighbourhood[..., :, None] | neighbourhood[..., None, :]).astype(
        np.float32
    )


def is_acyclic(links: np.ndarray) -> bool:
    """Whether the directed graph ``links`` (row = cause) has no cycle.

    Kahn's algorithm: repeatedly remove the nodes without incoming links.
    """
    in_degree = links.sum(axis=0).astype(int)
    free = list(np.flatnonzero(in_degree == 0))
    removed = 0
    while free:
        node = free.pop()
        removed += 1
        for child in np.flatnonzero(links[node]):
            in_degree[child] -= 1
            if in_degree[child] == 0:
                free.append(child)
    return removed == links.shape[0]


def blanket_roles(
    links: np.ndarray, target: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parents, children and spouses of ``target`` in a DAG (Algorithm 1).

    Parameters
    ----------
    links : ndarray of bool of shape (d, d)
        The DAG (``links[k, j]``: edge ``k -> j``).
    target : int
        The target node.

    Returns
    -------
    parents, children, spouses : ndarray of int
        Sorted node indices; the spouses are the other parents of the
        children that are neither parents nor children themselves.
    """
    parents = np.flatnonzero(links[:, target])
    children = np.flatnonzero(links[target])
    co_parents = np.flatnonzero(links[:, children].any(axis=1))
    spouses = np.setdiff1d(co_parents, [target, *parents, *children])
    return parents, children, spouses
