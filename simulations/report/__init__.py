"""Presentation: the only users of rich and matplotlib::

run         the ``ccsim run`` tables, JSON/CSV files and plots
staffing    the staffing tables, files and plots
sweep       the sweep table and plots
crosstrain  the cross-training table and plot
html        the self-contained HTML page
"""
