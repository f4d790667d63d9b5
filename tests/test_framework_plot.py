"""The framework diagram draws one labelled wedge per aggregate and indicator."""
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from ldi_helpers.data.framework import framework_of  # noqa: E402
from ldi_helpers.report.framework_plot import plot_framework  # noqa: E402
from test_hierarchy import toy  # noqa: E402


def _wedges(fig):
    ax = [a for a in fig.axes if a.name == "polar"][0]
    return {p.get_gid(): p for p in ax.patches if p.get_gid()}, ax


def test_one_labelled_wedge_per_aggregate_and_indicator():
    data = toy()
    fig = plot_framework(data)
    wedges, ax = _wedges(fig)
    assert sorted(wedges) == sorted(["top", "s1", "s2", "p1", "p2", "p3", "x1", "x2", "x3", "x4"])
    texts = [t.get_text() for t in ax.texts]
    for label in ("TOP", "S1\n67%", "S2\n33%", "P1\n25%", "P2\n75%", "X1 (25%)", "X2 (75%)",
                  "X4 (100%)"):
        assert label in texts
    # wedge angle = nominal share of the index: x1 = (1/4) (1/4) (2/3) of the circle
    assert wedges["x1"].get_width() == pytest.approx(2 * math.pi / 24)
    assert wedges["s2"].get_width() == pytest.approx(2 * math.pi / 3)
    assert "Framework of the index: 5 aggregates, 4 indicators" in fig._suptitle.get_text()
    assert any(t.get_text().startswith("Source: the edition's framework") for t in fig.texts)
    plt.close(fig)


def test_framework_object_needs_the_indicators_table():
    data = toy()
    fw = framework_of(data)
    fig = plot_framework(fw, data.indicators, title="Toy")
    assert len(_wedges(fig)[0]) == 10 and fig._suptitle.get_text() == "Toy"
    plt.close(fig)
    with pytest.raises(TypeError, match="indicators table"):
        plot_framework(fw)
