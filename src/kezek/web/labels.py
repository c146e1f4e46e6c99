"""Words for the values the pages show staff: roles, ticket states, events, network rows.

Stored values stay in English in the database and the API; the pages show these instead,
through the catalogs (the templates call ``_()`` on them).
"""

from __future__ import annotations

from kezek.i18n import N_
from kezek.queue.status import TICKET_STATES

__all__ = ["TICKET_STATES"]

ROLES = {
    "admin": N_("Administrator"),
    "manager": N_("Manager"),
    "clerk": N_("Clerk"),
    "kiosk": N_("Kiosk (ticket machine)"),
}
EVENTS = {
    "issued": N_("Ticket issued"),
    "called": N_("Called to a window"),
    "start": N_("Service started"),
    "finish": N_("Service finished"),
    "no_show": N_("No-show"),
    "recall": N_("Called again"),
    "requeue": N_("Back in line"),
    "cancel": N_("Cancelled"),
    "transfer": N_("Sent to another service"),
    "not_served": N_("Not served: the line closed"),
    "reprinted": N_("Receipt reprinted"),
}
NETWORK_ROWS = {
    "office": N_("Offices"),
    "service": N_("Services"),
    "window": N_("Windows"),
    "group": N_("Priority groups"),
}
