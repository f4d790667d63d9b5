"""Layer 1, data: raw public files -> a curated edition -> validated frames.

``curate*`` build the shipped editions from ``../shared/data/raw`` (``ldi data build``); ``edition``
and ``load`` read and validate any edition folder; ``framework`` turns its framework table into
the levels the engine climbs; ``geography``, ``components`` and ``provenance`` hold the names,
codes and attribution texts. Imports only :mod:`ldi_helpers.errors` and this layer.
"""
