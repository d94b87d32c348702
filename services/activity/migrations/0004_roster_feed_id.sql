-- The change log a saved roster feed position belongs to: a roster on
-- another database numbers its changes afresh, so a position is only
-- resumed against the same feed id (clients/roster/roster_change_follower.h).
ALTER TABLE roster_feed_position ADD COLUMN feed_id TEXT NOT NULL DEFAULT '';
