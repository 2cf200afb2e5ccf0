"""Presentation: the only users of rich and matplotlib::

format      how numbers read: one "mean ± CI" formatter, driven by the KPI's unit
table       the table model every table is built as
console     the terminal: tables drawn with rich, the progress bar
plots       the one figure helper every PNG is drawn with
run         the ``ccsim run`` tables, JSON/CSV files and plots
staffing    the staffing document, tables, files and plots
sweep       the sweep table and plots
crosstrain  the cross-training tables and plot
html        the self-contained HTML page, rendering the same tables
"""
