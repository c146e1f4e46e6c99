"""An office's call-next settings, as the network file gives them (``[offices.queue]``).

The queue's policy (``kezek.queue.policy``) reads them; they live with the network so that
the network, loaded first, depends on nothing of the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from kezek.network.spec import QueueSpec


class LateArrival(StrEnum):
    walk_in = "walk_in"  # queue as a walk-in from the moment of arrival
    refuse = "refuse"  # the appointment is missed; the person books again


@dataclass(frozen=True)
class PolicyConfig:
    call_early: timedelta = timedelta(minutes=5)
    late_grace: timedelta = timedelta(minutes=15)
    late_arrival: LateArrival = LateArrival.walk_in
    priority_groups: tuple[str, ...] = ("priority",)
    max_wait: timedelta = timedelta(hours=2)
    call_early_appointments: bool = True
    overdue_before_appointments: bool = False

    def __post_init__(self) -> None:
        if self.max_wait <= timedelta(0):
            raise ValueError("max_wait must be positive")
        if self.call_early < timedelta(0) or self.late_grace < timedelta(0):
            raise ValueError("call_early and late_grace cannot be negative")
        if len(set(self.priority_groups)) != len(self.priority_groups):
            raise ValueError("a priority group is listed twice")


def queue_config_from_document(document: dict[str, Any]) -> PolicyConfig:
    """The office's call-next settings; those it does not give keep their defaults."""
    settings = QueueSpec.model_validate(document)
    return PolicyConfig(
        call_early=timedelta(minutes=settings.call_early_minutes),
        late_grace=timedelta(minutes=settings.late_grace_minutes),
        late_arrival=LateArrival(settings.late_arrival),
        priority_groups=tuple(settings.priority_groups),
        max_wait=timedelta(minutes=settings.max_wait_minutes),
        call_early_appointments=settings.call_early_appointments,
        overdue_before_appointments=settings.overdue_before_appointments,
    )
