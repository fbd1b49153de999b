"""LazyAdam (builder.lazy_adam): sparse updates touch only their rows; dense ones are Adam's."""
import numpy as np

from builder._keras import keras, tf
from builder.lazy_adam import LazyAdam


def _run(opt_cls, steps):
    var = tf.Variable(np.arange(12, dtype=np.float32).reshape(6, 2) / 10)
    opt = opt_cls(learning_rate=0.1)
    for idx in steps:
        grad = tf.IndexedSlices(tf.ones((len(idx), 2)) * np.arange(1, len(idx) + 1)[:, None], tf.constant(idx),
                                tf.constant([6, 2]))
        opt.apply_gradients([(grad, var)])
    return var.numpy() - np.arange(12, dtype=np.float32).reshape(6, 2) / 10


def test_first_update_is_adams_duplicates_summed():
    np.testing.assert_allclose(_run(LazyAdam, [[1, 3, 3]]), _run(keras.optimizers.Adam, [[1, 3, 3]]), atol=1e-6)


def test_rows_outside_the_gradient_stay_put():
    lazy, dense = _run(LazyAdam, [[1, 3], [2]]), _run(keras.optimizers.Adam, [[1, 3], [2]])
    np.testing.assert_allclose(lazy[2], dense[2], atol=1e-6)  # its first update: the same
    np.testing.assert_allclose(lazy[[1, 3]], _run(LazyAdam, [[1, 3]])[[1, 3]], atol=1e-7)  # not moved by step 2
    assert np.all(np.abs(dense[[1, 3]]) > np.abs(lazy[[1, 3]]) + 0.03)  # Adam's stale momentum moved them
    assert np.all(lazy[[0, 4, 5]] == 0)


def test_dense_gradients_take_adams_update():
    def once(opt_cls):
        var = tf.Variable(np.ones((3, 2), np.float32))
        opt = opt_cls(learning_rate=0.05)
        for g in (np.full((3, 2), 0.5), np.arange(6).reshape(3, 2) / 3):
            opt.apply_gradients([(tf.constant(g, tf.float32), var)])
        return var.numpy()

    np.testing.assert_array_equal(once(LazyAdam), once(keras.optimizers.Adam))
