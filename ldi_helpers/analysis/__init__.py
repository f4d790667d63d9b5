"""Layer 3, analysis: what the index means and how far to trust it.

``coherence`` and ``effective`` (does the framework hang together, do nominal weights hold),
``describe``, ``factors``/``uncertainty``/``sensitivity`` (rank intervals and Sobol indices),
``whatif``, ``explorer`` (fast functions behind the methodology explorer), and the LDI-specific
``gva``, ``scenarios`` and ``growth_models``. Imports the data and method layers.
"""
