"""Presentation: the only users of rich and matplotlib::

run        the ``ccsim run`` tables, JSON/CSV files and plots
staffing   the staffing tables, files and plots
html       the self-contained HTML page
"""
