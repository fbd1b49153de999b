"""Sampled softmax (builder.sampled): the estimate, accidental hits, config errors (a teacher that
learns with it: tests/test_training.py)."""
import numpy as np
import pytest

from builder._keras import tf
from builder.config import ConfigError, TeacherConfig
from builder.sampled import NegativeSampler, sampled_loss


def _problem(n: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    hidden = tf.constant(rng.normal(size=(3, 4, 6)), tf.float32)
    table = tf.constant(rng.normal(size=(n, 6)) * 0.5, tf.float32)
    targets = tf.constant(rng.integers(1, n, size=(3, 4)), tf.int32)
    return hidden, table, targets


def test_logq_corrected_estimate_approaches_the_full_softmax():
    hidden, table, targets = _problem()
    logits = tf.einsum("blc,nc->bln", hidden, table[1:])  # real items 1..N-1
    full = float(tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(targets - 1, logits)))
    # skewed popularity: the correction, not the proposal, makes the estimate right
    train_targets = np.random.default_rng(1).zipf(1.5, size=5000) % 39 + 1
    sampler = NegativeSampler(train_targets, 40, 20000, seed=0)
    est = float(sampled_loss(hidden, table, targets, sampler.draw(), sampler.log_kq, tf.constant(12.0)))
    assert est == pytest.approx(full, abs=0.05)
    uncorrected = float(sampled_loss(hidden, table, targets, sampler.draw(), tf.zeros(40), tf.constant(12.0)))
    assert uncorrected - full > 5  # without logQ the loss is off by about log K (9.9)


def test_accidental_hits_are_masked_and_padding_is_ignored():
    hidden, table, targets = _problem()
    t = targets.numpy()
    t[0, :2] = 0  # padding positions
    targets = tf.constant(t)
    only_hits = tf.constant([int(t[1, 0])], tf.int32)
    per_position = sampled_loss(hidden[1:2, :1], table, targets[1:2, :1], only_hits, tf.zeros(40), tf.constant(1.0))
    assert float(per_position) == pytest.approx(0.0, abs=1e-6)  # its only negative is its target
    sampler = NegativeSampler(t, 40, 64, seed=0)
    negs = sampler.draw()
    assert int(tf.reduce_min(negs)) >= 1  # padding is never drawn
    a = sampled_loss(hidden, table, targets, negs, sampler.log_kq, tf.constant(10.0))
    changed = hidden.numpy()
    changed[0, :2] = 99.0  # the padding positions' vectors do not matter
    b = sampled_loss(tf.constant(changed), table, targets, negs, sampler.log_kq, tf.constant(10.0))
    assert float(a) == pytest.approx(float(b))


def test_sampled_softmax_config_errors_name_the_key():
    with pytest.raises(ConfigError, match="teacher.negatives"):
        TeacherConfig(negatives=-1)
    with pytest.raises(ConfigError, match="teacher.generations"):
        TeacherConfig(negatives=64, generations=2)
