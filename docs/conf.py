"""Sphinx configuration of the sklearn-causal documentation.

Build with ``python -m sphinx -W -b html docs docs/_build/html`` from the
repository root (the ``docs`` extra installs the tools); the example gallery
is executed during the build.
"""

import os
import sys

import sklearn_causal

sys.path.insert(0, os.path.dirname(__file__))

project = "sklearn-causal"
author = "sklearn-causal developers"
copyright = "2026, sklearn-causal developers"
release = sklearn_causal.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]

autosummary_generate = True
autodoc_default_options = {
    "members": True,
    "inherited-members": True,
    # scikit-learn's metadata-routing and output plumbing: documented there.
    "exclude-members": (
        "set_fit_request, set_score_request, set_transform_request, "
        "get_metadata_routing, set_output, get_params, set_params"
    ),
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]

# No intersphinx: the build must pass offline (with -W an unreachable
# inventory is an error), so references to other projects stay plain text.
nitpicky = False

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # quickstart.py is the README's command, not a gallery page.
    "ignore_pattern": r"quickstart\.py",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "abort_on_example_error": True,
    "min_reported_time": 1,
    # Two examples at a time, one torch thread each (_gallery.py).
    "parallel": 2,
    "reset_modules": ("matplotlib", "_gallery.reset_worker"),
    "reference_url": {"sklearn_causal": None},
}

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-causal {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path = []

os.environ.setdefault("MPLBACKEND", "Agg")
