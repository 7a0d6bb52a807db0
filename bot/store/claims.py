"""Who holds an inbox entry: its owner (a process's instance name) and the lease it holds it by.

Several Backline processes on one database (webhook mode behind a load balancer, Discord
interactions on every process) each answer the updates they took. An entry carries the name
of the process handling it and a lease, renewed at every step (applied, each message
delivered). Another process takes an entry over only when its owner is gone (PostgreSQL: the
owner's presence lock is free, see bot/store/postgres/outbox.py; SQLite: this process holds
the database's writer lock, so no other one runs) or its lease ran out (an owner that stalled
or left the rest of an answer for its next start); a restarting process under the same name
takes its own back at once. Every step checks the entry is still the caller's, so an answer
half delivered resumes where it stopped in one process only.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

# Longer than any wait inside one answer (a flood wait is at most a minute, see
# RetryPolicy.max_retry_after), so a working owner never loses an entry it is answering.
LEASE = timedelta(minutes=5)


def default_owner() -> str:
    """This process's name among those sharing a database, unless BACKLINE_INSTANCE names it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_end(now: datetime) -> datetime:
    return now + LEASE
