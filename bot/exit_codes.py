"""What `backline`'s exit status means, for systemd (RestartPreventExitStatus) and scripts."""

OK = 0
FAILED = 1  # something failed that a restart may fix (it was logged)
CONFIG = 2  # the configuration or the database needs the host: restarting would not help
CONTENT = 3  # the exercise content (BACKLINE_CONTENT) is broken
TOKEN_REJECTED = 4  # a platform refuses the bot token (revoked or replaced): get a new one
INTERRUPTED = 130  # Ctrl-C
