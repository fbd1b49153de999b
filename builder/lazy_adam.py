"""Lazy Adam: Adam that updates only the rows a sparse gradient touches.

tf_keras's Adam, given a sparse (IndexedSlices) gradient, still decays both moments and
updates the variable over the whole table: three dense passes per step. For an item table
trained with sampled softmax or candidate sets, a step touches a few thousand rows, and at
1M items those dense passes dominate the step (benchmarks/results/sampled_softmax_steps.md:
one Adam update with an 8,448-row sparse gradient took 133 ms on a 1M x 128 table, a
scatter of the same rows 1.6 ms). This optimizer applies Adam's update to the touched rows
only (their moments decay when they are touched), as TensorFlow Addons' LazyAdam did; dense
gradients get plain Adam. It is the usual choice for large embedding tables; it is not the
same optimizer (an untouched row keeps its moments): on the 5.4K-item catalog a sampled
teacher trained with it was 3.4% below Adam on test (README), so it is an option
(`optimizer: lazy_adam` in the teacher/student config), not the default. Fine-tunes (prune,
QAT) use Adam.
"""
from __future__ import annotations

from typing import Any

from builder._keras import keras, tf
from builder.config import OPTIMIZERS


class LazyAdam(keras.optimizers.Adam):
    def update_step(self, gradient: Any, variable: Any) -> Any:
        if not isinstance(gradient, tf.IndexedSlices):
            return super().update_step(gradient, variable)
        dtype = variable.dtype
        lr = tf.cast(self.learning_rate, dtype)
        step = tf.cast(self.iterations + 1, dtype)
        b1, b2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        alpha = lr * tf.sqrt(1 - tf.pow(b2, step)) / (1 - tf.pow(b1, step))
        key = self._var_key(variable)
        m, v = self._momentums[self._index_dict[key]], self._velocities[self._index_dict[key]]
        # tf_keras has already summed a row's repeated parts (Optimizer._deduplicate_sparse_grad,
        # tf.unique), so every index is one row. Deduplicating again here went wrong under XLA:
        # slices and tf.unique of that dynamically sized dimension were miscompiled.
        rows, g = gradient.indices, gradient.values
        m_rows = b1 * tf.gather(m, rows) + (1 - b1) * g
        v_rows = b2 * tf.gather(v, rows) + (1 - b2) * tf.square(g)
        m.scatter_update(tf.IndexedSlices(m_rows, rows))
        v.scatter_update(tf.IndexedSlices(v_rows, rows))
        variable.scatter_sub(tf.IndexedSlices(alpha * m_rows / (tf.sqrt(v_rows) + self.epsilon), rows))


def make_optimizer(name: str, learning_rate: Any) -> Any:
    """The training loops' optimizer: adam (tf_keras) or lazy_adam."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r} ({' | '.join(OPTIMIZERS)})")
    return (LazyAdam if name == "lazy_adam" else keras.optimizers.Adam)(learning_rate=learning_rate)
