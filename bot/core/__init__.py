"""The coaching core: platform-free, no I/O of its own.

It never imports telegram, discord, apscheduler, aiosqlite or the adapters; it talks to
persistence only through the `Store` protocol in `bot.core.ports`.
"""
