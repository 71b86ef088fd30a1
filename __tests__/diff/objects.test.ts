import { defineCorpus, type Case } from './corpus.js';

/** Enums, domains, composite and range types, sequences, views, functions and triggers. */
const mood = "CREATE TYPE public.mood AS ENUM ('sad', 'ok')";
const cases: Case[] = [
  // ── enums ──
  {
    title: 'create an enum',
    change: "CREATE TYPE public.priority AS ENUM ('low', 'high')",
    undo: 'DROP TYPE public.priority',
    expect: ['enum added public.priority'],
  },
  {
    title: 'add an enum value at the end',
    base: mood,
    change: "ALTER TYPE public.mood ADD VALUE 'happy'",
    undo: `DROP TYPE public.mood; ${mood}`,
    expect: ['enum changed public.mood'],
  },
  {
    title: 'add an enum value before another',
    base: mood,
    change: "ALTER TYPE public.mood ADD VALUE 'angry' BEFORE 'sad'",
    undo: `DROP TYPE public.mood; ${mood}`,
    expect: ['enum changed public.mood'],
  },
  {
    title: 'rename an enum value',
    base: mood,
    change: "ALTER TYPE public.mood RENAME VALUE 'ok' TO 'fine'",
    undo: "ALTER TYPE public.mood RENAME VALUE 'fine' TO 'ok'",
    expect: ['enum changed public.mood'],
  },
  {
    title: 'rename an enum type',
    base: mood,
    change: 'ALTER TYPE public.mood RENAME TO feeling',
    undo: 'ALTER TYPE public.feeling RENAME TO mood',
    expect: ['enum renamed public.feeling'],
  },
  {
    title: 'rename an enum used by a column, a default and a view',
    change: 'ALTER TYPE public.status RENAME TO post_status',
    undo: 'ALTER TYPE public.post_status RENAME TO status',
    expect: ['enum renamed public.post_status'],
  },
  {
    title: 'drop an enum',
    base: mood,
    change: 'DROP TYPE public.mood',
    undo: mood,
    expect: ['enum removed public.mood'],
  },
  {
    title: 'create an enum with a quoted name and Unicode labels',
    change: `CREATE TYPE public."Priority" AS ENUM ('Low', 'Très haut', 'it''s')`,
    undo: 'DROP TYPE public."Priority"',
    expect: ['enum added public."Priority"'],
  },
  {
    title: 'move an enum to another schema',
    base: mood,
    change: 'ALTER TYPE public.mood SET SCHEMA app',
    undo: 'ALTER TYPE app.mood SET SCHEMA public',
    expect: ['enum renamed app.mood'],
  },
  // ── domains ──
  {
    title: 'create a domain',
    change: 'CREATE DOMAIN public.percent AS numeric(5, 2) CHECK (VALUE BETWEEN 0 AND 100)',
    undo: 'DROP DOMAIN public.percent',
    expect: ['domain added public.percent'],
  },
  {
    title: 'drop a domain',
    change: 'DROP DOMAIN public.email',
    undo: "CREATE DOMAIN public.email AS text CONSTRAINT email_check CHECK (VALUE LIKE '%@%')",
    expect: ['domain removed public.email'],
  },
  {
    title: 'add a domain constraint',
    change: 'ALTER DOMAIN public.email ADD CONSTRAINT email_length CHECK (length(VALUE) < 255)',
    undo: 'ALTER DOMAIN public.email DROP CONSTRAINT email_length',
    expect: ['domain changed public.email'],
  },
  {
    title: 'add a domain constraint NOT VALID',
    change: 'ALTER DOMAIN public.email ADD CONSTRAINT email_length CHECK (length(VALUE) < 255) NOT VALID',
    undo: 'ALTER DOMAIN public.email DROP CONSTRAINT email_length',
    expect: ['domain changed public.email'],
  },
  {
    title: 'drop a domain constraint',
    change: 'ALTER DOMAIN public.email DROP CONSTRAINT email_check',
    undo: "ALTER DOMAIN public.email ADD CONSTRAINT email_check CHECK (VALUE LIKE '%@%')",
    expect: ['domain changed public.email'],
  },
  {
    title: 'rename a domain constraint',
    change: 'ALTER DOMAIN public.email RENAME CONSTRAINT email_check TO email_has_at',
    undo: 'ALTER DOMAIN public.email RENAME CONSTRAINT email_has_at TO email_check',
    expect: ['domain changed public.email'],
  },
  {
    title: 'set a domain default',
    change: "ALTER DOMAIN public.email SET DEFAULT 'nobody@example.com'",
    undo: 'ALTER DOMAIN public.email DROP DEFAULT',
    expect: ['domain changed public.email'],
  },
  {
    title: 'set a domain NOT NULL',
    change: 'ALTER DOMAIN public.email SET NOT NULL',
    undo: 'ALTER DOMAIN public.email DROP NOT NULL',
    expect: ['domain changed public.email'],
  },
  {
    title: 'rename a domain',
    change: 'ALTER DOMAIN public.email RENAME TO email_address',
    undo: 'ALTER DOMAIN public.email_address RENAME TO email',
    expect: ['domain renamed public.email_address'],
  },
  // ── composite and range types ──
  {
    title: 'create a composite type',
    change: 'CREATE TYPE public.address AS (street text, city text, zip varchar(10))',
    undo: 'DROP TYPE public.address',
    expect: ['type added public.address'],
  },
  {
    title: 'add an attribute to a composite type',
    change: 'ALTER TYPE public.money_pair ADD ATTRIBUTE note text',
    undo: 'ALTER TYPE public.money_pair DROP ATTRIBUTE note',
    expect: ['type changed public.money_pair'],
  },
  {
    title: 'drop an attribute of a composite type',
    change: 'ALTER TYPE public.money_pair DROP ATTRIBUTE currency',
    undo: 'ALTER TYPE public.money_pair ADD ATTRIBUTE currency text',
    expect: ['type changed public.money_pair'],
  },
  {
    title: 'change an attribute type',
    change: 'ALTER TYPE public.money_pair ALTER ATTRIBUTE currency TYPE varchar(3)',
    undo: 'ALTER TYPE public.money_pair ALTER ATTRIBUTE currency TYPE text',
    expect: ['type changed public.money_pair'],
  },
  {
    title: 'rename an attribute',
    change: 'ALTER TYPE public.money_pair RENAME ATTRIBUTE currency TO code',
    undo: 'ALTER TYPE public.money_pair RENAME ATTRIBUTE code TO currency',
    expect: ['type changed public.money_pair'],
  },
  {
    title: 'rename a composite type',
    change: 'ALTER TYPE public.money_pair RENAME TO amount',
    undo: 'ALTER TYPE public.amount RENAME TO money_pair',
    expect: ['type renamed public.amount'],
  },
  {
    title: 'create a range type',
    change: 'CREATE TYPE public.numrange2 AS RANGE (subtype = float8, subtype_diff = float8mi)',
    undo: 'DROP TYPE public.numrange2',
    expect: ['type added public.numrange2'],
  },
  {
    title: 'drop a range type',
    change: 'DROP TYPE public.floatrange',
    undo: 'CREATE TYPE public.floatrange AS RANGE (subtype = float8)',
    expect: ['type removed public.floatrange'],
  },
  {
    title: 'range type with a collation',
    change: 'CREATE TYPE public.textrange_c AS RANGE (subtype = text, collation = "C")',
    undo: 'DROP TYPE public.textrange_c',
    expect: ['type added public.textrange_c'],
  },
  // ── sequences ──
  {
    title: 'create a sequence',
    change: 'CREATE SEQUENCE public.order_seq INCREMENT 5 START 100',
    undo: 'DROP SEQUENCE public.order_seq',
    expect: ['sequence added public.order_seq'],
  },
  {
    title: 'drop a sequence',
    change: 'DROP SEQUENCE public.invoice_seq',
    undo: 'CREATE SEQUENCE public.invoice_seq START 1000',
    expect: ['sequence removed public.invoice_seq'],
  },
  {
    title: 'change a sequence increment',
    change: 'ALTER SEQUENCE public.invoice_seq INCREMENT BY 2',
    undo: 'ALTER SEQUENCE public.invoice_seq INCREMENT BY 1',
    expect: ['sequence changed public.invoice_seq'],
  },
  {
    title: 'change sequence bounds',
    change: 'ALTER SEQUENCE public.invoice_seq MINVALUE 10 MAXVALUE 999999',
    undo: 'ALTER SEQUENCE public.invoice_seq NO MINVALUE NO MAXVALUE',
    expect: ['sequence changed public.invoice_seq'],
  },
  {
    title: 'change sequence cache',
    change: 'ALTER SEQUENCE public.invoice_seq CACHE 20',
    undo: 'ALTER SEQUENCE public.invoice_seq CACHE 1',
    expect: ['sequence changed public.invoice_seq'],
  },
  {
    title: 'make a sequence cycle',
    change: 'ALTER SEQUENCE public.invoice_seq CYCLE',
    undo: 'ALTER SEQUENCE public.invoice_seq NO CYCLE',
    expect: ['sequence changed public.invoice_seq'],
  },
  {
    title: 'change a sequence start',
    change: 'ALTER SEQUENCE public.invoice_seq START WITH 5000',
    undo: 'ALTER SEQUENCE public.invoice_seq START WITH 1000',
    expect: ['sequence changed public.invoice_seq'],
  },
  {
    title: 'change a sequence data type',
    change: 'ALTER SEQUENCE public.invoice_seq AS integer',
    undo: 'ALTER SEQUENCE public.invoice_seq AS bigint',
    expect: ['sequence changed public.invoice_seq'],
  },
  {
    title: 'rename a sequence',
    change: 'ALTER SEQUENCE public.invoice_seq RENAME TO invoice_number_seq',
    undo: 'ALTER SEQUENCE public.invoice_number_seq RENAME TO invoice_seq',
    expect: ['sequence renamed public.invoice_number_seq'],
  },
  {
    title: 'tie a sequence to a column',
    change: 'ALTER SEQUENCE public.invoice_seq OWNED BY public.tags.id',
    undo: 'ALTER SEQUENCE public.invoice_seq OWNED BY NONE',
    expect: ['sequence changed public.invoice_seq'],
  },
  {
    title: 'create a sequence in a quoted schema',
    change: 'CREATE SCHEMA "Billing"; CREATE SEQUENCE "Billing"."Invoice Numbers"',
    undo: 'DROP SCHEMA "Billing" CASCADE',
    expect: ['schema added "Billing"', 'sequence added "Billing"."Invoice Numbers"'],
  },
  // ── views ──
  {
    title: 'create a view',
    change: 'CREATE VIEW public.recent_posts AS SELECT id, title FROM public.posts ORDER BY id DESC LIMIT 10',
    undo: 'DROP VIEW public.recent_posts',
    expect: ['view added public.recent_posts'],
  },
  {
    title: 'drop a view',
    change: 'DROP VIEW public.published_posts',
    undo: "CREATE VIEW public.published_posts AS SELECT id, title FROM public.posts WHERE status = 'published'",
    expect: ['view removed public.published_posts'],
  },
  {
    title: 'replace a view query',
    change:
      "CREATE OR REPLACE VIEW public.published_posts AS SELECT id, title, score FROM public.posts WHERE status = 'published'",
    undo: `DROP VIEW public.published_posts;
           CREATE VIEW public.published_posts AS SELECT id, title FROM public.posts WHERE status = 'published'`,
    expect: ['view changed public.published_posts'],
  },
  {
    title: 'rename a view',
    change: 'ALTER VIEW public.published_posts RENAME TO live_posts',
    undo: 'ALTER VIEW public.live_posts RENAME TO published_posts',
    expect: ['view renamed public.live_posts'],
  },
  {
    title: 'make a view a security barrier',
    change: 'ALTER VIEW public.published_posts SET (security_barrier = true)',
    undo: 'ALTER VIEW public.published_posts RESET (security_barrier)',
    expect: ['view changed public.published_posts'],
  },
  {
    title: 'make a view security invoker',
    change: 'ALTER VIEW public.published_posts SET (security_invoker = true)',
    undo: 'ALTER VIEW public.published_posts RESET (security_invoker)',
    expect: ['view changed public.published_posts'],
  },
  {
    title: 'create a view WITH CHECK OPTION',
    change:
      'CREATE VIEW public.adult_users AS SELECT * FROM public.users WHERE age >= 18 WITH CASCADED CHECK OPTION',
    undo: 'DROP VIEW public.adult_users',
    expect: ['view added public.adult_users'],
  },
  {
    title: 'create a view over a quoted table',
    change: 'CREATE VIEW app."Big Orders" AS SELECT * FROM app."Order Items" WHERE "Quantity" > 10',
    undo: 'DROP VIEW app."Big Orders"',
    expect: ['view added app."Big Orders"'],
  },
  {
    title: 'create a recursive view',
    change:
      'CREATE RECURSIVE VIEW public.counter (n) AS SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < 5',
    undo: 'DROP VIEW public.counter',
    expect: ['view added public.counter'],
  },
  {
    title: 'create a materialized view',
    change:
      'CREATE MATERIALIZED VIEW public.tag_counts AS SELECT tag_id, count(*) AS n FROM public.post_tags GROUP BY tag_id',
    undo: 'DROP MATERIALIZED VIEW public.tag_counts',
    expect: ['materialized_view added public.tag_counts'],
  },
  {
    title: 'create a materialized view WITH NO DATA',
    change: 'CREATE MATERIALIZED VIEW public.user_ids AS SELECT id FROM public.users WITH NO DATA',
    undo: 'DROP MATERIALIZED VIEW public.user_ids',
    expect: ['materialized_view added public.user_ids'],
  },
  {
    title: 'drop a materialized view',
    change: 'DROP MATERIALIZED VIEW public.post_counts',
    undo: 'CREATE MATERIALIZED VIEW public.post_counts AS SELECT user_id, count(*) AS n FROM public.posts GROUP BY user_id',
    expect: ['materialized_view removed public.post_counts'],
  },
  {
    title: 'rename a materialized view',
    change: 'ALTER MATERIALIZED VIEW public.post_counts RENAME TO posts_per_user',
    undo: 'ALTER MATERIALIZED VIEW public.posts_per_user RENAME TO post_counts',
    expect: ['materialized_view renamed public.posts_per_user'],
  },
  {
    title: 'change a materialized view query',
    change: `DROP MATERIALIZED VIEW public.post_counts;
             CREATE MATERIALIZED VIEW public.post_counts AS SELECT user_id, count(*) AS n, max(score) AS best FROM public.posts GROUP BY user_id`,
    undo: `DROP MATERIALIZED VIEW public.post_counts;
           CREATE MATERIALIZED VIEW public.post_counts AS SELECT user_id, count(*) AS n FROM public.posts GROUP BY user_id`,
    expect: ['materialized_view changed public.post_counts'],
  },
  // ── functions and procedures ──
  {
    title: 'create a function',
    change:
      'CREATE FUNCTION public.double(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$SELECT x * 2$$',
    undo: 'DROP FUNCTION public.double(integer)',
    expect: ['function added public.double(integer)'],
  },
  {
    title: 'drop a function',
    change: 'DROP FUNCTION public.add(integer, integer)',
    undo: "CREATE FUNCTION public.add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT a + b'",
    expect: ['function removed public.add(integer, integer)'],
  },
  {
    title: 'replace a function body',
    change:
      "CREATE OR REPLACE FUNCTION public.add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT b + a'",
    undo: "CREATE OR REPLACE FUNCTION public.add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT a + b'",
    expect: ['function changed public.add(integer, integer)'],
  },
  {
    title: 'change function volatility',
    change: 'ALTER FUNCTION public.add(integer, integer) STABLE',
    undo: 'ALTER FUNCTION public.add(integer, integer) IMMUTABLE',
    expect: ['function changed public.add(integer, integer)'],
  },
  {
    title: 'make a function strict',
    change: 'ALTER FUNCTION public.add(integer, integer) STRICT',
    undo: 'ALTER FUNCTION public.add(integer, integer) CALLED ON NULL INPUT',
    expect: ['function changed public.add(integer, integer)'],
  },
  {
    title: 'make a function security definer',
    change: 'ALTER FUNCTION public.add(integer, integer) SECURITY DEFINER',
    undo: 'ALTER FUNCTION public.add(integer, integer) SECURITY INVOKER',
    expect: ['function changed public.add(integer, integer)'],
  },
  {
    title: 'pin a function search_path',
    change: 'ALTER FUNCTION public.add(integer, integer) SET search_path = pg_catalog, public',
    undo: 'ALTER FUNCTION public.add(integer, integer) RESET search_path',
    expect: ['function changed public.add(integer, integer)'],
  },
  {
    title: 'mark a function parallel safe',
    change: 'ALTER FUNCTION public.add(integer, integer) PARALLEL SAFE',
    undo: 'ALTER FUNCTION public.add(integer, integer) PARALLEL UNSAFE',
    expect: ['function changed public.add(integer, integer)'],
  },
  {
    title: 'change a function cost',
    change: 'ALTER FUNCTION public.add(integer, integer) COST 5',
    undo: 'ALTER FUNCTION public.add(integer, integer) COST 100',
    expect: ['function changed public.add(integer, integer)'],
  },
  {
    title: 'mark a function leakproof',
    change: 'ALTER FUNCTION public.add(integer, integer) LEAKPROOF',
    undo: 'ALTER FUNCTION public.add(integer, integer) NOT LEAKPROOF',
    expect: ['function changed public.add(integer, integer)'],
  },
  {
    title: 'rename a function',
    change: 'ALTER FUNCTION public.add(integer, integer) RENAME TO plus',
    undo: 'ALTER FUNCTION public.plus(integer, integer) RENAME TO add',
    expect: ['function renamed public.plus(integer, integer)'],
  },
  {
    title: 'move a function to another schema',
    change: 'ALTER FUNCTION public.add(integer, integer) SET SCHEMA app',
    undo: 'ALTER FUNCTION app.add(integer, integer) SET SCHEMA public',
    expect: ['function renamed app.add(integer, integer)'],
  },
  {
    title: 'rename a trigger function (triggers follow)',
    change: 'ALTER FUNCTION public.touch() RENAME TO stamp',
    undo: 'ALTER FUNCTION public.stamp() RENAME TO touch',
    expect: ['function renamed public.stamp()'],
  },
  {
    title: 'rename a function used in a column default',
    base: 'ALTER TABLE public.tags ADD COLUMN score integer DEFAULT public.add(1, 2)',
    change: 'ALTER FUNCTION public.add(integer, integer) RENAME TO plus',
    undo: 'ALTER FUNCTION public.plus(integer, integer) RENAME TO add',
    expect: ['function renamed public.plus(integer, integer)'],
  },
  {
    title: "change a function's result type",
    change: `DROP FUNCTION public.add(integer, integer);
             CREATE FUNCTION public.add(a integer, b integer) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT a + b'`,
    undo: `DROP FUNCTION public.add(integer, integer);
           CREATE FUNCTION public.add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT a + b'`,
    expect: ['function changed public.add(integer, integer)'],
  },
  {
    title: 'point a trigger at another function',
    base: 'CREATE FUNCTION public.touch2() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$',
    change: `DROP TRIGGER posts_touch ON public.posts;
             CREATE TRIGGER posts_touch BEFORE UPDATE ON public.posts FOR EACH ROW EXECUTE FUNCTION public.touch2()`,
    undo: `DROP TRIGGER posts_touch ON public.posts;
           CREATE TRIGGER posts_touch BEFORE UPDATE ON public.posts FOR EACH ROW EXECUTE FUNCTION public.touch()`,
    expect: ['trigger changed public.posts.posts_touch'],
  },
  {
    title: 'rename a serial column sequence (the default follows)',
    change: 'ALTER SEQUENCE public.users_id_seq RENAME TO users_seq',
    undo: 'ALTER SEQUENCE public.users_seq RENAME TO users_id_seq',
    expect: ['sequence renamed public.users_seq'],
  },
  {
    title: 'add an overload',
    change:
      "CREATE FUNCTION public.add(a bigint, b bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT a + b'",
    undo: 'DROP FUNCTION public.add(bigint, bigint)',
    expect: ['function added public.add(bigint, bigint)'],
  },
  {
    title: 'add an argument default',
    change:
      "CREATE OR REPLACE FUNCTION public.add(a integer, b integer DEFAULT 1) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT a + b'",
    undo: `DROP FUNCTION public.add(integer, integer);
           CREATE FUNCTION public.add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT a + b'`,
    expect: ['function changed public.add(integer, integer)'],
  },
  {
    title: 'create a set-returning function',
    change: `CREATE FUNCTION public.user_posts(uid integer) RETURNS TABLE (id bigint, title varchar)
             LANGUAGE sql STABLE AS $$SELECT id, title FROM public.posts WHERE user_id = uid$$`,
    undo: 'DROP FUNCTION public.user_posts(integer)',
    expect: ['function added public.user_posts(integer)'],
  },
  {
    title: 'create a function with a SQL-standard body',
    change: 'CREATE FUNCTION public.triple(x integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN x * 3',
    undo: 'DROP FUNCTION public.triple(integer)',
    expect: ['function added public.triple(integer)'],
  },
  {
    title: 'create a quoted function taking a user type',
    change: `CREATE FUNCTION public."Is Published"(s public.status) RETURNS boolean LANGUAGE sql AS $$SELECT s = 'published'$$`,
    undo: 'DROP FUNCTION public."Is Published"(public.status)',
    expect: ['function added public."Is Published"(public.status)'],
  },
  {
    title: 'create a procedure',
    change: 'CREATE PROCEDURE public.archive(before_date date) LANGUAGE plpgsql AS $$BEGIN NULL; END$$',
    undo: 'DROP PROCEDURE public.archive(date)',
    expect: ['function added public.archive(date)'],
  },
  {
    title: 'drop a procedure',
    change: 'DROP PROCEDURE public.cleanup(integer)',
    undo: 'CREATE PROCEDURE public.cleanup(days integer) LANGUAGE sql AS $$DELETE FROM public.posts WHERE false$$',
    expect: ['function removed public.cleanup(integer)'],
  },
  {
    title: 'replace a procedure body',
    change:
      'CREATE OR REPLACE PROCEDURE public.cleanup(days integer) LANGUAGE sql AS $$DELETE FROM public.posts WHERE id < 0$$',
    undo: 'CREATE OR REPLACE PROCEDURE public.cleanup(days integer) LANGUAGE sql AS $$DELETE FROM public.posts WHERE false$$',
    expect: ['function changed public.cleanup(integer)'],
  },
  {
    title: 'create an aggregate',
    change: "CREATE AGGREGATE public.total(integer) (sfunc = int4pl, stype = integer, initcond = '0')",
    undo: 'DROP AGGREGATE public.total(integer)',
    expect: ['function added public.total(integer)'],
  },
  // ── triggers ──
  {
    title: 'create a statement-level trigger',
    change:
      'CREATE TRIGGER users_audit AFTER INSERT OR DELETE ON public.users FOR EACH STATEMENT EXECUTE FUNCTION public.touch()',
    undo: 'DROP TRIGGER users_audit ON public.users',
    expect: ['trigger added public.users.users_audit'],
  },
  {
    title: 'drop a trigger',
    change: 'DROP TRIGGER posts_touch ON public.posts',
    undo: 'CREATE TRIGGER posts_touch BEFORE UPDATE ON public.posts FOR EACH ROW EXECUTE FUNCTION public.touch()',
    expect: ['trigger removed public.posts.posts_touch'],
  },
  {
    title: 'disable a trigger',
    change: 'ALTER TABLE public.posts DISABLE TRIGGER posts_touch',
    undo: 'ALTER TABLE public.posts ENABLE TRIGGER posts_touch',
    expect: ['trigger changed public.posts.posts_touch'],
  },
  {
    title: 'make a trigger fire on replicas only',
    change: 'ALTER TABLE public.posts ENABLE REPLICA TRIGGER posts_touch',
    undo: 'ALTER TABLE public.posts ENABLE TRIGGER posts_touch',
    expect: ['trigger changed public.posts.posts_touch'],
  },
  {
    title: 'rename a trigger',
    change: 'ALTER TRIGGER posts_touch ON public.posts RENAME TO posts_stamp',
    undo: 'ALTER TRIGGER posts_stamp ON public.posts RENAME TO posts_touch',
    expect: ['trigger renamed public.posts.posts_stamp'],
  },
  {
    title: 'change trigger events',
    change: `DROP TRIGGER posts_touch ON public.posts;
             CREATE TRIGGER posts_touch BEFORE INSERT OR UPDATE ON public.posts FOR EACH ROW EXECUTE FUNCTION public.touch()`,
    undo: `DROP TRIGGER posts_touch ON public.posts;
           CREATE TRIGGER posts_touch BEFORE UPDATE ON public.posts FOR EACH ROW EXECUTE FUNCTION public.touch()`,
    expect: ['trigger changed public.posts.posts_touch'],
  },
  {
    title: 'create a trigger with a WHEN condition and UPDATE OF',
    change: `CREATE TRIGGER posts_status_change BEFORE UPDATE OF status ON public.posts FOR EACH ROW
             WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION public.touch()`,
    undo: 'DROP TRIGGER posts_status_change ON public.posts',
    expect: ['trigger added public.posts.posts_status_change'],
  },
  {
    title: 'create a deferrable constraint trigger',
    change: `CREATE CONSTRAINT TRIGGER posts_check AFTER INSERT ON public.posts DEFERRABLE INITIALLY DEFERRED
             FOR EACH ROW EXECUTE FUNCTION public.touch()`,
    undo: 'DROP TRIGGER posts_check ON public.posts',
    expect: ['trigger added public.posts.posts_check'],
  },
  {
    title: 'create a trigger on a partitioned table (partitions follow)',
    change:
      'CREATE TRIGGER events_touch AFTER INSERT ON public.events FOR EACH ROW EXECUTE FUNCTION public.touch()',
    undo: 'DROP TRIGGER events_touch ON public.events',
    expect: ['trigger added public.events.events_touch'],
  },
  {
    title: 'create an INSTEAD OF trigger on a view',
    change:
      'CREATE TRIGGER published_insert INSTEAD OF INSERT ON public.published_posts FOR EACH ROW EXECUTE FUNCTION public.touch()',
    undo: 'DROP TRIGGER published_insert ON public.published_posts',
    expect: ['trigger added public.published_posts.published_insert'],
  },
  {
    title: 'create a quoted trigger on a quoted table',
    change:
      'CREATE TRIGGER "Stamp It" BEFORE INSERT ON app."Order Items" FOR EACH ROW EXECUTE FUNCTION public.touch()',
    undo: 'DROP TRIGGER "Stamp It" ON app."Order Items"',
    expect: ['trigger added app."Order Items"."Stamp It"'],
  },
];

defineCorpus('objects', cases);
