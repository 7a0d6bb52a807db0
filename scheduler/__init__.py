"""Who gets what pushed when: daily sessions, nudges, weekly summaries and group sessions at
each person's local time, through a durable outbox at the platforms' rate limits.

    service = PushService(store, coach, {"telegram": telegram_sender})
    await service.start()      # catches up on anything missed while down, then ticks
    ...
    await service.stop()

See service.py (APScheduler driver), queueing.py (the tick), dispatch.py (delivery and the
delivery guarantee), timing.py (local time rules), ratelimit.py (limits and lanes).
"""

from scheduler.config import PushConfig
from scheduler.service import PushService

__all__ = ["PushConfig", "PushService"]
