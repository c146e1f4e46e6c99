"""Words for the values the pages show staff: roles, ticket states, events, network rows.

Stored values stay in English in the database and the API; the pages show these instead,
through the catalogs (the templates call ``_()`` on them).
"""

from __future__ import annotations

from kezek.i18n import N_

ROLES = {
    "admin": N_("Administrator"),
    "manager": N_("Manager"),
    "clerk": N_("Clerk"),
    "kiosk": N_("Kiosk (ticket machine)"),
}
TICKET_STATES = {
    "waiting": N_("Waiting"),
    "called": N_("Called: on the way to your window"),
    "serving": N_("Being served"),
    "done": N_("Finished: served"),
    "no_show": N_("No-show"),
    "cancelled": N_("Cancelled"),
    "transferred": N_("Sent to another service"),
    "not_served": N_("Not served: the line closed"),
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
