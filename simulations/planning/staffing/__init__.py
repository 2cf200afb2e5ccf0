"""Staffing search: an Erlang A/C start, refined by simulation until targets hold::

plan           plans (agents per group and interval) and the scenario they staff
erlang_start   the Erlang A/C starting point per group and interval
search         the greedy, simulation-refined search and its result
"""
