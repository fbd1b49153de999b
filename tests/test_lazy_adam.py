"""Lazy Adam: Adam on the rows a sparse gradient touches, nothing elsewhere."""
import numpy as np
import pytest

from builder._keras import keras, tf
from builder.lazy_adam import LazyAdam, make_optimizer


def _sparse_grad(rows, values, n, d):
    return tf.IndexedSlices(tf.convert_to_tensor(values, tf.float32), tf.convert_to_tensor(rows, tf.int64),
                            tf.constant([n, d], tf.int64))


def _numpy_adam(w, m, v, g, t, lr=0.01, b1=0.9, b2=0.999, eps=1e-7):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    return w - alpha * m / (np.sqrt(v) + eps), m, v


def test_only_the_touched_rows_move_and_they_move_as_adam_moves_them():
    n, d = 6, 3
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(n, d)).astype(np.float32)
    var = tf.Variable(w0)
    opt = LazyAdam(learning_rate=0.01)
    # step 1 touches rows 1 and 4 (row 4 twice: its parts add up), step 2 touches row 1 and 2
    g1 = rng.normal(size=(3, d)).astype(np.float32)
    g2 = rng.normal(size=(2, d)).astype(np.float32)
    opt.apply_gradients([(_sparse_grad([1, 4, 4], g1, n, d), var)])
    opt.apply_gradients([(_sparse_grad([1, 2], g2, n, d), var)])

    want, m, v = w0.copy(), np.zeros((n, d)), np.zeros((n, d))
    step1 = {1: g1[0], 4: g1[1] + g1[2]}
    step2 = {1: g2[0], 2: g2[1]}
    for t, grads in enumerate((step1, step2), start=1):
        for r, g in grads.items():
            want[r], m[r], v[r] = _numpy_adam(want[r], m[r], v[r], g, t)
    got = var.numpy()
    np.testing.assert_allclose(got[[0, 3, 5]], w0[[0, 3, 5]])  # never touched: unchanged
    np.testing.assert_allclose(got[4], want[4], rtol=1e-5)  # touched once, at step 1
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_dense_gradients_get_plain_adam_and_unknown_names_are_refused():
    w0 = np.arange(6, dtype=np.float32).reshape(2, 3)
    g = tf.constant(np.ones((2, 3), np.float32))
    a, b = tf.Variable(w0), tf.Variable(w0)
    make_optimizer("lazy_adam", 0.01).apply_gradients([(g, a)])
    keras.optimizers.Adam(learning_rate=0.01).apply_gradients([(g, b)])
    np.testing.assert_allclose(a.numpy(), b.numpy())
    with pytest.raises(ValueError, match="unknown optimizer 'sgd'"):
        make_optimizer("sgd", 0.01)


def test_an_xla_compiled_step_updates_as_eager_does():
    """Training steps are XLA-compiled; repeated indices arrive there deduplicated with a dynamic size."""
    n, d = 6, 3
    w0 = np.random.default_rng(0).normal(size=(n, d)).astype(np.float32)
    r = np.random.default_rng(1)
    steps = [(r.integers(0, n, 4), r.normal(size=(4, d)).astype(np.float32)) for _ in range(5)]
    out = []
    for jit in (False, True):
        var, opt = tf.Variable(w0), LazyAdam(learning_rate=0.01)
        opt.build([var])

        def step(idx, vals):
            opt.apply_gradients([(_sparse_grad(idx, vals, n, d), var)])

        run = tf.function(step, jit_compile=True) if jit else step
        for idx, vals in steps:
            run(tf.constant(idx, tf.int64), tf.constant(vals))
        out.append(var.numpy())
    np.testing.assert_allclose(out[1], out[0], rtol=1e-5, atol=1e-6)
