"""The Local Digital Index workbench: an open, reproducible composite-indicator engine.

The package is laid out in the order of the work, each layer importing only the layers before it:

1. :mod:`ldi_helpers.data` - raw public files -> a curated *edition* (a folder of tables) ->
   validated frames (``load_data``);
2. :mod:`ldi_helpers.method` - the JRC/OECD method steps in order, ``build_index`` and the batch
   engine;
3. :mod:`ldi_helpers.analysis` - coherence, uncertainty and sensitivity, what-if, and the
   LDI-specific Digital GVA and growth scenarios;
4. :mod:`ldi_helpers.report` - formatting, charts, briefings and the reader site;
5. :mod:`ldi_helpers.run` - notebooks, runs and the ``ldi`` command.

:mod:`ldi_helpers.errors`, :mod:`ldi_helpers.choices` and :mod:`ldi_helpers.text` sit below all of
them. The names most analyses start from are importable from the package itself.
"""
from __future__ import annotations

__all__ = ["load_data", "build_index", "default_spec", "MethodSpec"]


def __getattr__(name: str):
    # lazy, so that importing a small module (e.g. ldi_helpers.errors) stays cheap
    if name == "load_data":
        from .data.load import load_data
        return load_data
    if name == "build_index":
        from .method.index import build_index
        return build_index
    if name in ("default_spec", "MethodSpec"):
        from .method import spec
        return getattr(spec, name)
    raise AttributeError(f"module 'ldi_helpers' has no attribute {name!r}")
