"""The distillation loss on small tensors with hand-checked values."""
import numpy as np
import pytest

from builder._keras import tf
from builder.training import sequence_loss


def ce(logits, target):
    z = logits - logits.max()
    return -(z[target] - np.log(np.exp(z).sum()))


def test_hard_loss_is_masked_mean_cross_entropy():
    logits = np.array([[[1.0, 2.0, 0.5], [0.0, 0.0, 3.0]]], np.float32)
    y = np.array([[1, 0]], np.int32)  # second position is padding
    got = float(sequence_loss(tf.constant(y), tf.constant(logits), None, 1.0, 1.0))
    assert got == pytest.approx(ce(logits[0, 0], 1), rel=1e-5)


def test_kl_term_vanishes_when_student_equals_teacher_and_scales_with_t_squared():
    logits = np.array([[[1.0, 2.0, 0.5]]], np.float32)
    y = np.array([[2]], np.int32)
    same = float(sequence_loss(tf.constant(y), tf.constant(logits), tf.constant(logits), 0.3, 2.0))
    assert same == pytest.approx(0.3 * ce(logits[0, 0], 2), rel=1e-5)
    teacher = np.array([[[3.0, 0.0, 0.0]]], np.float32)
    t = 2.0
    p = np.exp(teacher[0, 0] / t) / np.exp(teacher[0, 0] / t).sum()
    q = np.exp(logits[0, 0] / t) / np.exp(logits[0, 0] / t).sum()
    kl = float((p * np.log(p / q)).sum())
    got = float(sequence_loss(tf.constant(y), tf.constant(logits), tf.constant(teacher), 0.3, t))
    assert got == pytest.approx(0.3 * ce(logits[0, 0], 2) + 0.7 * t * t * kl, rel=1e-5)
