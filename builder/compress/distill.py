"""Knowledge distillation: train the student on hard labels and the teacher's soft labels.

The loss lives with the training step (`builder.training.sequence_loss`):
alpha * CE(hard) + (1 - alpha) * T^2 * KL(softmax(teacher/T) || softmax(student/T)).
"""
from __future__ import annotations

from builder.config import DistillConfig, StudentConfig
from builder.models.teacher import SequenceModel
from builder.training import FitData, TrainResult, spec_from, train


def distill(student: SequenceModel, teacher: SequenceModel | None, cfg: DistillConfig,
            student_cfg: StudentConfig, fit: FitData, desc: str = "student") -> TrainResult:
    """Train `student` in place; with `teacher=None` (or alpha=1) it is the plain-CE ablation."""
    spec = spec_from(student_cfg, alpha=cfg.alpha if teacher is not None else 1.0,
                     temperature=cfg.temperature)
    return train(student, fit, spec, desc=desc, teacher=teacher)
