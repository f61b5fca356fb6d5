"""When a job is due: a cron expression in a time zone, or a fixed interval.

The same schedule answers two questions: the first fire time after a moment (for the records in
the database, on any clock) and the APScheduler trigger that wakes the bot process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger


def check_cron(expression: str, timezone: str = "UTC") -> str:
    """`expression` if it is a five-field cron expression APScheduler accepts, else ValueError."""
    from apscheduler.triggers.cron import CronTrigger  # small; only when a cron is read

    if len(expression.split()) != 5:
        raise ValueError(
            f"expected five fields (minute hour day month weekday), e.g. '0 12 * * *', "
            f"got {expression!r}"
        )
    try:
        CronTrigger.from_crontab(expression, timezone=ZoneInfo(timezone))
    except ValueError as error:
        raise ValueError(f"{error} in {expression!r}") from None
    return expression


@dataclass(frozen=True)
class Cron:
    expression: str
    timezone: str = "UTC"

    def trigger(self) -> BaseTrigger:
        from apscheduler.triggers.cron import CronTrigger

        return CronTrigger.from_crontab(self.expression, timezone=ZoneInfo(self.timezone))

    def next_after(self, moment: float) -> float:
        """The first fire time strictly after `moment`."""
        zone = ZoneInfo(self.timezone)
        start = datetime.fromtimestamp(moment, zone) + timedelta(microseconds=1)
        fire = self.trigger().get_next_fire_time(None, start)
        assert fire is not None  # a five-field cron always fires again
        return fire.timestamp()

    def describe(self) -> str:
        return f"cron {self.expression} ({self.timezone})"


GRID_START = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Every:
    """A fixed interval whose fire times lie on a grid, the multiples of `seconds` since the
    epoch, as a cron's lie on the clock: when a run starts late, the next one is not pushed
    back, and the trigger that wakes the process fires on the same grid."""

    seconds: float

    def trigger(self) -> BaseTrigger:
        from apscheduler.triggers.interval import IntervalTrigger

        return IntervalTrigger(seconds=self.seconds, start_date=GRID_START)

    def next_after(self, moment: float) -> float:
        """The first fire time strictly after `moment`."""
        fire = (math.floor(moment / self.seconds) + 1) * self.seconds
        return fire if fire > moment else fire + self.seconds  # rounding on a grid point

    def describe(self) -> str:
        return f"every {self.seconds:g} s"


Schedule = Cron | Every
