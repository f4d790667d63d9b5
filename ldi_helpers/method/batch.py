"""Evaluate many methodology variants at once, as array arithmetic (for sensitivity analysis).

Two calls:

``prepare_batch(data, spec) -> PreparedData``
    Runs everything that does not depend on the sampled choices once: selection and screening
    (fixed by ``spec``), and for **every** imputation x treatment x normalisation option the
    normalised indicator scores, stored as one array ``scores`` of shape
    ``(len(IMPUTATIONS), len(TREATMENTS), len(NORMALISATIONS), A, I)``; also the spec's default
    weights and the PCA weights of every imputation x treatment option.

``evaluate_batch(prepared, choices, component_weights, indicator_weights) -> BatchResult``
    ``S`` variants: method choices as integer codes per sample (the code tables below), weights
    per sample. Returns composite scores and ranks of shape ``(S, A)`` and component scores of
    shape ``(S, A, C)``. Samples come in any order and mix of choices: within a chunk they are
    grouped by their codes, each method's ``(A, I)`` lookup table is multiplied once by its
    samples' weights (one matrix product per method present for the component scores, one call
    per composite method for the composite). Memory is bounded by evaluating a chunk of samples
    at a time, its size chosen from ``A`` and the number of inputs so that no temporary
    exceeds :data:`TEMP_BUDGET_BYTES` (:func:`auto_chunk_size`); ranks are sorted per sample (no ``(S, A, A)`` array) and Copeland
    counts opponents per sign pattern with bitsets for many areas
    (:mod:`ldi_helpers.method.copeland`) or compares one area with the later ones at a time
    (no ``(pairs, S, K)`` array). Large jobs (:data:`PARALLEL_MIN_CELLS` samples x areas) are
    cut into equal chunks that forked worker processes evaluate side by side
    (:mod:`ldi_helpers.method.workers`); the cut does not depend on the number of workers, so
    the results are identical with one or many.

Agreement: for the same choices and weights, :func:`evaluate_batch` and
:func:`ldi_helpers.method.index.build_index` give the same scores to floating-point precision (tested to
1e-9) and the same ranks. The composite (arithmetic, geometric) and the ranks use the same
functions of :mod:`ldi_helpers.method.aggregate`; the component aggregation and the Copeland rule are
batched versions of the same arithmetic (:func:`_component_scores`, :func:`_copeland`), tested
against the per-method functions.

Code tables (position = integer code):

- ``IMPUTATIONS``   = ("none", "indicator_mean", "indicator_median", "group_mean",
  "component_mean", "component_median")
- ``TREATMENTS``    = ("none", "winsorise", "log", "boxcox")
- ``NORMALISATIONS`` = ("minmax", "zscore", "rank", "distance_to_median", "goalposts")
- ``COMPONENT_AGGREGATIONS`` = ("arithmetic", "geometric", "harmonic", "generalised")
- ``COMPOSITE_AGGREGATIONS`` = ("arithmetic", "geometric", "copeland", "harmonic",
  "generalised")

(the tables are the spec's tuples; new choices are appended so existing codes keep their
meaning). The power of the generalised mean is the prepared spec's ``generalised_mean_power``,
fixed for the batch.

Weights: ``indicator_weights`` (S x I) are relative weights within each component (an indicator
with weight 0 is left out of its component; each component needs one positive weight);
``component_weights`` (S x C) relative weights of the components (at least one positive). Both are
renormalised per sample with ``w / sum(w)`` (within each component for indicators). ``None``
means the spec's weights for every sample (PCA weights follow each sample's imputation and
treatment when the spec uses ``indicator_weighting="pca"``).

Indicator screening, periods, thresholds, goalposts and the rank tie rule are fixed by the spec
given to :func:`prepare_batch`; to vary the indicator set, give excluded indicators weight 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .aggregate import (_power_back, _power_values, aggregate, aggregate_groups, copeland,
                        geometric_shift, rank_scores)
from ..errors import LDIError
from .index import (Stage, component_parents, component_weight_vector, indicator_scores,
                    indicator_weight_vector, raw_option, stage, upper_method)
from .spec import (COMPONENT_AGGREGATIONS, COMPOSITE_AGGREGATIONS, IMPUTATIONS, NORMALISATIONS,
                   TREATMENTS, MethodSpec, coerce_spec)
from .weights import renormalise


class BatchError(LDIError):
    """Bad batch input: unknown choice key, code out of range, shapes that disagree, bad weights."""


#: Choice keys accepted by :func:`evaluate_batch` and their code tables (code = position).
CHOICE_TABLES: dict[str, tuple[str, ...]] = {
    "imputation": IMPUTATIONS,
    "treatment": TREATMENTS,
    "normalisation": NORMALISATIONS,
    "component_aggregation": COMPONENT_AGGREGATIONS,
    "composite_aggregation": COMPOSITE_AGGREGATIONS,
}


@dataclass(frozen=True)
class PreparedData:
    """Everything :func:`evaluate_batch` needs, computed once by :func:`prepare_batch`.

    Attributes
    ----------
    spec : MethodSpec
        The base spec (its choices are the defaults of :func:`evaluate_batch`).
    areas : tuple of str
        ITL1 codes of the ranked areas (axis ``A``).
    indicators : tuple of str
        Indicator ids (axis ``I``), grouped by component.
    components : tuple of str
        Component ids (axis ``C``).
    comp_index : ndarray of int, shape (I,)
        Component position of each indicator.
    scores : ndarray, shape (n_imputations, n_treatments, n_normalisations, A, I)
        Normalised indicator scores (higher = better) per option; ``NaN`` = missing.
    imputed : ndarray of bool, same shape as ``scores``
        Cells imputed under each option.
    indicator_weights : ndarray, shape (I,)
        The spec's indicator weights (sum 1 within each component).
    component_weights : ndarray, shape (C,)
        The spec's component weights (sum 1).
    pca_indicator_weights : ndarray, shape (n_imputations, n_treatments, I)
        PCA weights (module :mod:`ldi_helpers.method.weights`) under each imputation x treatment.
    defaults : dict of str -> int
        The spec's code for each choice key.
    upper : tuple of UpperLevel
        The framework levels above the components (:mod:`ldi_helpers.data.framework`).
    indicator_base_weights : ndarray, shape (I,)
        The edition's indicator weights.
    """

    spec: MethodSpec
    areas: tuple[str, ...]
    indicators: tuple[str, ...]
    components: tuple[str, ...]
    comp_index: np.ndarray
    scores: np.ndarray
    imputed: np.ndarray
    indicator_weights: np.ndarray
    component_weights: np.ndarray
    pca_indicator_weights: np.ndarray
    defaults: dict[str, int] = field(default_factory=dict)
    upper: tuple = ()
    indicator_base_weights: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(A, I, C)``."""
        return len(self.areas), len(self.indicators), len(self.components)


@dataclass(frozen=True)
class BatchResult:
    """Output of :func:`evaluate_batch`.

    Attributes
    ----------
    scores : ndarray, shape (S, A)
        Composite index per sample and area.
    ranks : ndarray, shape (S, A)
        Ranks, 1 = best, ties by the spec's ``rank_ties`` (floats; integral for "min").
    component_scores : ndarray, shape (S, A, C), or None
        None when :func:`evaluate_batch` was asked to leave them out.
    areas : tuple of str
    components : tuple of str
    """

    scores: np.ndarray
    ranks: np.ndarray
    component_scores: np.ndarray | None
    areas: tuple[str, ...]
    components: tuple[str, ...]

    def ranks_frame(self) -> pd.DataFrame:
        """Ranks as a DataFrame (samples x area codes)."""
        return pd.DataFrame(self.ranks, columns=pd.Index(self.areas, name="area_code"))


def stage_signature(st: Stage) -> str:
    """SHA-256 of everything :func:`prepare_batch` reads from a :class:`Stage`.

    Two specs that differ only in selection-level choices (a coverage threshold that drops no
    indicator, say) give stages with the same signature, hence the same prepared scores: the
    uncertainty engine prepares such a stage once. The screening notes (which name the threshold)
    are left out; they do not enter the scores.
    """
    import hashlib
    import pickle

    h = hashlib.sha256()
    for arr in (st.raw, st.comp_index, st.direction, st.posts,
                st.indicator_base_weights if st.indicator_base_weights is not None else np.empty(0)):
        a = np.ascontiguousarray(arr)
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(a.tobytes())
    h.update(pickle.dumps((st.areas, st.indicators, st.components, st.upper, st.groups,
                           st.area_names, st.normalisation_overrides, st.treatment_overrides),
                          protocol=4))
    h.update(st.meta.to_csv().encode())
    return h.hexdigest()


def prepare_batch(data, spec: MethodSpec | dict | None = None,
                  staged: Stage | None = None) -> PreparedData:
    """Precompute selection, screening and every option's indicator scores (see module doc).

    Parameters
    ----------
    data : LDIData
    spec : MethodSpec, mapping of overrides, or None (default spec)
    staged : Stage, optional
        ``stage(data, spec)`` when the caller has it already.

    Returns
    -------
    PreparedData
    """
    spec = coerce_spec(spec)
    st: Stage = staged if staged is not None else stage(data, spec)
    n_a, n_i = st.raw.shape
    scores = np.empty((len(IMPUTATIONS), len(TREATMENTS), len(NORMALISATIONS), n_a, n_i))
    imputed = np.zeros(scores.shape, dtype=bool)
    pca = np.empty((len(IMPUTATIONS), len(TREATMENTS), n_i))
    pca_spec = spec.replace(indicator_weighting="pca", indicator_weights={})
    for a, imp in enumerate(IMPUTATIONS):
        for b, tr in enumerate(TREATMENTS):
            raw_imp, treated, raw_mask, _ = raw_option(st, imp, tr, spec)
            pca[a, b] = indicator_weight_vector(st, pca_spec, treated)[0]
            for c, norm in enumerate(NORMALISATIONS):
                z, mask = indicator_scores(st, raw_imp, treated, norm, imp)
                scores[a, b, c] = z
                imputed[a, b, c] = raw_mask | mask
    if spec.indicator_weighting == "pca":
        w_ind = pca[IMPUTATIONS.index(spec.imputation), TREATMENTS.index(spec.treatment)]
    else:
        w_ind = indicator_weight_vector(st, spec, st.raw)[0]
    w_comp = component_weight_vector(st, spec)[0]
    defaults = {k: table.index(getattr(spec, k)) for k, table in CHOICE_TABLES.items()}
    scores.setflags(write=False)
    return PreparedData(spec=spec, areas=st.areas, indicators=st.indicators,
                        components=st.components, comp_index=st.comp_index, scores=scores,
                        imputed=imputed, indicator_weights=w_ind, component_weights=w_comp,
                        pca_indicator_weights=pca, defaults=defaults, upper=st.upper,
                        indicator_base_weights=st.indicator_base_weights)


def _n_samples(choices, component_weights, indicator_weights) -> int:
    sizes = {}
    for k, v in choices.items():
        a = np.asarray(v)
        if a.ndim == 1:
            sizes[f"choices[{k!r}]"] = a.shape[0]
        elif a.ndim > 1:
            raise BatchError(f"choices[{k!r}] must be a 1-d array of codes or a single code")
    for name, w in (("component_weights", component_weights),
                    ("indicator_weights", indicator_weights)):
        if w is not None:
            w = np.asarray(w)
            if w.ndim != 2:
                raise BatchError(f"{name} must be a 2-d array (samples x inputs), got shape "
                                 f"{w.shape}")
            sizes[name] = w.shape[0]
    if len(set(sizes.values())) > 1:
        raise BatchError("the number of samples differs between inputs: "
                         + ", ".join(f"{k}: {v}" for k, v in sizes.items()))
    return next(iter(sizes.values())) if sizes else 1


def _codes(prepared: PreparedData, choices, n: int) -> dict[str, np.ndarray]:
    unknown = [k for k in choices if k not in CHOICE_TABLES]
    if unknown:
        raise BatchError(f"unknown choice key(s) {', '.join(map(repr, unknown))}; valid keys "
                         f"are: {', '.join(CHOICE_TABLES)}")
    out = {}
    for k, table in CHOICE_TABLES.items():
        v = np.asarray(choices.get(k, prepared.defaults[k]))
        if not np.issubdtype(v.dtype, np.integer):
            raise BatchError(f"choices[{k!r}] must hold integer codes 0..{len(table) - 1} "
                             f"({', '.join(f'{i}={m}' for i, m in enumerate(table))})")
        if v.size and (v.min() < 0 or v.max() >= len(table)):
            raise BatchError(f"choices[{k!r}] has a code outside 0..{len(table) - 1}; codes: "
                             + ", ".join(f"{i}={m}" for i, m in enumerate(table)))
        out[k] = np.broadcast_to(v, (n,)).astype(np.int64)
    return out


def _weights(w, default, groups, n: int, name: str, expected: int) -> np.ndarray:
    if w is None:
        return np.broadcast_to(default, (n, expected))
    w = np.asarray(w, dtype=float)
    if w.shape[1] != expected:
        raise BatchError(f"{name} must have {expected} columns (one per "
                         f"{'indicator' if name.startswith('ind') else 'component'}), got "
                         f"{w.shape[1]}")
    bad = ~np.isfinite(w).all(axis=1) | (w < 0).any(axis=1)
    if bad.any():
        raise BatchError(f"{name}: sample {int(np.flatnonzero(bad)[0])} has a negative or "
                         "non-finite weight; weights must be finite and >= 0")
    groups = np.asarray(groups)
    for g in np.unique(groups):
        tot = w[:, groups == g].sum(axis=1)
        if (tot <= 0).any():
            raise BatchError(f"{name}: sample {int(np.flatnonzero(tot <= 0)[0])} gives every "
                             f"input of group {int(g)} weight 0; give at least one a positive "
                             "weight")
    return renormalise(w, groups, name)


_ARITHMETIC = COMPONENT_AGGREGATIONS.index("arithmetic")
#: Component aggregations taken on the floor-1 scale (a transform, a mean, the inverse transform).
_FLOOR_MEANS = tuple(k for k, m in enumerate(COMPONENT_AGGREGATIONS) if m != "arithmetic")


@dataclass(frozen=True)
class _MethodTables:
    """Per-method lookup tables for :func:`_component_scores` (built by :func:`_method_tables`).

    ``M = n_imputations * n_treatments * n_normalisations`` method triples, flattened in C order
    (``np.ravel_multi_index`` of the three codes, the first three axes of
    ``PreparedData.scores``).

    Attributes
    ----------
    values : ndarray, shape (len(COMPONENT_AGGREGATIONS), M, A, I)
        What the component aggregation weight-sums, by component aggregation code: for
        "arithmetic" the scores, for "geometric" ``log(z + shift)``, for "harmonic"
        ``1 / (z + shift)``, for "generalised" ``(z + shift) ** p``; missing cells are 0.
    missing : ndarray of float, shape (M, A, I)
        1.0 where a score is missing, else 0.0.
    has_gaps : ndarray of bool, shape (M,)
        Whether a method triple has any missing score.
    shift : ndarray, shape (M, C)
        The geometric-mean shift of every component (:func:`ldi_helpers.method.aggregate.geometric_shift`
        of the component's ``(A, I_c)`` block).
    onehot : ndarray of float, shape (I, C)
        1.0 where indicator ``i`` belongs to component ``c``.
    power : float
        ``p`` of the generalised mean.
    """

    values: np.ndarray
    missing: np.ndarray
    has_gaps: np.ndarray
    shift: np.ndarray
    onehot: np.ndarray
    power: float = 2.0


def _method_tables(prepared: PreparedData) -> _MethodTables:
    """The :class:`_MethodTables` of every method triple of ``prepared`` at once (same arithmetic
    as :func:`ldi_helpers.method.aggregate.aggregate_components` applies to one triple's scores)."""
    n_a, n_i, n_c = prepared.shape
    z = prepared.scores.reshape(-1, n_a, n_i)                             # (M, A, I)
    present = ~np.isnan(z)
    values = np.empty((len(COMPONENT_AGGREGATIONS),) + z.shape)
    values[_ARITHMETIC] = np.where(present, z, 0.0)
    shift = np.zeros((z.shape[0], n_c))
    power = prepared.spec.generalised_mean_power
    for c in range(n_c):
        cols = np.flatnonzero(prepared.comp_index == c)
        zc, pc = z[:, :, cols], present[:, :, cols]
        shift[:, c] = geometric_shift(zc)                                  # (M,)
        x = np.where(pc, zc + shift[:, c, None, None], 1.0)
        for k in _FLOOR_MEANS:
            values[k][:, :, cols] = np.where(
                pc, _power_values(x, COMPONENT_AGGREGATIONS[k], power), 0.0)
    missing = (~present).astype(float)
    onehot = (np.asarray(prepared.comp_index)[:, None] == np.arange(n_c)[None, :]).astype(float)
    return _MethodTables(values=values, missing=missing,
                         has_gaps=missing.reshape(len(missing), -1).any(axis=1), shift=shift,
                         onehot=onehot, power=power)


def _component_scores(tables: _MethodTables, method: np.ndarray, comp_agg: np.ndarray,
                      w_ind: np.ndarray) -> np.ndarray:
    """Component scores of samples with any mix of method choices, one product per method.

    Samples are grouped by (component aggregation, method triple); each group's ``(A, I)``
    table is multiplied once by the ``(I, n_g * C)`` matrix of the group's indicator weights
    placed in their components' columns (one matrix product per group present, never an
    ``(S, A, I)`` gathered copy). The rules are those of
    :func:`ldi_helpers.method.aggregate.aggregate_components`: available-case weights (denominator = the
    component's total weight minus the weight of the area's missing cells; ``NaN`` where it is not
    positive) and, for the floor-1 means, the inverse transform of the weighted mean minus the
    shift (geometric: ``exp(weighted mean of logs) - shift``; harmonic: ``1 / mean - shift``;
    generalised: ``mean ** (1/p) - shift``).

    Parameters
    ----------
    tables : _MethodTables
    method : ndarray of int, shape (S,)
        Flat (imputation, treatment, normalisation) code of each sample.
    comp_agg : ndarray of int, shape (S,)
        Component aggregation code of each sample (position in ``COMPONENT_AGGREGATIONS``).
    w_ind : ndarray, shape (S, I)
        Indicator weights, summing to 1 within every component.

    Returns
    -------
    ndarray, shape (S, A, C)
    """
    n_s = method.shape[0]
    _, n_m, n_a, n_i = tables.values.shape
    n_c = tables.onehot.shape[1]
    w = w_ind[:, :, None] * tables.onehot                                # (S, I, C)
    total = np.einsum("si,ic->sc", w_ind, tables.onehot)                 # (S, C)
    val = np.empty((n_s, n_a, n_c))
    key = np.asarray(comp_agg) * n_m + np.asarray(method)
    order = np.argsort(key, kind="stable")
    skey = key[order]
    starts = np.flatnonzero(np.r_[True, skey[1:] != skey[:-1]])
    for b, e in zip(starts, np.r_[starts[1:], n_s]):
        idx = order[b:e]
        k, m = divmod(int(skey[b]), n_m)
        wg = w[idx].transpose(1, 0, 2).reshape(n_i, (e - b) * n_c)       # (I, n_g * C)
        num = (tables.values[k, m] @ wg).reshape(n_a, e - b, n_c)         # (A, n_g, C)
        tot = total[idx][None]                                           # (1, n_g, C)
        if tables.has_gaps[m]:       # the weight of an area's missing cells leaves the total
            den = tot - (tables.missing[m] @ wg).reshape(n_a, e - b, n_c)
        else:
            den = np.broadcast_to(tot, num.shape)
        ok = den > 0
        v = np.where(ok, num / np.where(ok, den, 1.0), np.nan)
        if k in _FLOOR_MEANS:
            with np.errstate(divide="ignore", invalid="ignore"):
                v = (_power_back(v, COMPONENT_AGGREGATIONS[k], tables.power)
                     - tables.shift[m][None, None, :])
        val[idx] = v.transpose(1, 0, 2)
    return val


def _copeland(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """:func:`ldi_helpers.method.aggregate.copeland` for a batch (the same function).

    ``aggregate.copeland`` takes a batch of samples as it is: for many areas and few inputs it
    counts opponents per sign pattern with bitsets (:mod:`ldi_helpers.method.copeland`), else it
    evaluates each pair of areas once, one area at a time against the areas after it; memory is
    never ``(pairs, S, K)``.

    Parameters
    ----------
    v : ndarray, shape (S, A, K)
        Values, ``NaN`` = missing.
    w : ndarray, shape (S, K)
        Weights.

    Returns
    -------
    ndarray, shape (S, A)
        Wins minus losses; ``NaN`` for an area without any weighted input.
    """
    return copeland(v, w)


def _composite(cs: np.ndarray, w: np.ndarray, method: str, upper=(), power: float = 2.0
               ) -> np.ndarray:
    """Index scores ``(S, A)`` of component scores ``cs`` ``(S, A, C)``, weights ``(S, C)``.

    The levels between the components and the index (if any) are aggregated first with
    :func:`ldi_helpers.method.aggregate.aggregate_groups` and the framework weights, as
    :func:`ldi_helpers.method.index.climb` does; the index itself with ``method`` (batched Copeland).
    ``power`` is ``p`` of the generalised mean.
    """
    vals, wv = cs, w
    for k, lvl in enumerate(upper[:-1]):
        if k > 0:
            wv = np.broadcast_to(renormalise(lvl.child_weights, lvl.child_index),
                                 vals.shape[:-2] + (len(lvl.child_index),))
        vals = aggregate_groups(vals, wv, lvl.child_index, len(lvl.ids),
                                upper_method(method, False), power)
    if len(upper) > 1:
        last = upper[-1]
        wv = np.broadcast_to(renormalise(last.child_weights, last.child_index),
                             vals.shape[:-2] + (len(last.child_index),))
    if method == "copeland":
        return _copeland(vals, wv)
    return aggregate(vals, wv, method, power)


#: Largest temporary array :func:`evaluate_batch` builds, in bytes (48 MB). Kept small on
#: purpose: large temporaries are fresh memory that the kernel must map and zero on every
#: allocation (measured: 12,500 district samples in chunks of 6,600 spent about 0.5 s in the
#: kernel, in chunks of 2,000 or fewer almost none); smaller chunks also stay closer to the CPU
#: caches, at no cost in arithmetic.
TEMP_BUDGET_BYTES = 48 * 2**20
#: Upper limit of the automatic chunk size (samples); larger chunks gain no speed.
MAX_CHUNK = 8192
#: Smallest job (samples x areas) that :func:`evaluate_batch` spreads over worker processes;
#: smaller jobs (the 12 regions, tests) would spend more on starting a process than they save.
PARALLEL_MIN_CELLS = 2_000_000
#: A large job is cut into a multiple of this many equal chunks (whatever the number of
#: workers, so results never depend on it), which 1, 2 or 4 workers share evenly.
CHUNK_MULTIPLE = 4


def auto_chunk_size(n_areas: int, n_inputs: int, budget: int = TEMP_BUDGET_BYTES) -> int:
    """Samples per chunk so that no temporary of :func:`evaluate_batch` exceeds ``budget`` bytes.

    The largest temporaries hold about one float64 per sample x area x input (the rank and
    Copeland work arrays and the per-method products), so the chunk is ``budget // (8 * A * max(I, C) * 2)`` samples
    (the factor 2 covers two such arrays alive at once), between 1 and :data:`MAX_CHUNK`.
    """
    per_sample = 8 * max(int(n_areas), 1) * max(int(n_inputs), 1) * 2
    return int(min(MAX_CHUNK, max(1, budget // per_sample)))


def chunk_bounds(n: int, n_areas: int, size: int, fixed: bool = False) -> list[tuple[int, int]]:
    """``(start, stop)`` of the chunks of an ``n``-sample job with at most ``size`` samples each.

    With ``fixed`` (a chunk size given by the caller) chunks are ``size`` samples, the last one
    shorter. Otherwise a large job (``n * n_areas >= PARALLEL_MIN_CELLS``) is cut into a
    multiple of :data:`CHUNK_MULTIPLE` chunks of equal size (within one sample), so that worker
    processes share it evenly; the cut depends only on ``n``, ``n_areas`` and ``size``.
    """
    if n <= 0:
        return []
    if fixed:
        return [(c0, min(c0 + size, n)) for c0 in range(0, n, size)]
    k = -(-n // size)
    if n * n_areas >= PARALLEL_MIN_CELLS:
        k = min(n, -(-k // CHUNK_MULTIPLE) * CHUNK_MULTIPLE)
    return [(i * n // k, (i + 1) * n // k) for i in range(k)]


def evaluate_batch(prepared: PreparedData, choices: dict[str, np.ndarray | int] | None = None,
                   component_weights: np.ndarray | None = None,
                   indicator_weights: np.ndarray | None = None,
                   chunk_size: int | None = None, workers: int | None = None,
                   component_scores: bool = True,
                   out: tuple[np.ndarray, np.ndarray] | None = None,
                   rows: np.ndarray | None = None) -> BatchResult:
    """Composite scores and ranks for ``S`` methodology variants.

    Samples need not be grouped: each chunk's samples are grouped by their method codes
    internally (see :func:`_component_scores`); the composite is aggregated once per composite
    method present in a chunk.

    Parameters
    ----------
    prepared : PreparedData
        From :func:`prepare_batch`.
    choices : dict of str -> int array (S,) or int, optional
        Integer codes per sample for any of the keys of :data:`CHOICE_TABLES` (``imputation``,
        ``treatment``, ``normalisation``, ``component_aggregation``,
        ``composite_aggregation``). A key not given takes the prepared spec's choice for every
        sample; a single int applies to every sample.
    component_weights : ndarray (S, C), optional
        Relative component weights per sample (renormalised to sum 1). ``None``: the spec's.
    indicator_weights : ndarray (S, I), optional
        Relative indicator weights per sample (renormalised within components). ``None``: the
        spec's (PCA weights of each sample's imputation/treatment if the spec uses PCA).
    chunk_size : int, optional
        Samples evaluated at a time. ``None`` (default): chosen from the number of areas and
        inputs by :func:`auto_chunk_size` so that no temporary exceeds
        :data:`TEMP_BUDGET_BYTES`, and large jobs cut into equal chunks (:func:`chunk_bounds`);
        a given value is capped the same way.
    workers : int, optional
        Processes that evaluate the chunks (:mod:`ldi_helpers.method.workers`); ``None``
        (default): every available CPU for a job of at least :data:`PARALLEL_MIN_CELLS`
        samples x areas, else 1. Results are identical whatever the number of workers (chunk
        boundaries do not depend on it).
    component_scores : bool
        Keep the ``(S, A, C)`` component scores (default); ``False`` leaves them out of the
        result (``None``), saving ``8 * S * A * C`` bytes.
    out : (scores, ranks), optional
        Arrays of shape ``(N, A)`` to write into, sample ``j`` into row ``rows[j]`` (a caller
        that evaluates its samples in groups fills one array without copying); with more than
        one worker they must come from :func:`ldi_helpers.method.workers.shared_array`, else
        one worker is used.
    rows : ndarray of int, shape (S,), optional
        Target rows in ``out`` (default ``0 .. S-1``).

    Returns
    -------
    BatchResult
        ``scores`` (S, A), ``ranks`` (S, A), ``component_scores`` (S, A, C) or None; with
        ``out``, ``scores`` and ``ranks`` are the ``out`` arrays themselves (all ``N`` rows).

    Raises
    ------
    BatchError
        Unknown choice key or code, sample counts that disagree, bad weights.
    """
    from .workers import available_workers, is_shared, run_chunks, shared_array

    choices = dict(choices or {})
    n = _n_samples(choices, component_weights, indicator_weights)
    codes = _codes(prepared, choices, n)
    n_a, n_i, n_c = prepared.shape
    w_comp = _weights(component_weights, prepared.component_weights,
                      component_parents(prepared), n, "component_weights", n_c)
    pca_default = indicator_weights is None and prepared.spec.indicator_weighting == "pca"
    w_ind = _weights(indicator_weights, prepared.indicator_weights, prepared.comp_index, n,
                     "indicator_weights", n_i)
    tables = _method_tables(prepared)
    method = np.ravel_multi_index(
        (codes["imputation"], codes["treatment"], codes["normalisation"]),
        prepared.scores.shape[:3])                                       # (S,)
    auto = auto_chunk_size(n_a, max(n_i, n_c))
    size = auto if chunk_size is None else max(1, min(int(chunk_size), auto))
    bounds = chunk_bounds(n, n_a, size, fixed=chunk_size is not None)
    if workers is None:
        workers = available_workers() if n * n_a >= PARALLEL_MIN_CELLS else 1
    workers = max(1, min(int(workers), len(bounds)))
    alloc = shared_array if workers > 1 else np.empty
    if out is None:
        scores, ranks = alloc((n, n_a)), alloc((n, n_a))
        rows = None
    else:
        scores, ranks = out
        if scores.shape[1:] != (n_a,) or ranks.shape != scores.shape:
            raise BatchError(f"out arrays must have shape (N, {n_a}); got {scores.shape} and "
                             f"{ranks.shape}")
        rows = np.arange(n) if rows is None else np.asarray(rows)
        if rows.shape != (n,):
            raise BatchError(f"rows must give one target row per sample ({n}); got shape "
                             f"{rows.shape}")
        if not (is_shared(scores) and is_shared(ranks)):
            workers = 1                  # a forked worker's writes would be lost
    comp = alloc((n, n_a, n_c)) if component_scores else None

    def run(i: int) -> None:
        sl = slice(*bounds[i])
        if pca_default:
            wi = prepared.pca_indicator_weights[codes["imputation"][sl], codes["treatment"][sl]]
        else:
            wi = w_ind[sl]
        cs = _component_scores(tables, method[sl], codes["component_aggregation"][sl], wi)
        if comp is not None:
            comp[sl] = cs
        top, wc = codes["composite_aggregation"][sl], w_comp[sl]
        res = scores[sl] if rows is None else np.empty((sl.stop - sl.start, n_a))
        for code in np.unique(top):
            sub = np.flatnonzero(top == code)
            res[sub] = _composite(cs[sub], wc[sub], COMPOSITE_AGGREGATIONS[code],
                                  prepared.upper, prepared.spec.generalised_mean_power)
        if rows is None:
            ranks[sl] = rank_scores(res, prepared.spec.rank_ties)
        else:
            scores[rows[sl]] = res
            ranks[rows[sl]] = rank_scores(res, prepared.spec.rank_ties)

    run_chunks(run, len(bounds), workers)
    return BatchResult(scores=scores, ranks=ranks, component_scores=comp,
                       areas=prepared.areas, components=prepared.components)


def choices_from_specs(prepared: PreparedData, specs) -> tuple[dict[str, np.ndarray],
                                                                np.ndarray, np.ndarray]:
    """Turn spec variants into batch inputs (choices, component_weights, indicator_weights).

    Only the fields that :func:`evaluate_batch` can vary may differ from the prepared spec
    (the five choice keys and the weights); anything else raises :class:`BatchError`.
    """
    from .index import stage as _stage  # noqa: F401  (same module; documents the dependency)
    base = prepared.spec
    fixed = [f for f in MethodSpec.field_names()
             if f not in CHOICE_TABLES and f not in ("indicator_weighting", "indicator_weights",
                                                     "component_weighting", "component_weights")]
    choices = {k: [] for k in CHOICE_TABLES}
    wc, wi = [], []
    for s in specs:
        s = coerce_spec(s) if not isinstance(s, MethodSpec) else s
        diff = [f for f in fixed if getattr(s, f) != getattr(base, f)]
        if diff:
            raise BatchError(f"spec variant changes field(s) {', '.join(diff)} that a prepared "
                             "batch fixes; prepare a separate batch for them")
        for k, table in CHOICE_TABLES.items():
            choices[k].append(table.index(getattr(s, k)))
        st_like = _StageView(prepared)
        if s.indicator_weighting == "pca":
            wi.append(prepared.pca_indicator_weights[IMPUTATIONS.index(s.imputation),
                                                     TREATMENTS.index(s.treatment)])
        else:
            wi.append(indicator_weight_vector(st_like, s, None)[0])
        wc.append(component_weight_vector(st_like, s)[0])
    return ({k: np.array(v, dtype=np.int64) for k, v in choices.items()},
            np.array(wc), np.array(wi))


@dataclass(frozen=True)
class _StageView:
    """The fields of :class:`~ldi_helpers.method.index.Stage` that the weight functions read."""

    prepared: PreparedData

    @property
    def indicators(self):
        return self.prepared.indicators

    @property
    def components(self):
        return self.prepared.components

    @property
    def comp_index(self):
        return self.prepared.comp_index

    @property
    def upper(self):
        return self.prepared.upper

    @property
    def indicator_base_weights(self):
        return self.prepared.indicator_base_weights
