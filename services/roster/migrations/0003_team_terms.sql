-- A team's time zone and currency over time (Team.terms): from
-- effective_from (an ISO day in that zone; '0001-01-01' for the first
-- terms) until the next row's. teams.time_zone and teams.currency_code
-- hold the latest row's, which may be scheduled for a later day.
CREATE TABLE team_terms (
  team_id TEXT NOT NULL REFERENCES teams (id),
  effective_from TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  currency_code TEXT NOT NULL,
  PRIMARY KEY (team_id, effective_from)
);

INSERT INTO team_terms (team_id, effective_from, time_zone, currency_code)
SELECT id, '0001-01-01', time_zone, currency_code FROM teams;
