"""`evaluate.max_users`: validation (early stopping, every selection step) ranks the same seeded user
subset as the test evaluation, and the cap is part of every trained stage's cache key."""
import numpy as np

from builder.config import load_config
from builder.pipeline import prepare
from builder.progress import SILENT

DATA = {"source": "synthetic", "max_len": 8, "synthetic": {"num_users": 120, "num_items": 50, "mean_length": 12}}


def _ctx(tmp_path, max_users):
    cfg = load_config("smoke", overrides={"data": DATA, "evaluate": {"max_users": max_users}})
    return prepare(cfg, tmp_path, SILENT, force=False)


def test_validation_ranks_the_test_users_subset_and_the_cap_changes_the_keys(tmp_path):
    full, capped = _ctx(tmp_path, None), _ctx(tmp_path, 40)
    assert len(full.fit_data().valid) == len(full.test) == len(full.dataset.sequences)
    valid, test = capped.fit_data().valid, capped.test
    assert len(valid) == len(test) == 40
    # the same users: a user's validation history is its test history less the validation item
    for h_val, y_val, h_test in zip(valid.histories, valid.targets, test.histories):
        np.testing.assert_array_equal(np.r_[h_val, y_val], h_test)
    assert full.key("", full.cfg.data) != capped.key("", capped.cfg.data)
    assert _ctx(tmp_path, None).key("", full.cfg.data) == full.key("", full.cfg.data)
