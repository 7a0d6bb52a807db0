"""The PostgreSQL store: the same ports as SQLite's, for several Backline processes on one
database (BACKLINE_DB=postgresql://...). database.py: the pool, migrations, errors;
store.py: the core's ports; inbox.py: inbound updates, stored before they are handled;
outbox.py: the scheduler's, with claims and the due-scan lock."""

from bot.store.postgres.database import DatabaseUnreachable, redacted
from bot.store.postgres.inbox import PostgresInbox
from bot.store.postgres.outbox import PostgresOutbox, WorkerNameTaken
from bot.store.postgres.store import PostgresStore

__all__ = [
    "DatabaseUnreachable",
    "PostgresInbox",
    "PostgresOutbox",
    "PostgresStore",
    "WorkerNameTaken",
    "redacted",
]
