"""Train a tiny teacher with builder.training.train, as one process or as one worker of a
multi-worker cluster, and print the result as JSON (run by tests/test_multiworker.py).

usage: python tests/multiworker_train.py [HOST:PORT,HOST:PORT WORKER_INDEX]
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from builder import distributed  # noqa: E402  (the strategy must start before any TF op)

if len(sys.argv) == 3:
    distributed.start(distributed.cluster_from(sys.argv[1], int(sys.argv[2])))

import numpy as np  # noqa: E402

from builder.config import TeacherConfig  # noqa: E402
from builder.models.teacher import build_teacher  # noqa: E402
from builder.training import set_seed, spec_from, train  # noqa: E402
from files_for_tests import stepping_fit  # noqa: E402

N, L = 30, 6
set_seed(7)
cfg = TeacherConfig(dim=16, blocks=1, heads=2, dropout=0.0, epochs=3, batch_size=32,
                    learning_rate=0.01, lr_schedule="constant")
model = build_teacher(N, L, cfg)
result = train(model, stepping_fit(N, L, windows=160), spec_from(cfg), desc="teacher")
weights = model.sequence.get_weights()
print(json.dumps({"losses": [row["loss"] for row in result.history],
                  "weights": [float(np.abs(w).sum()) for w in weights],
                  "checksum": float(sum(np.sum(w * (i + 1)) for i, w in enumerate(weights)))}))
