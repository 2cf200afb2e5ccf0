"""Records -> numbers, with no SimPy, rich or matplotlib::

stats     the Student t quantile and mean ± CI estimates
metrics   the KPIs of one replication (definitions in its docstring)
summary   KPIs across replications (``Summary``), paired comparisons and the one rule
          for reading a difference (``difference_verdict``)
"""
