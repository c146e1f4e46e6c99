"""Every feature's tables, imported once so that ``Base.metadata`` knows them all."""

import kezek.booking.models
import kezek.network.models
import kezek.notify.models
import kezek.queue.models
import kezek.ratelimit
import kezek.rounds.models
import kezek.staff.models  # noqa: F401
