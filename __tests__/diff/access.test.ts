import { defineCorpus, type Case } from './corpus.js';

/** Policies, comments, privileges, extensions, and changes that are not schema changes at all. */
const cases: Case[] = [
  // ── row-level security policies ──
  {
    title: 'create a policy',
    change: "CREATE POLICY posts_published ON public.posts FOR SELECT USING (status = 'published')",
    undo: 'DROP POLICY posts_published ON public.posts',
    expect: ['policy added public.posts.posts_published'],
  },
  {
    title: 'drop a policy',
    change: 'DROP POLICY posts_owner ON public.posts',
    undo: 'CREATE POLICY posts_owner ON public.posts USING (user_id = 1)',
    expect: ['policy removed public.posts.posts_owner'],
  },
  {
    title: 'change a policy expression',
    change: 'ALTER POLICY posts_owner ON public.posts USING (user_id = 2)',
    undo: 'ALTER POLICY posts_owner ON public.posts USING (user_id = 1)',
    expect: ['policy changed public.posts.posts_owner'],
  },
  {
    title: 'restrict a policy to a role',
    change: 'ALTER POLICY posts_owner ON public.posts TO corpus_reader',
    undo: 'ALTER POLICY posts_owner ON public.posts TO PUBLIC',
    expect: ['policy changed public.posts.posts_owner'],
  },
  {
    title: 'create a restrictive policy',
    change: 'CREATE POLICY posts_not_deleted ON public.posts AS RESTRICTIVE USING (score >= 0)',
    undo: 'DROP POLICY posts_not_deleted ON public.posts',
    expect: ['policy added public.posts.posts_not_deleted'],
  },
  {
    title: 'create an INSERT policy WITH CHECK for a quoted role',
    change:
      'CREATE POLICY posts_insert ON public.posts FOR INSERT TO "Corpus Auditor" WITH CHECK (user_id > 0)',
    undo: 'DROP POLICY posts_insert ON public.posts',
    expect: ['policy added public.posts.posts_insert'],
  },
  {
    title: 'rename a policy',
    change: 'ALTER POLICY posts_owner ON public.posts RENAME TO posts_mine',
    undo: 'ALTER POLICY posts_mine ON public.posts RENAME TO posts_owner',
    expect: ['policy renamed public.posts.posts_mine'],
  },
  {
    title: 'create a policy on a quoted table',
    change: 'CREATE POLICY "Small orders" ON app."Order Items" FOR UPDATE USING ("Quantity" < 5)',
    undo: 'DROP POLICY "Small orders" ON app."Order Items"',
    expect: ['policy added app."Order Items"."Small orders"'],
  },
  // ── comments ──
  {
    title: 'comment on a table',
    change: "COMMENT ON TABLE public.posts IS 'Articles'",
    undo: 'COMMENT ON TABLE public.posts IS NULL',
    expect: ['comment added public.posts'],
  },
  {
    title: 'change a table comment',
    change: "COMMENT ON TABLE public.users IS 'Accounts'",
    undo: "COMMENT ON TABLE public.users IS 'People who log in'",
    expect: ['comment changed public.users'],
  },
  {
    title: 'remove a table comment',
    change: 'COMMENT ON TABLE public.users IS NULL',
    undo: "COMMENT ON TABLE public.users IS 'People who log in'",
    expect: ['comment removed public.users'],
  },
  {
    title: 'change a column comment',
    change: "COMMENT ON COLUMN public.users.email IS 'Where we write to'",
    undo: "COMMENT ON COLUMN public.users.email IS 'Login address'",
    expect: ['comment changed public.users.email'],
  },
  {
    title: 'comment on a quoted column',
    change: `COMMENT ON COLUMN app."Order Items"."unit price" IS 'In cents, "net"'`,
    undo: 'COMMENT ON COLUMN app."Order Items"."unit price" IS NULL',
    expect: ['comment added app."Order Items"."unit price"'],
  },
  {
    title: 'comment on a schema',
    change: "COMMENT ON SCHEMA app IS 'Shop'",
    undo: 'COMMENT ON SCHEMA app IS NULL',
    expect: ['comment added app'],
  },
  {
    title: 'comment on a function',
    change: "COMMENT ON FUNCTION public.add(integer, integer) IS 'Adds'",
    undo: 'COMMENT ON FUNCTION public.add(integer, integer) IS NULL',
    expect: ['comment added public.add(integer, integer)'],
  },
  {
    title: 'comment on a procedure',
    change: "COMMENT ON PROCEDURE public.cleanup(integer) IS 'Housekeeping'",
    undo: 'COMMENT ON PROCEDURE public.cleanup(integer) IS NULL',
    expect: ['comment added public.cleanup(integer)'],
  },
  {
    title: 'comment on a sequence',
    change: "COMMENT ON SEQUENCE public.invoice_seq IS 'Invoice numbers'",
    undo: 'COMMENT ON SEQUENCE public.invoice_seq IS NULL',
    expect: ['comment added public.invoice_seq'],
  },
  {
    title: 'comment on a view',
    change: "COMMENT ON VIEW public.published_posts IS 'Live'",
    undo: 'COMMENT ON VIEW public.published_posts IS NULL',
    expect: ['comment added public.published_posts'],
  },
  {
    title: 'comment on a view column',
    change: "COMMENT ON COLUMN public.published_posts.title IS 'Headline'",
    undo: 'COMMENT ON COLUMN public.published_posts.title IS NULL',
    expect: ['comment added public.published_posts.title'],
  },
  {
    title: 'comment on a materialized view',
    change: "COMMENT ON MATERIALIZED VIEW public.post_counts IS 'Per user'",
    undo: 'COMMENT ON MATERIALIZED VIEW public.post_counts IS NULL',
    expect: ['comment added public.post_counts'],
  },
  {
    title: 'comment on an enum',
    change: "COMMENT ON TYPE public.status IS 'Lifecycle'",
    undo: 'COMMENT ON TYPE public.status IS NULL',
    expect: ['comment added public.status'],
  },
  {
    title: 'comment on a domain',
    change: "COMMENT ON DOMAIN public.email IS 'An address'",
    undo: 'COMMENT ON DOMAIN public.email IS NULL',
    expect: ['comment added public.email'],
  },
  {
    title: 'comment on a composite type',
    change: "COMMENT ON TYPE public.money_pair IS 'Amount with currency'",
    undo: 'COMMENT ON TYPE public.money_pair IS NULL',
    expect: ['comment added public.money_pair'],
  },
  {
    title: 'comment on an index',
    change: "COMMENT ON INDEX public.posts_user_id_idx IS 'For the author page'",
    undo: 'COMMENT ON INDEX public.posts_user_id_idx IS NULL',
    expect: ['comment added public.posts_user_id_idx'],
  },
  {
    title: 'comment on a constraint',
    change: "COMMENT ON CONSTRAINT users_age_check ON public.users IS 'No negative ages'",
    undo: 'COMMENT ON CONSTRAINT users_age_check ON public.users IS NULL',
    expect: ['comment added public.users.users_age_check'],
  },
  {
    title: 'comment on a trigger',
    change: "COMMENT ON TRIGGER posts_touch ON public.posts IS 'Stamps'",
    undo: 'COMMENT ON TRIGGER posts_touch ON public.posts IS NULL',
    expect: ['comment added public.posts.posts_touch'],
  },
  {
    title: 'comment on a policy',
    change: "COMMENT ON POLICY posts_owner ON public.posts IS 'Only mine'",
    undo: 'COMMENT ON POLICY posts_owner ON public.posts IS NULL',
    expect: ['comment added public.posts.posts_owner'],
  },
  {
    title: 'comment on a partition',
    change: "COMMENT ON TABLE public.events_2024 IS 'Last year'",
    undo: 'COMMENT ON TABLE public.events_2024 IS NULL',
    expect: ['comment added public.events_2024'],
  },
  {
    title: 'comment with Unicode and newlines on a Unicode table',
    change: `COMMENT ON TABLE public."café" IS E'Menu ☕\\nline two'`,
    undo: 'COMMENT ON TABLE public."café" IS NULL',
    expect: ['comment added public."café"'],
  },
  // ── privileges ──
  {
    title: 'grant SELECT on a table',
    change: 'GRANT SELECT ON public.posts TO corpus_reader',
    undo: 'REVOKE SELECT ON public.posts FROM corpus_reader',
    expect: ['privilege added public.posts'],
  },
  {
    title: 'revoke the only grant on a table',
    change: 'REVOKE SELECT ON public.users FROM corpus_reader',
    undo: 'GRANT SELECT ON public.users TO corpus_reader',
    expect: ['privilege removed public.users'],
  },
  {
    title: 'grant more on a table',
    change: 'GRANT INSERT, UPDATE ON public.users TO corpus_reader',
    undo: 'REVOKE INSERT, UPDATE ON public.users FROM corpus_reader',
    expect: ['privilege changed public.users'],
  },
  {
    title: 'grant to a second role',
    change: 'GRANT DELETE ON public.users TO corpus_writer',
    undo: 'REVOKE DELETE ON public.users FROM corpus_writer',
    expect: ['privilege changed public.users'],
  },
  {
    title: 'grant with grant option',
    change: 'GRANT SELECT ON public.users TO corpus_reader WITH GRANT OPTION',
    undo: 'REVOKE GRANT OPTION FOR SELECT ON public.users FROM corpus_reader',
    expect: ['privilege changed public.users'],
  },
  {
    title: 'grant ALL on a table',
    change: 'GRANT ALL ON public.tags TO corpus_writer',
    undo: 'REVOKE ALL ON public.tags FROM corpus_writer',
    expect: ['privilege added public.tags'],
  },
  {
    title: 'grant to PUBLIC',
    change: 'GRANT SELECT ON public.tags TO PUBLIC',
    undo: 'REVOKE SELECT ON public.tags FROM PUBLIC',
    expect: ['privilege added public.tags'],
  },
  {
    title: 'grant to a quoted role',
    change: 'GRANT SELECT ON public.posts TO "Corpus Auditor"',
    undo: 'REVOKE SELECT ON public.posts FROM "Corpus Auditor"',
    expect: ['privilege added public.posts'],
  },
  {
    title: 'grant on a column',
    change: 'GRANT UPDATE (title) ON public.posts TO corpus_writer',
    undo: 'REVOKE UPDATE (title) ON public.posts FROM corpus_writer',
    expect: ['privilege added public.posts.title'],
  },
  {
    title: 'grant on a sequence',
    change: 'GRANT USAGE, SELECT ON SEQUENCE public.invoice_seq TO corpus_writer',
    undo: 'REVOKE ALL ON SEQUENCE public.invoice_seq FROM corpus_writer',
    expect: ['privilege added public.invoice_seq'],
  },
  {
    title: 'grant on an identity sequence',
    change: 'GRANT USAGE ON SEQUENCE public.posts_id_seq TO corpus_writer',
    undo: 'REVOKE ALL ON SEQUENCE public.posts_id_seq FROM corpus_writer',
    expect: ['privilege added public.posts_id_seq'],
  },
  {
    title: 'grant CREATE on a schema',
    change: 'GRANT CREATE ON SCHEMA app TO corpus_writer',
    undo: 'REVOKE CREATE ON SCHEMA app FROM corpus_writer',
    expect: ['privilege changed app'],
  },
  {
    title: 'revoke USAGE on schema public from PUBLIC',
    change: 'REVOKE USAGE ON SCHEMA public FROM PUBLIC',
    undo: 'GRANT USAGE ON SCHEMA public TO PUBLIC',
    expect: ['privilege removed public'],
  },
  {
    title: 'revoke EXECUTE on a function from PUBLIC',
    change: 'REVOKE EXECUTE ON FUNCTION public.add(integer, integer) FROM PUBLIC',
    undo: 'GRANT EXECUTE ON FUNCTION public.add(integer, integer) TO PUBLIC',
    expect: ['privilege removed public.add(integer, integer)'],
  },
  {
    title: 'grant EXECUTE on a function to a role',
    change: 'GRANT EXECUTE ON FUNCTION public.add(integer, integer) TO corpus_writer',
    undo: 'REVOKE EXECUTE ON FUNCTION public.add(integer, integer) FROM corpus_writer',
    expect: ['privilege changed public.add(integer, integer)'],
  },
  {
    title: 'grant EXECUTE on a procedure',
    change: 'GRANT EXECUTE ON PROCEDURE public.cleanup(integer) TO corpus_writer',
    undo: 'REVOKE EXECUTE ON PROCEDURE public.cleanup(integer) FROM corpus_writer',
    expect: ['privilege changed public.cleanup(integer)'],
  },
  {
    title: 'grant on a view',
    change: 'GRANT SELECT ON public.published_posts TO corpus_reader',
    undo: 'REVOKE SELECT ON public.published_posts FROM corpus_reader',
    expect: ['privilege added public.published_posts'],
  },
  {
    title: 'grant on a materialized view',
    change: 'GRANT SELECT ON public.post_counts TO corpus_reader',
    undo: 'REVOKE SELECT ON public.post_counts FROM corpus_reader',
    expect: ['privilege added public.post_counts'],
  },
  {
    title: 'grant on a quoted table',
    change: 'GRANT INSERT ON app."Order Items" TO corpus_writer',
    undo: 'REVOKE INSERT ON app."Order Items" FROM corpus_writer',
    expect: ['privilege added app."Order Items"'],
  },
  {
    title: 'revoke USAGE on a type from PUBLIC',
    change: 'REVOKE USAGE ON TYPE public.status FROM PUBLIC',
    undo: 'GRANT USAGE ON TYPE public.status TO PUBLIC',
    expect: ['privilege removed public.status'],
  },
  {
    title: 'grant on a partition',
    change: 'GRANT SELECT ON public.events_2024 TO corpus_reader',
    undo: 'REVOKE SELECT ON public.events_2024 FROM corpus_reader',
    expect: ['privilege added public.events_2024'],
  },
  // ── extensions ──
  {
    title: 'create an extension (its objects are not ours)',
    change: 'CREATE EXTENSION hstore',
    undo: 'DROP EXTENSION hstore',
    expect: ['extension added hstore'],
  },
  {
    title: 'create an extension in another schema',
    change: 'CREATE EXTENSION pg_trgm WITH SCHEMA app',
    undo: 'DROP EXTENSION pg_trgm',
    expect: ['extension added pg_trgm'],
  },
  {
    title: 'drop an extension',
    base: 'CREATE EXTENSION "uuid-ossp"',
    change: 'DROP EXTENSION "uuid-ossp"',
    undo: 'CREATE EXTENSION "uuid-ossp"',
    expect: ['extension removed "uuid-ossp"'],
  },
  {
    title: 'create an extension and an index that uses it',
    change:
      'CREATE EXTENSION pg_trgm; CREATE INDEX posts_title_trgm ON public.posts USING gin (title gin_trgm_ops)',
    undo: 'DROP EXTENSION pg_trgm CASCADE',
    expect: ['extension added pg_trgm', 'index added public.posts_title_trgm'],
  },
  {
    title: 'a column of an extension type',
    change: 'ALTER TABLE public.tags ADD COLUMN slug public.citext',
    undo: 'ALTER TABLE public.tags DROP COLUMN slug',
    expect: ['column added public.tags.slug'],
  },
  // ── not schema changes ──
  {
    title: 'insert and update rows',
    change: `INSERT INTO public.users (email) VALUES ('a@example.com');
             UPDATE public.users SET name = 'A'`,
    undo: 'DELETE FROM public.users',
    expect: [],
  },
  {
    title: 'advance sequences',
    change: "SELECT nextval('public.invoice_seq'); SELECT setval('public.users_id_seq', 500)",
    undo: "SELECT setval('public.invoice_seq', 1000, false)",
    expect: [],
  },
  {
    title: 'restart a sequence',
    change: 'ALTER SEQUENCE public.invoice_seq RESTART WITH 77',
    undo: 'ALTER SEQUENCE public.invoice_seq RESTART',
    expect: [],
  },
  {
    title: 'refresh a materialized view and analyze',
    change: 'REFRESH MATERIALIZED VIEW public.post_counts; ANALYZE public.posts',
    undo: 'SELECT 1',
    expect: [],
  },
  {
    title: 'a temporary table',
    change: 'CREATE TEMPORARY TABLE scratch (id integer)',
    undo: 'SELECT 1',
    expect: [],
  },
  {
    title: 'repeat an existing grant and comment',
    change: `GRANT SELECT ON public.users TO corpus_reader; COMMENT ON TABLE public.users IS 'People who log in'`,
    undo: 'SELECT 1',
    expect: [],
  },
  {
    title: 'replace a view with the same query',
    change:
      "CREATE OR REPLACE VIEW public.published_posts AS SELECT id, title FROM public.posts WHERE status = 'published'",
    undo: 'SELECT 1',
    expect: [],
  },
  {
    title: 'drop and recreate an index unchanged',
    change: 'DROP INDEX public.posts_user_id_idx; CREATE INDEX posts_user_id_idx ON public.posts (user_id)',
    undo: 'SELECT 1',
    expect: [],
  },
  {
    title: 'drop and recreate a function unchanged',
    change: `DROP FUNCTION public.add(integer, integer);
             CREATE FUNCTION public.add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT a + b'`,
    undo: 'SELECT 1',
    expect: [],
  },
];

defineCorpus('access', cases);
