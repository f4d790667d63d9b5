"""Root pytest configuration for nbval.

nbval regression-checks only the cells marked ``# NBVAL_CHECK_OUTPUT`` (``--nbval-lax``). Of their
outputs it compares the plain-text form; the HTML rendering of the same table is skipped because it
carries styling that may change between pandas versions without any number changing.
"""


def pytest_collectstart(collector):
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("text/html", "application/javascript")
