-- SQLite's idempotency index, in runs. Each merge of the ids recorded since
-- the last one (see 0001) writes them as a new run: (run, id_hash) keys in
-- ascending order, so that a merge appends to the end of the index and costs
-- the same however many ids were merged before. Merging into the one
-- activity_ids index rewrote pages all over it, so each merge took longer
-- than the one before (seconds at a few million ids, with ingest held up).
-- A lookup seeks each run, but lookups are rare: the store keeps a filter of
-- the merged ids and looks up only the ids it cannot rule out.
--
-- PostgreSQL keeps using activity_ids (its writers insert there directly and
-- never merge), and leaves this table empty.
CREATE TABLE activity_id_runs (
  run BIGINT NOT NULL,
  id_hash BIGINT NOT NULL,
  id_check BIGINT NOT NULL,
  PRIMARY KEY (run, id_hash)
);

-- How many runs there are: runs are numbered 0 .. runs - 1.
ALTER TABLE activity_ids_merged ADD COLUMN runs BIGINT NOT NULL DEFAULT 0;

-- Ids a SQLite store merged under 0001 become run 0. Only a SQLite store
-- merges (last_rowid > 0): on PostgreSQL these statements change nothing.
INSERT INTO activity_id_runs (run, id_hash, id_check)
SELECT 0, id_hash, id_check FROM activity_ids
WHERE (SELECT last_rowid FROM activity_ids_merged WHERE id = 1) > 0
ORDER BY id_hash;

DELETE FROM activity_ids WHERE (SELECT last_rowid FROM activity_ids_merged WHERE id = 1) > 0;

UPDATE activity_ids_merged SET runs = 1 WHERE id = 1 AND last_rowid > 0;
