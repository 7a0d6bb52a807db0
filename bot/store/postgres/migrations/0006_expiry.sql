-- Twin of bot/store/migrations/0006_expiry.sql: message links expire after 10 days
-- (LINK_RETENTION), stored plans no live link refers to go with them; the store does both
-- now and then from here on, this does it once for an existing database. (Plans stay jsonb
-- here: compressing them is SQLite's.)

DELETE FROM message_links WHERE created_at < now() - interval '10 days';

DROP INDEX message_links_user;
CREATE INDEX message_links_user ON message_links (user_id, plan_date);
CREATE INDEX message_links_created ON message_links (created_at);

DELETE FROM plans
WHERE plan_date < (now() - interval '10 days')::date
  AND NOT EXISTS (
      SELECT 1 FROM message_links l
      WHERE l.user_id = plans.user_id AND l.plan_date = plans.plan_date
  );
