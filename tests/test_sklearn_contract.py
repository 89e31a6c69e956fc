"""scikit-learn's estimator checks, including those check_estimator skips."""

import pytest
import sklearn.utils.estimator_checks as estimator_checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_causal import GrangerGRNGC, MarkovBlanketGCFS

TINY = {"max_epochs": 3, "hidden_units": 8, "random_state": 0}
TINY_MB = {
    "search_steps": 20,
    "steps_per_subproblem": 3,
    "max_iter": 2,
    "hidden_units": 4,
    "random_state": 0,
}

ESTIMATORS = [
    GrangerGRNGC(model="kan", **TINY),
    GrangerGRNGC(model="mlp", target=-1, **TINY),
    GrangerGRNGC(model="lstm", lag=2, **TINY),
    GrangerGRNGC(model="tcn", lag=3, target=0, **TINY),
    GrangerGRNGC(model="mlp", batch_size=None, patience=None, **TINY),
    MarkovBlanketGCFS(**TINY_MB),
    MarkovBlanketGCFS(n_candidates=2, neighbourhood=1, threshold=0.3, **TINY_MB),
    MarkovBlanketGCFS(
        batch_size=16, latent_dim=2, temperature=1.0, n_restarts=1, lam=0.1, **TINY_MB
    ),
]

# check_estimator leaves these out (they need pandas or concern optional API).
EXTRA_CHECKS = [
    "check_dataframe_column_names_consistency",
    "check_transformer_get_feature_names_out",
    "check_transformer_get_feature_names_out_pandas",
    "check_set_output_transform",
    "check_set_output_transform_pandas",
    "check_global_output_transform_pandas",
    "check_get_feature_names_out_error",
    "check_inplace_ensure_writeable",
]


@parametrize_with_checks(ESTIMATORS)
@pytest.mark.filterwarnings("ignore:.*selected no feature:UserWarning")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.filterwarnings("ignore:.*selected no feature:UserWarning")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("check_name", EXTRA_CHECKS)
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_checks_run_by_hand(estimator, check_name):
    getattr(estimator_checks, check_name)(type(estimator).__name__, estimator)
