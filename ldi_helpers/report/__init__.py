"""Layer 4, report: what readers see.

``formatting`` (numbers and names in words), ``display`` (tables in notebooks), ``plots`` and
``framework_plot`` (charts), ``briefing`` (the two-minute briefing of one unit), ``site`` (the
index page and reader pages) and the HTML ``templates``. Imports the layers below.
"""
