-- The roster's tables (read and written by services/roster/roster_store.cc).
-- Calendar days are ISO 'YYYY-MM-DD' text, which sorts and compares as the
-- days do on both backends; instants are microseconds since the Unix epoch.
-- The nested, rarely queried parts of a team and a member are one serialized
-- proto each (settings, profile), read and written whole with their row.

CREATE TABLE teams (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  currency_code TEXT NOT NULL,
  sales_model BIGINT NOT NULL,
  -- NULL until a manager is set. No foreign key: members reference teams,
  -- and a team exists before its first member.
  manager_id TEXT,
  -- rosterpb::Team with only expectation_policy, training_cadence and
  -- stage_ownership set.
  settings BYTEA NOT NULL,
  version BIGINT NOT NULL,
  create_time_us BIGINT NOT NULL,
  update_time_us BIGINT NOT NULL
);

CREATE TABLE members (
  id TEXT PRIMARY KEY,
  -- The email lower-cased (ASCII) by the store, so that uniqueness is
  -- case-insensitive and the same on both backends.
  email_key TEXT NOT NULL,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  -- rosterpb::Member with only archetype, value_tier, skills, motivators and
  -- contact_channels set.
  profile BYTEA NOT NULL,
  hire_date TEXT NOT NULL,
  -- The first inactive day; NULL while active.
  deactivation_date TEXT,
  version BIGINT NOT NULL,
  create_time_us BIGINT NOT NULL,
  update_time_us BIGINT NOT NULL
);

CREATE UNIQUE INDEX members_email_key ON members (email_key);

-- Who held which team and role when: [effective_from, effective_until), with
-- effective_until NULL on the latest row only. The first row starts on the
-- hire date; rows never overlap.
CREATE TABLE member_assignments (
  member_id TEXT NOT NULL REFERENCES members (id),
  effective_from TEXT NOT NULL,
  effective_until TEXT,
  team_id TEXT NOT NULL REFERENCES teams (id),
  role BIGINT NOT NULL,
  PRIMARY KEY (member_id, effective_from),
  CHECK (effective_until IS NULL OR effective_until > effective_from)
);

-- A team's members on a day (ListMembers, team training listings).
CREATE INDEX member_assignments_team ON member_assignments (team_id, effective_from);

CREATE TABLE training_sessions (
  id TEXT PRIMARY KEY,
  member_id TEXT NOT NULL REFERENCES members (id),
  area BIGINT NOT NULL,
  session_date TEXT NOT NULL,
  hours DOUBLE PRECISION NOT NULL,
  note TEXT NOT NULL,
  recorded_by TEXT NOT NULL,
  create_time_us BIGINT NOT NULL
);

-- A member's sessions newest first, resumed by (date, id), and the latest per
-- area on or before a day.
CREATE INDEX training_sessions_member ON training_sessions (member_id, session_date, id);
