-- Where this service is in the roster's change feed (clients/roster/
-- roster_feed.h): the newest change applied, saved after each applied
-- message, so that a restart resumes there and misses nothing.
CREATE TABLE roster_feed_position (
  consumer TEXT PRIMARY KEY,
  sequence BIGINT NOT NULL
);
