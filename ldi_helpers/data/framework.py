"""The framework of an edition: indicators -> components -> ... -> the index, of any depth.

An edition's ``framework.csv`` lists the aggregates (``aggregate_id, name, parent, weight``); each
indicator names its component (a level-2 aggregate) in ``indicators.csv``. Levels are counted from
the indicators (level 1): components are level 2, their parents level 3, and so on up to the one
root, the index. :class:`Framework` is that tree in the form the engine uses: one
:class:`UpperLevel` per level above the components, each saying which aggregate of the level every
child belongs to and the child's weight within its parent.

Data objects without a framework table (small test fixtures) get the two-level LDI framework of
the components they use: every component a child of one root, ``"index"``, with weight 1.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .components import COMPONENTS, CONTEXT

#: Id of the root in a framework derived for data without a framework table.
DEFAULT_ROOT = "index"


@dataclass(frozen=True)
class UpperLevel:
    """One level of aggregates above the components.

    Attributes
    ----------
    ids : tuple of str
        Aggregate ids of this level, in framework order.
    child_index : ndarray of int
        For each aggregate of the level below (components for the first upper level), the
        position of its parent in ``ids``.
    child_weights : ndarray of float
        Framework weight of each child of the level below within its parent (not normalised).
    """

    ids: tuple[str, ...]
    child_index: np.ndarray
    child_weights: np.ndarray


@dataclass(frozen=True)
class Framework:
    """The aggregates of an edition.

    Attributes
    ----------
    table : DataFrame
        One row per aggregate: ``aggregate_id`` (index), ``name``, ``parent`` ("" for the root),
        ``weight``, ``level`` (2 = component).
    root : str
        Id of the index.
    """

    table: pd.DataFrame
    root: str

    @property
    def components(self) -> tuple[str, ...]:
        """Level-2 aggregates (the parents of indicators), in framework order."""
        t = self.table
        return tuple(t.index[t["level"] == 2])

    @property
    def depth(self) -> int:
        """Level of the root (2 = the components are aggregated straight into the index)."""
        return int(self.table.loc[self.root, "level"])

    def names(self) -> dict[str, str]:
        """Aggregate id -> display name."""
        return self.table["name"].astype(str).to_dict()

    def name(self, aggregate_id: str) -> str:
        """Display name of an aggregate (the id if unknown)."""
        t = self.table
        return str(t.at[aggregate_id, "name"]) if aggregate_id in t.index else aggregate_id

    def upper_levels(self, components: tuple[str, ...]) -> tuple[UpperLevel, ...]:
        """The levels above ``components`` (the components that have data), up to the root.

        Aggregates left without any child with data are dropped, level by level, so the weights
        of the remaining siblings are renormalised by the aggregation (the JRC's available-case
        rule). The last level holds the root only.
        """
        t = self.table
        out = []
        below = tuple(components)
        while True:
            parents = [str(t.at[c, "parent"]) for c in below]
            if any(p == "" for p in parents):
                break          # the level below is the root itself
            ids = tuple(a for a in t.index if a in set(parents))
            pos = {a: k for k, a in enumerate(ids)}
            out.append(UpperLevel(
                ids=ids,
                child_index=np.array([pos[p] for p in parents], dtype=int),
                child_weights=np.array([float(t.at[c, "weight"]) for c in below])))
            below = ids
            if ids == (self.root,):
                break
        return tuple(out)


def _levels(table: pd.DataFrame, indicator_parents: set[str]) -> dict[str, int]:
    """Level of each aggregate: 2 for parents of indicators, else 1 + level of its children."""
    children: dict[str, list[str]] = {}
    for a, p in zip(table.index, table["parent"]):
        if p:
            children.setdefault(str(p), []).append(str(a))
    level: dict[str, int] = {}

    def lvl(a: str) -> int:
        if a not in level:
            kids = children.get(a, [])
            level[a] = 2 if not kids else 1 + max(lvl(k) for k in kids)
        return level[a]

    for a in table.index:
        lvl(str(a))
    return level


def framework_of(data) -> Framework:
    """The :class:`Framework` of ``data``: its ``framework`` table, or the derived LDI one.

    Parameters
    ----------
    data : LDIData or any object with an ``indicators`` frame (``indicator_id``, ``component``)
        and optionally a ``framework`` frame (``aggregate_id, name, parent, weight[, level]``).
    """
    fw = getattr(data, "framework", None)
    if fw is not None:
        t = fw.copy()
        t["parent"] = t["parent"].fillna("").astype(str)
        t = t.set_index("aggregate_id", drop=False)
        if "level" not in t.columns:
            t["level"] = pd.Series(_levels(t, set()))
        t["level"] = t["level"].astype(int)
        t["weight"] = t["weight"].astype(float)
        roots = list(t.index[t["parent"] == ""])
        return Framework(t, roots[0])
    used = [c for c in dict.fromkeys(data.indicators["component"]) if c != CONTEXT]
    comps = [c for c in COMPONENTS if c in used] + [c for c in used if c not in COMPONENTS]
    t = pd.DataFrame({
        "aggregate_id": [*comps, DEFAULT_ROOT],
        "name": [COMPONENTS.get(c, c) for c in comps] + ["Index"],
        "parent": [DEFAULT_ROOT] * len(comps) + [""],
        "weight": [1.0] * (len(comps) + 1),
        "level": [2] * len(comps) + [3],
    }).set_index("aggregate_id", drop=False)
    return Framework(t, DEFAULT_ROOT)


__all__ = ["Framework", "UpperLevel", "framework_of", "DEFAULT_ROOT"]
