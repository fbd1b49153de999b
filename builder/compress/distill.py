"""Knowledge distillation: train the student on hard labels and the teacher's soft labels.

The loss lives with the training step (`builder.training.sequence_loss`):
alpha * CE(hard) + (1 - alpha) * T^2 * KL(softmax(teacher/T) || softmax(student/T)).
"""
from __future__ import annotations

from builder.config import DistillConfig, StudentConfig
from builder.models.teacher import SequenceModel
from builder.training import FitData, TrainResult, TrainSpec, train


def distill(student: SequenceModel, teacher: SequenceModel | None, cfg: DistillConfig,
            student_cfg: StudentConfig, fit: FitData, desc: str = "student") -> TrainResult:
    """Train `student` in place; with `teacher=None` (or alpha=1) it is the plain-CE ablation."""
    spec = TrainSpec(student_cfg.epochs, student_cfg.batch_size, student_cfg.learning_rate,
                     student_cfg.patience, student_cfg.eval_every,
                     alpha=cfg.alpha if teacher is not None else 1.0, temperature=cfg.temperature,
                     max_steps_per_epoch=student_cfg.max_steps_per_epoch, lr_schedule=student_cfg.lr_schedule)
    return train(student, fit, spec, desc=desc, teacher=teacher)
