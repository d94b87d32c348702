-- The activity service's tables (read and written by
-- services/activity/activity_store.cc). Instants are microseconds since the
-- Unix epoch; local days are days since 1970-01-01 in the team's time zone.

-- The idempotency index: one row per recorded activity_id, keyed by the
-- first 8 bytes of its SHA-256 (id_hash), with the next 8 bytes (id_check)
-- to tell a repeat of the id from a different id with the same id_hash.
-- 16 bytes per id instead of up to 128 characters of text.
--
-- On PostgreSQL every batch inserts here first (ON CONFLICT DO NOTHING) and
-- only the ids it inserted become activities, so concurrent replicas record
-- each id once. On SQLite, which one process owns, random inserts into a
-- large index would cost a page write per activity, so this table holds
-- only the ids merged into it in large sorted passes (up to
-- activity_ids_merged.last_rowid of activities); the ids recorded since are
-- kept in that process's memory, loaded from activities at start.
CREATE TABLE activity_ids (
  id_hash BIGINT PRIMARY KEY,
  id_check BIGINT NOT NULL
);

CREATE TABLE activity_ids_merged (
  id BIGINT PRIMARY KEY,
  last_rowid BIGINT NOT NULL
);

INSERT INTO activity_ids_merged (id, last_rowid) VALUES (1, 0);

-- Every recorded activity, once, appended in the order recorded.
CREATE TABLE activities (
  id_hash BIGINT NOT NULL,
  id_check BIGINT NOT NULL,
  activity_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  role BIGINT NOT NULL,
  type BIGINT NOT NULL,
  occurred_at_us BIGINT NOT NULL,
  utc_day BIGINT NOT NULL,
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

-- ListActivities by member and by team, newest first. The key is the UTC day
-- of occurred_at (days since 1970-01-01), not the instant: within a key new
-- rows go after the older ones (rowid / heap order), so a batch adds to the
-- end of one run per member and team-day instead of at random points of a
-- time-ordered index (activities arrive out of order by seconds, which at
-- this rate is thousands of rows); a listing sorts one day's rows at a time.
CREATE INDEX activities_member_day ON activities (member_id, utc_day);
CREATE INDEX activities_team_day ON activities (team_id, utc_day);

-- The first time each deal reached each funnel step (1 lead, 2 meeting held,
-- 3 proposal, 4 won): a deal is counted once per step.
CREATE TABLE deal_steps (
  deal_id TEXT NOT NULL,
  step BIGINT NOT NULL,
  PRIMARY KEY (deal_id, step)
);

-- What each member did on each local day, kept in the same transaction as
-- the activities it counts, so that KPIs never scan raw activities and always
-- equal them. One row per member and day (a member has one team and role per
-- day), one column per type, so that a batch updates one row per member-day
-- rather than one per type. n<k> counts type k (1 LEAD_CREATED ..
-- 12 TIME_LOGGED); funnel_<s> counts funnel step s (1 lead, 2 meeting held,
-- 3 proposal, 4 won): activities without a deal id, and each deal's first.
CREATE TABLE activity_daily (
  member_id TEXT NOT NULL,
  local_day BIGINT NOT NULL,
  team_id TEXT NOT NULL,
  role BIGINT NOT NULL,
  n1 BIGINT NOT NULL,
  n2 BIGINT NOT NULL,
  n3 BIGINT NOT NULL,
  n4 BIGINT NOT NULL,
  n5 BIGINT NOT NULL,
  n6 BIGINT NOT NULL,
  n7 BIGINT NOT NULL,
  n8 BIGINT NOT NULL,
  n9 BIGINT NOT NULL,
  n10 BIGINT NOT NULL,
  n11 BIGINT NOT NULL,
  n12 BIGINT NOT NULL,
  won_amount_minor BIGINT NOT NULL,
  logged_minutes BIGINT NOT NULL,
  selling_minutes BIGINT NOT NULL,
  funnel_1 BIGINT NOT NULL,
  funnel_2 BIGINT NOT NULL,
  funnel_3 BIGINT NOT NULL,
  funnel_4 BIGINT NOT NULL,
  out_of_stage_count BIGINT NOT NULL,
  PRIMARY KEY (member_id, local_day)
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
