"""Lazy Adam: Adam whose sparse (IndexedSlices) updates touch only the rows in the gradient.

tf_keras's Adam applies a sparse gradient by decaying both moments of every row and
then updating every row of the variable: at 1M items x 128 one update of the item
table took 133 ms, against 1.6 ms to scatter the rows the batch touched
(benchmarks/results/sampled_softmax_steps.md). Sampled-softmax and candidate training
touch a few thousand rows per step, so the dense decay is most of a step there.

Here a sparse gradient updates the moments and the weights of its rows only (duplicate
indices summed first), the "lazy" Adam of TF Addons (`LazyAdam`, which does not support
the TensorFlow this project runs): a row's moments decay only when it is in a batch, so
rarely touched items are not moved by a stale momentum. Dense gradients (every weight but
the item tables) take Adam's usual update. On a row's first update both are the same.
"""
from __future__ import annotations

from typing import Any

from builder._keras import keras, tf


class LazyAdam(keras.optimizers.Adam):
    def update_step(self, gradient: Any, variable: tf.Variable) -> None:
        if not isinstance(gradient, tf.IndexedSlices):
            return super().update_step(gradient, variable)
        dtype = variable.dtype
        lr = tf.cast(self.learning_rate, dtype)
        step = tf.cast(self.iterations + 1, dtype)
        b1, b2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        alpha = lr * tf.sqrt(1 - tf.pow(b2, step)) / (1 - tf.pow(b1, step))
        key = self._index_dict[self._var_key(variable)]
        m, v = self._momentums[key], self._velocities[key]
        rows, where = tf.unique(gradient.indices)
        g = tf.math.unsorted_segment_sum(gradient.values, where, tf.shape(rows)[0])
        m_rows = b1 * tf.gather(m, rows) + (1 - b1) * g
        v_rows = b2 * tf.gather(v, rows) + (1 - b2) * tf.square(g)
        m.scatter_update(tf.IndexedSlices(m_rows, rows))
        v.scatter_update(tf.IndexedSlices(v_rows, rows))
        variable.scatter_sub(tf.IndexedSlices(alpha * m_rows / (tf.sqrt(v_rows) + self.epsilon), rows))
