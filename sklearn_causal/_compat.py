"""scikit-learn's private names the package relies on, imported in one place.

scikit-learn may move or rename these between releases; if it does, this is
the only module to change.

- ``_fit_context``: the decorator that validates ``__init__`` parameters
  against ``_parameter_constraints`` once per ``fit`` (and skips nested
  validation).
- ``Interval`` and ``StrOptions``: the constraint types of
  ``_parameter_constraints``.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

__all__ = ["Interval", "StrOptions", "_fit_context"]
