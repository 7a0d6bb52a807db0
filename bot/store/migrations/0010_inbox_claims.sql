-- Inbox entries carry who handles them (bot/store/claims.py): several processes on one
-- database each answer what they took, and a restarting one takes over only its own entries,
-- those of a process that is gone, and those whose lease ran out.
--   claimed_by   the instance name of the process holding the entry (NULL: nobody; entries
--                stored before this migration are anyone's to finish)
--   lease_until  until when it holds it without renewing (each step renews it)
ALTER TABLE inbox ADD COLUMN claimed_by TEXT;
ALTER TABLE inbox ADD COLUMN lease_until TEXT;
