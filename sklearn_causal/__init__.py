"""sklearn-causal: neural causal discovery and causal feature selection.

Estimators
----------
GrangerGRNGC
    Granger causality between time series from the gradients of one
    forecasting network (Liu et al., GRNGC).
MarkovBlanketGCFS
    Causal feature selection: the Markov blanket of a target variable found
    by gradient-based local structure learning (Ling et al., GCFS).

Functions
---------
markov_blankets
    The Markov blankets of many targets, one GCFS fit each, through joblib
    (so on any joblib backend: local processes, dask, ray).
"""

from ._many_targets import markov_blankets
from ._version import __version__
from .granger import GrangerGRNGC
from .markov_blanket import MarkovBlanketGCFS

__all__ = ["GrangerGRNGC", "MarkovBlanketGCFS", "__version__", "markov_blankets"]
