"""Layer 5, run: executing notebooks and publishing outputs.

``notebooks`` (the notebook registry, parameters, papermill and rendering), ``runner`` (``ldi run``:
jobs, staging, per-file atomic publishing, manifest) and ``cli`` (the ``ldi`` command). The top
layer: it may import every other layer, and nothing imports it.
"""
