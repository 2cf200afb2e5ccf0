"""Planning on top of experiments: how many agents, which variant, which skills::

    targets     the target grammar (``voice:80/20``, ``asa:chat<=30``...) and measurement
    staffing/   the staffing search: Erlang start, plans, simulation-refined search
    sweep       grids of scenario variants, streamed to CSV, resumable
    crosstrain  skill patterns compared on the same customers

Nothing here draws or prints: ``simulations.report`` renders these results.
"""
