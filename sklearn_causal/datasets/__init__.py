"""Data sets with a known causal graph: generators and bundled loaders.

Every graph returned here is a boolean adjacency matrix with
``graph[i, j] == True`` iff variable ``i`` causes variable ``j``
(row = cause, column = effect, as a networkx adjacency matrix).
"""

from ._dag import make_dag, make_dag_classification, make_dag_data
from ._fmri import make_fmri_bold
from ._gene_network import make_gene_regulatory_series
from ._loaders import load_dream4, load_netsim, load_sachs
from ._time_series import make_lorenz96, make_nonlinear_var

__all__ = [
    "load_dream4",
    "load_netsim",
    "load_sachs",
    "make_dag",
    "make_dag_classification",
    "make_dag_data",
    "make_fmri_bold",
    "make_gene_regulatory_series",
    "make_lorenz96",
    "make_nonlinear_var",
]
