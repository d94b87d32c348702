-- The change feed (WatchRosterChanges): one row per roster write, appended in
-- the write's own transaction.
--
-- Sequences come from the single row of roster_change_log, incremented by
-- every write (UPDATE ... RETURNING) rather than from a database sequence:
-- the row lock orders writers, so sequences are gapless and a change becomes
-- visible only after every change numbered below it, and a reader that has
-- seen sequence n can never later find a smaller one it missed.

CREATE TABLE roster_change_log (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  -- The newest sequence handed out (0: none yet).
  last_sequence BIGINT NOT NULL,
  -- Changes up to this sequence were deleted for age (0: none).
  pruned_through BIGINT NOT NULL
);

INSERT INTO roster_change_log (id, last_sequence, pruned_through) VALUES (1, 0, 0);

CREATE TABLE roster_changes (
  sequence BIGINT PRIMARY KEY,
  commit_time_us BIGINT NOT NULL,
  -- rosterpb::RosterChange, whole (its sequence and commit_time included).
  body BYTEA NOT NULL
);

-- Retention deletes by age.
CREATE INDEX roster_changes_time ON roster_changes (commit_time_us);
