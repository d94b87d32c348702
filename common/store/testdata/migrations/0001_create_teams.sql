-- Teams; the quote in this comment ('x') and the $1 below must survive embedding.
CREATE TABLE teams (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT 'it''s $1'
);
