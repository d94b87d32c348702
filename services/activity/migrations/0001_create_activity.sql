-- The activity service's tables (read and written by
-- services/activity/activity_store.cc). Instants are microseconds since the
-- Unix epoch; local days are days since 1970-01-01 in the team's time zone.

-- Every recorded activity, once. id_hash is the first 8 bytes of the SHA-256
-- of activity_id: the idempotency check is a lookup in this compact 8-byte
-- index rather than in one on up to 128 characters of text, and activity_id
-- is kept beside it to tell a repeat from a (vanishingly rare) fingerprint
-- collision. On SQLite the rows themselves are appended in insertion order
-- (rowid), so only the indexes are written at random.
CREATE TABLE activities (
  id_hash BIGINT PRIMARY KEY,
  activity_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  role BIGINT NOT NULL,
  type BIGINT NOT NULL,
  occurred_at_us BIGINT NOT NULL,
  local_day BIGINT NOT NULL,
  deal_id TEXT,
  amount_minor BIGINT,
  currency_code TEXT,
  minutes BIGINT NOT NULL,
  selling BIGINT NOT NULL,
  out_of_stage BIGINT NOT NULL,
  source_system TEXT NOT NULL,
  record_time_us BIGINT NOT NULL
);

-- ListActivities by member and by team, newest first.
CREATE INDEX activities_member_time ON activities (member_id, occurred_at_us);
CREATE INDEX activities_team_time ON activities (team_id, occurred_at_us);

-- The first time each deal reached each funnel step (1 lead, 2 meeting held,
-- 3 proposal, 4 won): a deal is counted once per step.
CREATE TABLE deal_steps (
  deal_id TEXT NOT NULL,
  step BIGINT NOT NULL,
  PRIMARY KEY (deal_id, step)
);

-- What each member did of each type on each local day, kept in the same
-- transaction as the activities it counts, so that KPIs never scan raw
-- activities and always equal them. A member has one team and role per day.
CREATE TABLE activity_daily (
  member_id TEXT NOT NULL,
  local_day BIGINT NOT NULL,
  type BIGINT NOT NULL,
  team_id TEXT NOT NULL,
  role BIGINT NOT NULL,
  activity_count BIGINT NOT NULL,
  amount_minor BIGINT NOT NULL,
  minutes BIGINT NOT NULL,
  selling_minutes BIGINT NOT NULL,
  funnel_count BIGINT NOT NULL,
  out_of_stage_count BIGINT NOT NULL,
  PRIMARY KEY (member_id, local_day, type)
);

CREATE INDEX activity_daily_team ON activity_daily (team_id, local_day);

-- How many activities each team has recorded for each local day, split over
-- a few shards so that concurrent writers to one busy team-day do not queue on
-- one row. The leaderboards in Redis carry the count they include; a
-- different count here means Redis missed or lost something, and that day is
-- rebuilt from activity_daily.
CREATE TABLE team_day_counts (
  team_id TEXT NOT NULL,
  local_day BIGINT NOT NULL,
  shard BIGINT NOT NULL,
  activity_count BIGINT NOT NULL,
  PRIMARY KEY (team_id, local_day, shard)
);
