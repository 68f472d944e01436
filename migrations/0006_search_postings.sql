-- Search that stays fast as the knowledge base grows (src/store/postgres/search.ts, issue #15: p95 under
-- 50 ms at 10,000× the seed). Migration 0004 found a query's documents through GIN indexes over every
-- document and then scored all of them: a word that every article uses ("coalition") scored hundreds of
-- thousands of documents for ten hits (13 s at 10,000×). Two tables replace those indexes:
--
-- search_terms, the vocabulary: every distinct term of search_documents. A query word is matched against
-- it (exactly, as a prefix, or as a typo by trigrams), not against every document; it stays small as
-- articles repeat the same words.
--
-- search_postings, an inverted index ordered for early stopping: one row per term and document that
-- holds it, with the document's weight (its field's boost times BM25's length factor, the part of its
-- score that does not depend on the query). A document's score for a one-word query is the match
-- quality of its best term times this weight, so reading each matched term's postings in weight order
-- gives the best documents first, and a search reads a few dozen rows per term for a page of ten
-- instead of every matching document. Ties keep the ranking's own order (kind, then id).
--
-- Both are derived from search_documents by db:import (searchIndexStatements in search.ts): a writer
-- that replaces a record's search_documents rows replaces its postings and adds any new terms.
ALTER TABLE search_documents DROP COLUMN terms_vector, DROP COLUMN terms_text;

CREATE TABLE search_terms (
  term text COLLATE "C" PRIMARY KEY
);
-- Typo candidates by trigram word similarity and by LIKE on pieces of the query term.
CREATE INDEX search_terms_trgm ON search_terms USING gin (term gin_trgm_ops);

CREATE TABLE search_postings (
  term text COLLATE "C" NOT NULL,
  weight float8 NOT NULL,
  kind_order smallint NOT NULL,
  record_id text NOT NULL,
  ordinal integer NOT NULL,
  kind text NOT NULL
);
-- A term's postings best first, in the ranking's tie order; kind included so a search limited to some
-- kinds reads the index alone.
CREATE INDEX search_postings_ranked ON search_postings (term, weight DESC, kind_order, record_id COLLATE "C", ordinal) INCLUDE (kind);
