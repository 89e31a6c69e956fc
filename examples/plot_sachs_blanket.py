"""
Sachs protein network: one protein's Markov blanket
===================================================

Sachs et al. (2005) measured 11 phosphorylated proteins and phospholipids
in 7466 single cells; the literature gives a consensus signalling network
over them. Here :class:`~sklearn_causal.MarkovBlanketGCFS` finds the Markov
blanket of one protein, PKA (the kinase that regulates six of the others in
the consensus network), from the measurements alone, with its default
settings (``lam="auto"``, the BIC price of an edge; nothing is tuned). The
consensus network is used only afterwards, to draw the true blanket and to
score the found one.
"""

# %%
# The target is passed as ``y``; the other ten columns are the features.
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np

from sklearn_causal import MarkovBlanketGCFS
from sklearn_causal.datasets import load_sachs
from sklearn_causal.metrics import markov_blanket, selection_scores
from sklearn_causal.plotting import BLANKET_COLORS, plot_markov_blanket

sachs = load_sachs(as_frame=True)
names = sachs.feature_names
target = "PKA"
X, y = sachs.frame.drop(columns=target), sachs.frame[target]
mb = MarkovBlanketGCFS(target=target, random_state=0).fit(X, y)
print(f"lam_ = {mb.lam_:.5f}, augmented Lagrangian iterations: {mb.n_iter_}")
for role in ("parents_", "children_", "spouses_"):
    print(f"{role:10s} {getattr(mb, role).tolist()}")

# %%
# The consensus graph (18 edges, with a feedback loop among plcg, PIP2 and
# PIP3) and the true blanket of PKA read from it with
# :func:`~sklearn_causal.metrics.markov_blanket`.
graph = nx.from_numpy_array(sachs.graph.astype(int), create_using=nx.DiGraph)
graph = nx.relabel_nodes(graph, dict(enumerate(names)))
t = names.index(target)
truth = [names[k] for k in markov_blanket(sachs.graph, t)]
true_roles = {names[k]: "parent" for k in np.flatnonzero(sachs.graph[:, t])}
true_roles |= {names[k]: "child" for k in np.flatnonzero(sachs.graph[t])}
true_roles |= {name: "spouse" for name in truth if name not in true_roles}
true_roles[target] = "target"

precision, recall, f1 = selection_scores(truth, mb.markov_blanket_)
print(f"true blanket: {truth}")
print(f"precision {precision:.2f}, recall {recall:.2f}, F1 {f1:.2f}")

# %%
# Left: the blanket found, coloured by the role the learned DAGs give each
# protein. A protein is in the blanket when the vote of the four restarts
# and the search puts it there (``blanket_votes_``), with the role most of
# the restarts that put it there gave it, but an edge is drawn only when
# more than half of the restarts hold it in that direction: a protein whose
# link to PKA the restarts orient both ways (two and two) appears without
# an edge. Right: the consensus network, the true blanket coloured the same
# way, the proteins outside it in grey.
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5.5))
plot_markov_blanket(mb, ax=left)
left.set_title(f"MarkovBlanketGCFS: blanket of {target}")
colors = [BLANKET_COLORS[true_roles.get(n, "candidate")] for n in graph.nodes]
nx.draw_networkx(
    graph,
    pos=nx.circular_layout(graph),
    ax=right,
    node_color=colors,
    node_size=900,
    font_size=8,
    edge_color="grey",
    arrowsize=12,
)
for role, color in BLANKET_COLORS.items():
    label = "outside the blanket" if role == "candidate" else role
    right.scatter([], [], color=color, label=label)
right.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
right.set_title("consensus network (true blanket coloured)")
right.set_axis_off()
fig.tight_layout()

plt.show()
