-- Storage that stays small (issue 16). Message links expire after 10 days (LINK_RETENTION in
-- bot/core/ports.py: a reply to an older message is answered "send /today and reply to the new
-- one"), and stored plans for days before then that no link refers to are dropped: nothing can
-- reply to them any more. The store does both now and then from here on; this does it once for
-- an existing database. Plans saved from now on are deflated JSON with a preset dictionary
-- (a BLOB in the same column); rows written before stay readable as text until they expire.

DELETE FROM message_links
WHERE created_at < strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now', '-10 days');

-- Expiry and the plans clean-up look links up by (user, day) and by age.
DROP INDEX message_links_user;
CREATE INDEX message_links_user ON message_links (user_id, plan_date);
CREATE INDEX message_links_created ON message_links (created_at);

DELETE FROM plans
WHERE plan_date < date('now', '-10 days')
  AND NOT EXISTS (
      SELECT 1 FROM message_links l
      WHERE l.user_id = plans.user_id AND l.plan_date = plans.plan_date
  );
