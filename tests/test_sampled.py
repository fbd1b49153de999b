"""Sampled softmax (builder.sampled): the estimate, accidental hits, config errors (a teacher that
learns with it: tests/test_training.py)."""
import numpy as np
import pytest

from builder._keras import tf
from builder.config import ConfigError, TeacherConfig
from builder.sampled import NegativeSampler, log_popularity, sampled_loss


def _problem(n: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    hidden = tf.constant(rng.normal(size=(3, 4, 6)), tf.float32)
    table = tf.constant(rng.normal(size=(n, 6)) * 0.5, tf.float32)
    targets = tf.constant(rng.integers(1, n, size=(3, 4)), tf.int32)
    return hidden, table, targets


def test_logq_corrected_estimate_approaches_the_full_softmax_of_the_prior_scores():
    hidden, table, targets = _problem()
    # skewed popularity: the logits the estimate approaches carry its log q
    train_targets = np.random.default_rng(1).zipf(1.5, size=5000) % 39 + 1
    log_q = log_popularity(train_targets, 40)
    assert log_q[0] < -60 and np.exp(log_q[1:]).sum() == pytest.approx(1.0, abs=1e-5)
    logits = tf.einsum("blc,nc->bln", hidden, table[1:]) + log_q[1:]  # real items 1..N-1
    full = float(tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(targets - 1, logits)))
    sampler = NegativeSampler(log_q, 20000, seed=0)
    negs, offsets = sampler.draw()
    real = negs.numpy()[offsets.numpy() > -1e8]
    assert len(np.unique(real)) == len(real) and np.all(negs.numpy()[len(real):] == 0)  # distinct, then padding
    assert len(negs) % NegativeSampler.PAD == 0 and len(negs) < 20000
    est = float(sampled_loss(hidden, table, targets, negs, offsets, tf.constant(log_q), tf.constant(12.0)))
    assert est == pytest.approx(full, abs=0.05)
    # the scores without their prior are not what the q-drawn negatives estimate
    plain = tf.einsum("blc,nc->bln", hidden, table[1:])
    full_plain = float(tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(targets - 1, plain)))
    off = float(sampled_loss(hidden, table, targets, *sampler.draw(), tf.zeros(40), tf.constant(12.0)))
    assert abs(off - full_plain) > 1.0 and abs(off - full) > 1.0


def test_accidental_hits_are_masked_and_padding_is_ignored():
    hidden, table, targets = _problem()
    t = targets.numpy()
    t[0, :2] = 0  # padding positions
    targets = tf.constant(t)
    only_hits = tf.constant([int(t[1, 0])], tf.int32)
    per_position = sampled_loss(hidden[1:2, :1], table, targets[1:2, :1], only_hits, tf.zeros(1), tf.zeros(40),
                                tf.constant(1.0))
    assert float(per_position) == pytest.approx(0.0, abs=1e-6)  # its only negative is its target
    log_q = tf.constant(log_popularity(t, 40))
    negs, offsets = NegativeSampler(log_q.numpy(), 64, seed=0).draw()
    real = offsets.numpy() > -1e8
    assert int(tf.reduce_min(negs[real])) >= 1 and not np.any(negs.numpy()[~real])  # padding: id 0, never drawn
    a = sampled_loss(hidden, table, targets, negs, offsets, log_q, tf.constant(10.0))
    changed = hidden.numpy()
    changed[0, :2] = 99.0  # the padding positions' vectors do not matter
    b = sampled_loss(tf.constant(changed), table, targets, negs, offsets, log_q, tf.constant(10.0))
    assert float(a) == pytest.approx(float(b))


def test_sampled_softmax_config_errors_name_the_key():
    with pytest.raises(ConfigError, match="teacher.negatives"):
        TeacherConfig(negatives=-1)
    with pytest.raises(ConfigError, match="teacher.generations"):
        TeacherConfig(negatives=64, generations=2)
