"""Compression steps, one module each: a frozen config (builder.config) + a function model -> model.

    distill.distill(student, teacher, cfg, fit)    -> trained student
    prune.prune(student, cfg, fit, teacher, d)     -> pruned, stripped student   (wrap / strip)
    qat.qat(student, cfg, fit, teacher, d)         -> QAT student                (annotate / apply)
"""
