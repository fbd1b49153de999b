import math

import numpy as np
import pytest

from builder.data.dataset import EvalSplit
from builder.evaluate.bootstrap import Bootstrap
from builder.evaluate.evaluator import cross_entropy, evaluate
from builder.evaluate.metrics import per_user_metrics, target_ranks, top_k_overlap, top_k_stable


def test_ranks_exclude_padding_and_history_but_not_target():
    scores = np.array([[9.0, 1.0, 5.0, 3.0, 4.0]])  # index 0 is padding: never ranked
    g, t = target_ranks(scores, np.array([3]), [np.array([2, 3])])  # 2 excluded; target 3 kept
    assert g.tolist() == [1] and t.tolist() == [0]  # only item 4 (4.0) beats 3.0


def test_hand_computed_metrics_without_ties():
    m = per_user_metrics(np.array([0, 3, 15, 30]), np.array([0, 0, 0, 0]))
    assert m["hr@10"].tolist() == [1, 1, 0, 0]
    assert m["hr@20"].tolist() == [1, 1, 1, 0]
    assert m["ndcg@10"][0] == pytest.approx(1.0)
    assert m["ndcg@10"][1] == pytest.approx(1 / math.log2(5))
    assert m["ndcg@20"][2] == pytest.approx(1 / math.log2(17))
    assert m["mrr"].tolist() == pytest.approx([1, 1 / 4, 1 / 16, 1 / 31])


def test_ties_are_expected_value_of_random_tie_break():
    # target tied with 3 others at 0-based rank 8: equally likely ranks 8, 9, 10, 11
    m = per_user_metrics(np.array([8]), np.array([3]))
    assert m["hr@10"][0] == pytest.approx(0.5)
    assert m["ndcg@10"][0] == pytest.approx((1 / math.log2(10) + 1 / math.log2(11)) / 4)
    assert m["mrr"][0] == pytest.approx((1 / 9 + 1 / 10 + 1 / 11 + 1 / 12) / 4)


def test_constant_scores_are_not_rewarded():
    # a model that scores everything equally is as good as random: HR@10 = 10 / 100
    scores = np.zeros((1, 101))
    g, t = target_ranks(scores, np.array([5]), [np.array([], dtype=np.int64)])
    assert per_user_metrics(g, t)["hr@10"][0] == pytest.approx(0.1)


def test_evaluate_end_to_end_on_a_perfect_scorer():
    split = EvalSplit([np.array([1, 2]), np.array([3])], np.array([3, 4], dtype=np.int32))

    def oracle(histories):  # scores the true next item (last + 1) highest
        s = np.zeros((len(histories), 6), dtype=np.float32)
        s[np.arange(len(histories)), histories[:, -1] + 1] = 1.0
        return s

    res = evaluate(oracle, split, max_len=3, name="oracle")
    assert res.mean("ndcg@10") == 1.0 and res.mean("mrr") == 1.0
    assert res.top10[0].tolist() == [3, 4, 5, -1, -1, -1]  # 0 = padding, 1, 2 = history


def test_bootstrap_paired_difference():
    boot = Bootstrap.create(200, samples=500, seed=0)
    a = np.ones(200)
    b = np.concatenate([np.ones(100), np.zeros(100)])
    d = boot.paired(a, b)
    assert d["value"] == pytest.approx(0.5) and d["excludes_zero"]
    assert d["ci_low"] < 0.5 < d["ci_high"]
    same = boot.paired(b, b)
    assert same["value"] == 0 and not same["excludes_zero"]


def test_top_k_overlap():
    assert top_k_overlap(np.array([[1, 2, 3, 4]]), np.array([[4, 3, 9, 8]])).tolist() == [0.5]


@pytest.mark.parametrize("n", [3, 10, 11, 500])
def test_top_k_stable_is_the_stable_argsort_prefix_ties_included(n):
    rng = np.random.default_rng(n)
    scores = np.round(rng.normal(size=(7, n)) * 2) / 2  # many ties, some at the k-th place
    scores[0] = 1.0  # a row of one value
    scores[1, : n // 2] = -np.inf  # masked columns, as the evaluator masks the history
    expect = np.argsort(-scores, axis=1, kind="stable")[:, :10]
    np.testing.assert_array_equal(top_k_stable(scores, 10), expect)


def test_cross_entropy_matches_float64_log_softmax():
    rng = np.random.default_rng(0)
    scores = (rng.normal(size=(4, 1000)) * 8).astype(np.float32)
    targets = np.array([1, 5, 999, 300])
    s = scores[:, 1:].astype(np.float64)  # column 0 is padding
    lse = s.max(1) + np.log(np.exp(s - s.max(1, keepdims=True)).sum(1))
    np.testing.assert_allclose(cross_entropy(scores, targets), lse - scores[np.arange(4), targets], rtol=1e-6)
