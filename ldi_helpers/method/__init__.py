"""Layer 2, method: the JRC/OECD steps in order, one module each.

``spec`` (the one methodology record) -> ``select`` (indicators, periods, denomination) ->
``screen`` -> ``impute`` -> ``treat`` -> ``normalise`` -> ``weights`` -> ``aggregate`` ->
``index`` (``build_index``: one build) and ``batch`` (many methodology variants as array
arithmetic). Imports the data layer, never the layers above.
"""
