"""Warnings that point at the user's line, not at the package's.

``warnings.warn(stacklevel=k)`` needs ``k`` to be the depth of the user's
call, which depends on the path that reached the warning (``fit`` directly,
through scikit-learn's ``_fit_context``, a ``Pipeline``, ``GridSearchCV``).
:func:`warn` walks the stack instead, past every frame of this package and
of the libraries it runs inside, and attributes the warning to the first
frame outside them.
"""

from __future__ import annotations

import os
import sys
import warnings

import joblib
import sklearn
import skorch
import torch

__all__ = ["warn"]

_INTERNAL_DIRS = tuple(
    os.path.dirname(module.__file__) + os.sep
    for module in (sys.modules[__package__], sklearn, skorch, torch, joblib)
)


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """Issue ``message`` attributed to the caller's code.

    Parameters
    ----------
    message : str
        The warning text; name columns and parameters as the user did.
    category : Warning subclass, default=UserWarning
        The warning class.
    """
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(
        _INTERNAL_DIRS
    ):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level + 1)
