"""The benchmark suite: stages side by side and a catalog-size sweep (`python -m benchmarks.run`).

Modules:
- `stages`: the stages of one build (fp32 teacher, fp32 student, PTQ int8, final int8)
  timed interleaved through `builder.benchmark`, plus the Keras float model as the
  "just use TensorFlow" reference (`keras_ref`, run in its own process per thread count).
- `scale`: the real pipeline on synthetic catalogs of 1K..1M items, one subprocess per
  size with a time budget and a memory cap; size, latency, build time and peak RSS.
- `summary`: the markdown tables (`results/README.md`) and plots.

See `benchmarks/README.md` for the commands and the JSON fields.
"""
