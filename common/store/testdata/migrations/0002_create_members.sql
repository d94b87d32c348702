CREATE TABLE members (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL REFERENCES teams (id),
  quota_minor BIGINT NOT NULL
);
CREATE INDEX members_by_team ON members (team_id);
