"""One SimPy replication of the contact centre, driving one ``routing.Router``.

::

    customers     the customer population (tiers, new vs established, patience)
    contacts      per-run state: contact-type plans, contacts, staffed agents, and the
                  records they become at the end of the run
    replication   ``ContactCentre``: arrivals, self-service, routing, handling, repeats;
                  ``run_replication``
"""

from __future__ import annotations

from simulations.centre.replication import ContactCentre, run_replication

__all__ = ["ContactCentre", "run_replication"]
