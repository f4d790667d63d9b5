"""Per-indicator preparations of an edition, assembled into prepared batches.

:class:`ColumnCache` keeps each indicator's raw imputation, outlier treatment and normalisation
under every option, keyed by exactly the inputs they depend on, so that preparing many selections
of the same edition (the methodology explorer's changes, the uncertainty analysis's selection
settings) prepares each indicator column once. Assembled batches equal
:func:`ldi_helpers.method.batch.prepare_batch`'s, array for array (tested).
"""
from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from .batch import CHOICE_TABLES, PreparedData, prepare_batch
from .impute import RAW_METHODS, SCORE_METHODS, impute_scores
from .index import Stage, component_weight_vector, indicator_weight_vector, raw_option, stage
from .normalise import normalise
from .spec import IMPUTATIONS, NORMALISATIONS, TREATMENTS, MethodSpec


#: Raw-imputation methods that change raw values (the others leave them as they are).
_RAW_CODES = tuple(a for a, m in enumerate(IMPUTATIONS) if m in RAW_METHODS)
_NONE_CODE = IMPUTATIONS.index("none")


@dataclass(frozen=True)
class _Column:
    """One indicator's preparation under every imputation x treatment x normalisation option,
    before score-level imputation (which mixes the indicators of a component)."""

    z: np.ndarray          # (n_imputations, n_treatments, n_normalisations, A) scores
    raw_mask: np.ndarray   # (n_imputations, A): cells filled by raw imputation
    treated: np.ndarray    # (n_imputations, n_treatments, A): treated raw values (PCA reads them)


class ColumnCache:
    """Per-indicator preparations of an edition, for assembling prepared batches quickly.

    Raw imputation (:func:`ldi_helpers.method.impute.impute_raw`), outlier treatment
    (:func:`ldi_helpers.method.treat.treat`) and normalisation
    (:func:`ldi_helpers.method.normalise.normalise`) work one indicator column at a time, so an
    indicator's results under every option depend only on its own raw column, direction,
    goalposts and treatment override, the ranked units (and their imputation groups) and the
    spec's treatment thresholds. They are kept per indicator under exactly those inputs; a
    selection's :class:`~ldi_helpers.method.batch.PreparedData` gathers them and applies
    score-level imputation and weights as :func:`~ldi_helpers.method.batch.prepare_batch` does.

    Identical numbers: columns are computed in C-ordered blocks of at least two columns (a lone
    column is paired with a copy of itself), as in ``prepare_batch``, because NumPy sums the
    columns of such a block one row after another whatever the block's width (a single column
    would be summed pairwise, with different rounding). A selection that ``prepare_batch`` would
    compute differently (a single indicator, or indicators with their own normalisation, which
    it normalises in separate blocks) is passed to ``prepare_batch`` itself.

    Parameters
    ----------
    max_contexts : int
        Sets of ranked units (with thresholds) whose columns are kept; least recently used dropped.
    """

    def __init__(self, max_contexts: int = 8) -> None:
        self.max_contexts = int(max_contexts)
        self._contexts: OrderedDict[tuple, dict[tuple, _Column]] = OrderedDict()
        #: Columns computed so far (for tests and benchmarks).
        self.computed = 0

    def prepare(self, data: Any, spec: MethodSpec, staged: Stage | None = None
                ) -> tuple[PreparedData, Stage | None]:
        """The prepared batch of ``spec`` (equal to ``prepare_batch(data, spec)``), with PCA
        weights left as ``NaN`` (fill them with :meth:`with_pca`), and the stage it came from
        (``None`` when ``prepare_batch`` made it, PCA weights included). ``staged``: the
        spec's :func:`~ldi_helpers.method.index.stage`, when the caller has it already."""
        st = staged if staged is not None else stage(data, spec)
        n_a, n_i = st.raw.shape
        if n_i < 2 or st.normalisation_overrides:
            return prepare_batch(data, spec, staged=st), None
        columns = self._gather(st, spec)
        n_imp, n_tr, n_norm = len(IMPUTATIONS), len(TREATMENTS), len(NORMALISATIONS)
        pre = np.empty((n_imp, n_tr, n_norm, n_a, n_i))
        raw_mask = np.empty((n_imp, n_a, n_i), dtype=bool)
        for j, col in enumerate(columns):
            pre[..., j] = col.z
            raw_mask[..., j] = col.raw_mask
        scores = np.empty_like(pre)
        imputed = np.empty(pre.shape, dtype=bool)
        for a, imp in enumerate(IMPUTATIONS):
            for b in range(n_tr):
                for c in range(n_norm):
                    if imp in SCORE_METHODS:
                        z, mask = impute_scores(pre[a, b, c], imp, st.comp_index)
                        scores[a, b, c] = z
                        imputed[a, b, c] = raw_mask[a] | mask
                    else:                                  # impute_scores would copy z
                        scores[a, b, c] = pre[a, b, c]
                        imputed[a, b, c] = raw_mask[a]
        w_ind = indicator_weight_vector(st, spec, st.raw)[0] \
            if spec.indicator_weighting != "pca" else None
        w_comp = component_weight_vector(st, spec)[0]
        defaults = {k: table.index(getattr(spec, k)) for k, table in CHOICE_TABLES.items()}
        scores.setflags(write=False)
        p = PreparedData(spec=spec, areas=st.areas, indicators=st.indicators,
                         components=st.components, comp_index=st.comp_index, scores=scores,
                         imputed=imputed, indicator_weights=w_ind,
                         component_weights=w_comp,
                         pca_indicator_weights=np.full((n_imp, n_tr, n_i), np.nan),
                         defaults=defaults, upper=st.upper,
                         indicator_base_weights=st.indicator_base_weights)
        if spec.indicator_weighting == "pca":
            p = self.with_pca(p, st)
        return p, st

    def with_pca(self, p: PreparedData, st: Stage) -> PreparedData:
        """``p`` with the PCA weights of every imputation x treatment option (as
        ``prepare_batch`` computes them), from the treated values of its columns."""
        n_a, n_i = st.raw.shape
        columns = self._gather(st, p.spec)
        treated = np.empty((len(IMPUTATIONS), len(TREATMENTS), n_a, n_i))
        for j, col in enumerate(columns):
            treated[..., j] = col.treated
        pca_spec = p.spec.replace(indicator_weighting="pca", indicator_weights={})
        pca = np.empty((len(IMPUTATIONS), len(TREATMENTS), n_i))
        for a in range(len(IMPUTATIONS)):
            for b in range(len(TREATMENTS)):
                pca[a, b] = indicator_weight_vector(st, pca_spec, treated[a, b])[0]
        w_ind = p.indicator_weights
        if p.spec.indicator_weighting == "pca":
            w_ind = pca[IMPUTATIONS.index(p.spec.imputation), TREATMENTS.index(p.spec.treatment)]
        return dataclasses.replace(p, pca_indicator_weights=pca, indicator_weights=w_ind)

    def _gather(self, st: Stage, spec: MethodSpec) -> list[_Column]:
        """The stage's columns, in order, computing those not kept yet (in one block)."""
        n_i = len(st.indicators)
        ctx = (st.areas, st.groups, spec.skew_threshold, spec.kurtosis_threshold,
               spec.max_winsorised)
        store = self._contexts.get(ctx)
        if store is None:
            store = self._contexts[ctx] = {}
            while len(self._contexts) > self.max_contexts:
                self._contexts.popitem(last=False)
        else:
            self._contexts.move_to_end(ctx)
        over = st.treatment_overrides or ("",) * n_i
        keys = [(ind, st.raw[:, j].tobytes(), float(st.direction[j]), st.posts[j].tobytes(),
                 over[j]) for j, ind in enumerate(st.indicators)]
        todo = [j for j, k in enumerate(keys) if k not in store]
        if todo:
            for j, col in zip(todo, self._columns(st, spec, todo)):
                store[keys[j]] = col
        return [store[k] for k in keys]

    def _columns(self, st: Stage, spec: MethodSpec, todo: list[int]) -> list[_Column]:
        """Prepare the columns ``todo`` of the stage (one C-ordered block, at least 2 wide)."""
        cols = todo if len(todo) > 1 else [todo[0], todo[0]]
        over = tuple(st.treatment_overrides[j] for j in cols) if st.treatment_overrides else ()
        sub = dataclasses.replace(st, raw=np.ascontiguousarray(st.raw[:, cols]),
                                  direction=st.direction[cols], posts=st.posts[cols],
                                  treatment_overrides=over)
        n_a, m = sub.raw.shape
        n_imp, n_tr, n_norm = len(IMPUTATIONS), len(TREATMENTS), len(NORMALISATIONS)
        z = np.empty((n_imp, n_tr, n_norm, n_a, m))
        treated_all = np.empty((n_imp, n_tr, n_a, m))
        raw_mask = np.empty((n_imp, n_a, m), dtype=bool)
        done: set[int] = set()
        for a, imp in enumerate(IMPUTATIONS):
            # imputations that are not raw-unit methods leave the raw values unchanged
            # (impute_raw returns a copy): the same numbers as "none"
            src = a if a in _RAW_CODES else _NONE_CODE
            if src in done:
                z[a], treated_all[a], raw_mask[a] = z[src], treated_all[src], raw_mask[src]
                continue
            for b, tr in enumerate(TREATMENTS):
                raw_imp, treated, mask, _ = raw_option(sub, IMPUTATIONS[src], tr, spec)
                raw_mask[a] = mask
                treated_all[a, b] = treated
                for c, norm in enumerate(NORMALISATIONS):
                    source = raw_imp if norm == "goalposts" else treated
                    z[a, b, c] = normalise(source, norm, sub.direction, sub.posts)
            done.add(src)
        self.computed += len(todo)
        return [_Column(z=z[..., k].copy(), raw_mask=raw_mask[..., k].copy(),
                        treated=treated_all[..., k].copy()) for k in range(len(todo))]
