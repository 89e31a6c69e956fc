"""Private helpers shared by the data set generators and loaders."""

from __future__ import annotations

import numbers
from importlib import resources

import numpy as np
from sklearn.utils import check_scalar

_PACKAGE = "sklearn_causal.datasets"


def _check_int(
    value: object,
    name: str,
    *,
    min_val: int | None = None,
    max_val: int | None = None,
) -> int:
    """Validate an integer parameter, rejecting bools and floats."""
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be an integer, got {value!r}.")
    check_scalar(value, name, numbers.Integral, min_val=min_val, max_val=max_val)
    return int(value)


def _check_float(
    value: object,
    name: str,
    *,
    min_val: float | None = None,
    max_val: float | None = None,
    include_boundaries: str = "both",
) -> float:
    """Validate a finite real parameter."""
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be a real number, got {value!r}.")
    check_scalar(
        value,
        name,
        numbers.Real,
        min_val=min_val,
        max_val=max_val,
        include_boundaries=include_boundaries,
    )
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}.")
    return float(value)


def _data_path(filename: str):
    """Traversable pointing to a file bundled in ``datasets/data``."""
    return resources.files(_PACKAGE).joinpath("data", filename)


def _load_descr(filename: str) -> str:
    """Read a long description bundled in ``datasets/descr``."""
    return (
        resources.files(_PACKAGE)
        .joinpath("descr", filename)
        .read_text(encoding="utf-8")
    )


def _to_frame(data: np.ndarray, columns: list[str]):
    """Wrap ``data`` in a pandas DataFrame; pandas is imported lazily."""
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on environment
        raise ImportError(
            "as_frame=True requires pandas; install it with `pip install pandas`."
        ) from exc
    return pd.DataFrame(data, columns=columns)


def _standardize(Z: np.ndarray) -> np.ndarray:
    """Centre and scale each column to unit (population) variance.

    Constant columns are only centred.
    """
    Z = np.asarray(Z, dtype=float)
    mean = Z.mean(axis=0)
    std = Z.std(axis=0)
    std[std < 1e-12] = 1.0
    return (Z - mean) / std
