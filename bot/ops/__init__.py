"""Running Backline as a service: configuration checks, backups, metrics, health, redaction.

Nothing is imported here, so `bot.ops.redaction` can be used without loading the rest.
"""
