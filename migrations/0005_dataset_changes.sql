-- Which records each import changed, for the change subscriptions (datasetChanged, entityChanged,
-- statementAdded) of every server reading this database: db:import writes one row per record it created
-- or whose validated record differs from the one before, under the dataset generation it makes, and
-- announces the generation; a server that hears it reads the rows of the generations it has not seen.
-- Only the latest generations are kept (db:import deletes older ones): a server that fell further behind
-- than that announces the new version with the changes it can still read.
CREATE TABLE dataset_changes (
  generation bigint NOT NULL,
  ordinal int NOT NULL,
  record_id text NOT NULL,
  kind text NOT NULL,
  change text NOT NULL CHECK (change IN ('CREATED', 'UPDATED')),
  PRIMARY KEY (generation, ordinal)
);
