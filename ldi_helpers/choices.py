"""The names of every method choice (the vocabulary the spec, the engine and editions share).

Kept below every layer so that an edition's per-indicator overrides (data layer) and the spec
(method layer) check values against the same tuples. :mod:`ldi_helpers.method.spec` re-exports
them.
"""
from __future__ import annotations

#: Imputation methods (see :mod:`ldi_helpers.method.impute`).
IMPUTATIONS: tuple[str, ...] = (
    "none", "indicator_mean", "indicator_median", "group_mean", "component_mean", "component_median",
)
#: Outlier treatments (see :mod:`ldi_helpers.method.treat`).
TREATMENTS: tuple[str, ...] = ("none", "winsorise", "log", "boxcox")
#: Normalisations (see :mod:`ldi_helpers.method.normalise`).
NORMALISATIONS: tuple[str, ...] = ("minmax", "zscore", "rank", "distance_to_median", "goalposts")
#: Weighting schemes for indicators within a component (see :mod:`ldi_helpers.method.weights`):
#: ``framework`` = the ``weight`` column of the edition's indicators table (1 where absent).
INDICATOR_WEIGHTINGS: tuple[str, ...] = ("framework", "equal", "custom", "pca")
#: Weighting schemes for components within their parent: ``framework`` = the edition's
#: ``framework.csv`` weights.
COMPONENT_WEIGHTINGS: tuple[str, ...] = ("framework", "equal", "custom")
#: Aggregation rules of indicators into a component score (see :mod:`ldi_helpers.method.aggregate`).
#: Copeland is not offered at this level: it returns an ordinal score (wins minus losses) that is
#: not meaningful to aggregate again. New rules are appended (the position is the batch engine's
#: integer code, :data:`ldi_helpers.method.batch.CHOICE_TABLES`).
COMPONENT_AGGREGATIONS: tuple[str, ...] = ("arithmetic", "geometric", "harmonic", "generalised")
#: Aggregation rules of component scores into the composite.
COMPOSITE_AGGREGATIONS: tuple[str, ...] = ("arithmetic", "geometric", "copeland", "harmonic",
                                           "generalised")
#: Tie rules for ranks (as in :meth:`pandas.Series.rank`); rank 1 is the best area.
RANK_TIES: tuple[str, ...] = ("min", "max", "average", "dense")
#: What to do with near-duplicate indicator pairs (two measures of one concept, see
#: :data:`ldi_helpers.data.near_duplicates.DEFAULT_ALTERNATIVES`): keep the default measure of each pair,
#: use its alternative instead, or keep both (the concept then counts twice).
NEAR_DUPLICATES: tuple[str, ...] = ("keep_one", "use_alternative", "keep_both")
#: Geography levels of the shipped LDI edition (an edition may have any level: the spec's
#: ``geography`` is checked against the data when the spec meets it).
GEOGRAPHIES: tuple[str, ...] = ("ITL1",)
