-- Names this database's change log (WatchRosterChangesResponse.feed_id, and
-- the Redis key the roster publishes its head under): set once, by the
-- first roster process that starts on the database, to a random id.
ALTER TABLE roster_change_log ADD COLUMN feed_id TEXT NOT NULL DEFAULT '';
