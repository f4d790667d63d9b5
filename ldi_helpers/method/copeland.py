"""Copeland scores by counting: the index-level Copeland rule of step 8 for many areas at once.

The rule is that of :func:`ldi_helpers.method.aggregate.copeland` (module docstring of
:mod:`ldi_helpers.method.aggregate`): for areas ``a, b`` and input ``k`` let ``s_k(a, b)`` be
``+1`` when ``a`` is in a better tie group of input ``k`` than ``b`` (the groups of
:func:`~ldi_helpers.method.aggregate.rank_scores`, one score tolerance), ``-1`` when worse and
``0`` when they share a group or either lacks the input. ``a`` beats ``b`` when
``D = sum_k w_k s_k`` exceeds ``lim = SCORE_ATOL * (total weight of the inputs both have)``, loses
when ``D < -lim``, else they tie; the score is wins minus losses. Every contest is decided by the
same floating-point ``D`` and ``lim`` as the pairwise loop
(:func:`ldi_helpers.method.aggregate.copeland_pairwise`), so the scores are identical, not close.

Why counting: the pairwise loop costs ``A (A - 1) / 2`` contests x ``K`` inputs per sample (64,980
contests for 361 districts). But the outcome of a contest depends only on the ``K`` signs
``s(a, b)``, one of ``3 ** K`` patterns, so an area's score is a sum over patterns of (outcome of
the pattern) x (number of opponents with that pattern), and those numbers are counted with
bitsets, 64 opponents per machine word.

Method, per sample (``K`` inputs, weights ``w``):

1. The outcome ``f(s)`` of every pattern ``s`` in ``{+1, -1, 0} ** K`` is computed with the
   pairwise loop's arithmetic (``D`` summed over ``k`` in order, ``lim`` from the sequential sum
   of the weights, which is numpy's ``sum`` for the ``K <= MAX_INPUTS < 8`` inputs used here).
2. Missing inputs: there ``lim`` depends on which inputs both areas have, not only on ``s``.
   "Either lacks input k" is treated like "tie on k" after checking, for every pattern of
   {better, worse, tie, lacking} (``4 ** K``), that this changes no outcome; a sample where it
   would (only possible when ``0 < |D| <= SCORE_ATOL * sum(w)`` for some pattern, e.g. a weight
   below ``1e-9`` of the total) is evaluated by the pairwise loop instead.
3. ``f`` is written in the monomials ``prod_{k in A} s_k * prod_{j in B} s_j ** 2`` (``A``, ``B``
   disjoint). ``f(-s) = -f(s)``, so only odd ``|A|`` occur; the coefficients are multiples of
   ``2 ** -K`` and are kept as integers times ``2 ** K`` (exact).
4. With bitsets over the opponents ``P_k[a]`` (areas ``a`` beats on ``k``), ``N_k[a]`` (areas
   that beat ``a`` on ``k``) and ``Q_k = P_k | N_k``, and ``U = A | B``::

       sum_b prod_{k in A} s_k * prod_{j in B} s_j ** 2  =  |Q_U| - 2 |Q_U & XOR_{k in A} N_k|

   (``Q_U`` = AND of ``Q_j`` over ``U``: on it every sign is +-1 and the product is -1 exactly
   when an odd number of the ``A``-signs are -1). Counts are ``np.bitwise_count`` of
   ``ceil(A / 64)`` uint64 words; single-input terms come from sorted positions without bitsets.

Cost per sample: one sort per input plus ``O(T * A * A / 64)`` word operations, ``T`` the number
of counted terms (14 for K = 3, 47 for K = 4), against ``O(K * A * A / 2)`` for the pairwise
loop. Memory: bitsets of up to :data:`BLOCK` samples at a time, about
``(5 K + 8) * A * ceil(A / 64) * 8`` bytes per sample (400 kB for K = 3, A = 360), fewer samples
per block when that exceeds :data:`BLOCK_BYTES`. Used by
:func:`ldi_helpers.method.aggregate.copeland` when ``K <= MAX_INPUTS`` and
``MIN_AREAS <= A <= MAX_AREAS`` (the bitsets grow like ``A ** 2``).
"""
from __future__ import annotations

import itertools

import numpy as np

from .aggregate import SCORE_ATOL, sorted_runs

#: Largest number of inputs (components) for which counting beats the pairwise loop (the number
#: of counted terms grows like 3 ** K).
MAX_INPUTS = 4
#: Fewest areas for which counting is used (below, the pairwise loop is as fast).
MIN_AREAS = 32
#: Most areas for which counting is used (bitsets take ``A ** 2 / 8`` bytes per sample and input).
MAX_AREAS = 4096
#: Samples whose bitsets are built and counted together (sized to stay in the CPU cache).
BLOCK = 16
#: Largest bitset memory of one block (bytes); bounds the block for many areas.
BLOCK_BYTES = 16 * 2**20
#: Samples sorted and checked together (bounds the index arrays to a few MB).
SORT_BLOCK = 512

_ONE, _SIGN, _SQUARE = 0, 1, 2          # monomial factor of one input: 1, s_k, s_k ** 2
#: Basis change, per input, from outcomes at s = (+1, -1, 0) to 2 x the coefficients of
#: (1, s, s ** 2): f(0) = c1, f(+-1) = c1 +- cs + css.
_TO_MONOMIALS = np.array([[0, 0, 2], [1, -1, 0], [1, 1, -2]], dtype=np.int64)


def _outcomes(w: np.ndarray, states: np.ndarray, lacking: np.ndarray | None = None) -> np.ndarray:
    """Contest outcome (+1, 0, -1) of sign patterns, with the pairwise loop's arithmetic.

    Parameters
    ----------
    w : ndarray, shape (S, K)
        Weights.
    states : ndarray, shape (P, K)
        Signs ``s_k`` (+1, -1 or 0) of each pattern.
    lacking : ndarray of bool, shape (P, K), optional
        Where the pattern has "either area lacks input k" (no weight in ``lim``).

    Returns
    -------
    ndarray of int8, shape (S, P)
    """
    n_s, n_k = w.shape
    n_p = states.shape[0]
    d = np.zeros((n_s, n_p))
    tot = np.zeros((n_s, n_p))
    for k in range(n_k):
        # the pairwise loop adds (sign * both) * w_k, and both * w_k to the total weight
        d += states[None, :, k] * w[:, k, None]
        tot += (w[:, k, None] if lacking is None
                else np.where(lacking[None, :, k], 0.0, w[:, k, None]))
    lim = SCORE_ATOL * tot
    return ((d > lim).astype(np.int8) - (d < -lim)).astype(np.int8)


def _patterns(n_k: int) -> np.ndarray:
    """All ``3 ** K`` sign patterns, values (+1, -1, 0) per input, C order over the inputs."""
    return np.array(list(itertools.product((1.0, -1.0, 0.0), repeat=n_k))).reshape(-1, n_k)


def _needs_pairwise(w: np.ndarray) -> np.ndarray:
    """Samples for which "lacks input k" must not be read as "tie on k" (step 2 of the module doc).

    Returns
    -------
    ndarray of bool, shape (S,)
    """
    n_k = w.shape[1]
    four = np.array(list(itertools.product(range(4), repeat=n_k))).reshape(-1, n_k)
    sign = np.choose(four, [1.0, -1.0, 0.0, 0.0])
    lacking = four == 3
    return (_outcomes(w, sign, lacking) != _outcomes(w, sign)).any(axis=1)


def _coefficients(w: np.ndarray) -> np.ndarray:
    """``2 ** K`` x the monomial coefficients of the contest outcome of each sample.

    Returns
    -------
    ndarray of int64, shape (S, 3, ..., 3)
        Axis ``1 + k`` indexes the factor of input ``k``: 0 = 1, 1 = ``s_k``, 2 = ``s_k ** 2``.
    """
    n_s, n_k = w.shape
    c = _outcomes(w, _patterns(n_k)).astype(np.int64).reshape((n_s,) + (3,) * n_k)
    for k in range(n_k):
        c = np.moveaxis(np.tensordot(c, _TO_MONOMIALS, axes=([1 + k], [1])), -1, 1 + k)
    return c


def _terms(coef: np.ndarray) -> list[tuple[tuple[int, ...], np.ndarray, list]]:
    """Group the monomials by their support ``U`` (inputs with factor s or s ** 2).

    Returns
    -------
    list of (U, c_U, [(A, c_A), ...])
        ``c_U`` (S,) multiplies ``|Q_U|``; each odd ``A`` subset of ``U`` with ``c_A`` (S,)
        multiplies ``-2 |Q_U & XOR_{k in A} N_k|``. Terms whose coefficients are 0 for every
        sample are left out.
    """
    n_k = coef.ndim - 1
    out = []
    for size in range(1, n_k + 1):
        for u in itertools.combinations(range(n_k), size):
            c_u = np.zeros(coef.shape[0], dtype=np.int64)
            parts = []
            for r in range(1, size + 1, 2):
                for a in itertools.combinations(u, r):
                    idx = [_ONE] * n_k
                    for k in u:
                        idx[k] = _SIGN if k in a else _SQUARE
                    c = coef[(slice(None),) + tuple(idx)]
                    if c.any():
                        c_u += c
                        parts.append((a, c))
            if parts:
                out.append((u, c_u, parts))
    return out


def _group_bounds(new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First sorted position of the tie group of every sorted position, and of the next group.

    Parameters
    ----------
    new : ndarray of bool, shape (rows, A)
        Group starts (:func:`ldi_helpers.method.aggregate.sorted_runs`).

    Returns
    -------
    start, stop : ndarray of int64, shape (rows, A)
        The group of sorted position ``i`` is ``start[i] .. stop[i] - 1`` (``stop = A`` for the
        last group of a row).
    """
    rows, n = new.shape
    flat = new.reshape(-1)
    first = np.flatnonzero(flat)                     # flat position of every group start
    group = np.cumsum(flat) - 1                      # flat group number of every position
    nxt = np.empty_like(first)
    nxt[:-1] = first[1:]
    nxt[-1] = rows * n
    row_end = (first // n + 1) * n                   # a row's last group stops at the row end
    np.minimum(nxt, row_end, out=nxt)
    offset = (np.arange(rows) * n)[:, None]
    start = first[group].reshape(rows, n) - offset
    stop = nxt[group].reshape(rows, n) - offset
    return start, stop


def _block_scores(order, ok, new, terms, n_s: int, n_k: int) -> np.ndarray:
    """``2 ** K`` x the Copeland scores of one block of samples (rows ordered input-major).

    Parameters
    ----------
    order, ok, new : ndarray, shape (K * n_s, A)
        :func:`ldi_helpers.method.aggregate.sorted_runs` of each (input, sample) row.
    terms : list
        :func:`_terms` restricted to the block's samples.

    Returns
    -------
    ndarray of int64, shape (n_s, A)
    """
    rows, n_a = order.shape
    n_w = (n_a + 63) // 64
    start, stop = _group_bounds(new)
    row0 = (np.arange(rows) * n_a)[:, None]
    flat = (row0 + order).reshape(-1)                                      # area positions
    oks = np.take(ok.reshape(-1), flat).reshape(rows, n_a)                 # sorted positions
    n_present = oks.sum(axis=1, keepdims=True)
    # one bit per present area (word order // 64, bit order % 64) at its sorted position; the
    # prefix OR over sorted positions gives the set of areas before each position
    pre = np.zeros((n_w, rows, n_a + 1), dtype=np.uint64)
    sorted_pos = np.broadcast_to(np.arange(1, n_a + 1), (rows, n_a))
    keep = oks.reshape(-1)
    pre[(order >> 6).reshape(-1)[keep], np.repeat(np.arange(rows), n_a)[keep],
        sorted_pos.reshape(-1)[keep]] = np.left_shift(
            np.uint64(1), (order & 63).astype(np.uint64)).reshape(-1)[keep]
    np.bitwise_or.accumulate(pre, axis=2, out=pre)
    total = pre[:, :, n_a:]                                               # (W, rows, 1)
    # per area: N = areas before its group, P = present areas from the next group on
    src_n = np.where(oks, start, 0)
    base = (np.arange(rows) * (n_a + 1))[:, None]
    at_area = np.empty((2, rows * n_a), dtype=np.int64)
    at_area[0, flat] = (base + src_n).reshape(-1)
    at_area[1, flat] = (base + stop).reshape(-1)
    pre_flat = pre.reshape(n_w, -1)
    nn = np.take(pre_flat, at_area[0], axis=1).reshape(n_w, n_k, n_s, n_a)
    pp = np.take(pre_flat, at_area[1], axis=1).reshape(n_w, n_k, n_s, n_a)
    pp ^= total.reshape(n_w, n_k, n_s, 1)
    # single-input terms from positions: |P_k| - |N_k| (0 for an area lacking the input)
    size_n = np.empty(rows * n_a, dtype=np.int64)
    size_p = np.empty(rows * n_a, dtype=np.int64)
    size_n[flat] = src_n.reshape(-1)
    size_p[flat] = np.where(oks, n_present - stop, 0).reshape(-1)
    size_n = size_n.reshape(n_k, n_s, n_a)
    size_p = size_p.reshape(n_k, n_s, n_a)
    # inputs with no tie and no gap in the block: Q_k is every other area
    full = (new.all(axis=1) & oks.all(axis=1)).reshape(n_k, n_s).all(axis=1)
    q = [None if full[k] else pp[:, k] | nn[:, k] for k in range(n_k)]
    q_cache: dict[tuple[int, ...], np.ndarray | None] = {}

    def q_of(u):
        if u not in q_cache:
            rest = q_of(u[:-1]) if len(u) > 1 else None
            last = q[u[-1]]
            q_cache[u] = rest if last is None else (last if rest is None else rest & last)
        return q_cache[u]

    buf = np.empty((n_w, n_s, n_a), dtype=np.uint64)
    bits = np.empty((n_w, n_s, n_a), dtype=np.uint8)
    count_type = np.int16 if n_a < 2**15 else np.int32                  # counts <= A - 1
    score = np.zeros((n_s, n_a), dtype=np.int64)
    coefs, counts = [], []

    def add(c, x):
        coefs.append(c)
        counts.append(np.bitwise_count(x, out=bits).sum(axis=0, dtype=count_type))

    for u, c_u, parts in terms:
        if len(u) == 1:
            # |Q_k| - 2 |N_k| = |P_k| - |N_k|; only A = {k} exists
            score += c_u[:, None] * (size_p[u[0]] - size_n[u[0]])
            continue
        qu = q_of(u)
        if qu is None:
            score += c_u[:, None] * (n_a - 1)                             # |Q_U| = A - 1
        else:
            add(c_u, qu)
        for a, c_a in parts:
            if len(a) == 1:
                x = nn[:, a[0]] if qu is None else np.bitwise_and(nn[:, a[0]], qu, out=buf)
            else:
                x = np.bitwise_xor(nn[:, a[0]], nn[:, a[1]], out=buf)
                for k in a[2:]:
                    x ^= nn[:, k]
                if qu is not None:
                    x &= qu
            add(-2 * c_a, x)
    if counts:
        score += np.einsum("ts,tsa->sa", np.array(coefs), np.array(counts, dtype=np.int64))
    return score


def copeland_counting(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Copeland scores of many samples by counting (see module docstring).

    Parameters
    ----------
    v : ndarray, shape (S, A, K)
        Input scores (any unit; ``NaN`` = missing).
    w : ndarray, shape (S, K)
        Non-negative weights.

    Returns
    -------
    ndarray, shape (S, A)
        Wins minus losses (``-(A-1) .. A-1``); ``NaN`` for an area without any weighted input.
        Identical to :func:`ldi_helpers.method.aggregate.copeland_pairwise`.
    """
    from .aggregate import copeland_pairwise

    v = np.asarray(v, dtype=float)
    w = np.asarray(w, dtype=float)
    n_s, n_a, n_k = v.shape
    out = np.empty((n_s, n_a))
    for b0 in range(0, n_s, SORT_BLOCK):
        sl = slice(b0, min(n_s, b0 + SORT_BLOCK))
        vb, wb = v[sl], w[sl]
        m = vb.shape[0]
        present = ~np.isnan(vb)                                            # (m, A, K)
        gaps = ~present.all(axis=(1, 2))
        slow = np.zeros(m, dtype=bool)
        if gaps.any():
            slow[gaps] = _needs_pairwise(wb[gaps])
        # rows input-major: row k * m + i is sample i's input k
        x = np.ascontiguousarray(np.moveaxis(vb, 2, 0)).reshape(n_k * m, n_a)
        order, ok, new = sorted_runs(x)
        order, ok, new = (a.reshape(n_k, m, n_a) for a in (order, ok, new))
        all_terms = _terms(_coefficients(wb))
        res = np.empty((m, n_a), dtype=np.int64)
        per_sample = (5 * n_k + 8) * n_a * ((n_a + 63) // 64) * 8
        block = max(1, min(BLOCK, BLOCK_BYTES // per_sample))
        for c0 in range(0, m, block):
            cs = slice(c0, min(m, c0 + block))
            nb = cs.stop - cs.start
            terms = []
            for u, c_u, parts in all_terms:
                kept = [(a, c_a[cs]) for a, c_a in parts if c_a[cs].any()]
                if kept:
                    terms.append((u, c_u[cs], kept))
            res[cs] = _block_scores(order[:, cs].reshape(-1, n_a), ok[:, cs].reshape(-1, n_a),
                                    new[:, cs].reshape(-1, n_a), terms, nb, n_k)
        score = (res >> n_k).astype(float)           # exact: res is 2 ** K x an integer
        if slow.any():
            score[slow] = copeland_pairwise(vb[slow], wb[slow])
        # an area has a weighted input (weights are >= 0, so a positive sum = a positive term)
        has = (present & (wb > 0)[:, None, :]).any(axis=2)
        out[sl] = np.where(has, score, np.nan)
    return out
