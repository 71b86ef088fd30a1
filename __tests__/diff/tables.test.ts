import { defineCorpus, type Case } from './corpus.js';

/** Tables, partitions, inheritance, schemas and columns. */
const cases: Case[] = [
  // ── tables ──
  {
    title: 'create a table with a serial key, a foreign key, an index and a comment',
    change: `CREATE TABLE public.comments (id serial PRIMARY KEY, post_id bigint REFERENCES public.posts (id), body text NOT NULL);
             CREATE INDEX comments_post_id_idx ON public.comments (post_id);
             COMMENT ON TABLE public.comments IS 'Replies'; GRANT SELECT ON public.comments TO corpus_reader;`,
    undo: 'DROP TABLE public.comments',
    expect: ['table added public.comments'],
  },
  {
    title: 'drop a table',
    change: 'DROP TABLE public.post_tags',
    undo: `CREATE TABLE public.post_tags (post_id bigint REFERENCES public.posts (id), tag_id integer REFERENCES public.tags (id),
             PRIMARY KEY (post_id, tag_id))`,
    expect: ['table removed public.post_tags'],
  },
  {
    title: 'rename a table that other tables reference',
    change: 'ALTER TABLE public.tags RENAME TO labels',
    undo: 'ALTER TABLE public.labels RENAME TO tags',
    expect: ['table renamed public.labels'],
  },
  {
    title: 'rename a table with a comment, grants, a trigger and a policy',
    change: 'ALTER TABLE public.users RENAME TO accounts',
    undo: 'ALTER TABLE public.accounts RENAME TO users',
    expect: ['table renamed public.accounts'],
  },
  {
    title: 'rename a table to a quoted name',
    change: 'ALTER TABLE public.tags RENAME TO "Tag List"',
    undo: 'ALTER TABLE public."Tag List" RENAME TO tags',
    expect: ['table renamed public."Tag List"'],
  },
  {
    title: 'move a table to another schema',
    change: 'ALTER TABLE public.tags SET SCHEMA app',
    undo: 'ALTER TABLE app.tags SET SCHEMA public',
    expect: ['table renamed app.tags'],
  },
  {
    title: 'make a table unlogged',
    change: 'ALTER TABLE app."Order Items" SET UNLOGGED',
    undo: 'ALTER TABLE app."Order Items" SET LOGGED',
    expect: ['table changed app."Order Items"'],
  },
  {
    title: 'set a storage parameter',
    change: 'ALTER TABLE public.users SET (fillfactor = 70)',
    undo: 'ALTER TABLE public.users RESET (fillfactor)',
    expect: ['table changed public.users'],
  },
  {
    title: 'reset a storage parameter',
    base: 'ALTER TABLE public.tags SET (autovacuum_enabled = false)',
    change: 'ALTER TABLE public.tags RESET (autovacuum_enabled)',
    undo: 'ALTER TABLE public.tags SET (autovacuum_enabled = false)',
    expect: ['table changed public.tags'],
  },
  {
    title: 'enable row level security',
    change: 'ALTER TABLE public.users ENABLE ROW LEVEL SECURITY',
    undo: 'ALTER TABLE public.users DISABLE ROW LEVEL SECURITY',
    expect: ['table changed public.users'],
  },
  {
    title: 'force row level security',
    change: 'ALTER TABLE public.posts FORCE ROW LEVEL SECURITY',
    undo: 'ALTER TABLE public.posts NO FORCE ROW LEVEL SECURITY',
    expect: ['table changed public.posts'],
  },
  {
    title: 'disable row level security and keep the policy',
    change: 'ALTER TABLE public.posts DISABLE ROW LEVEL SECURITY',
    undo: 'ALTER TABLE public.posts ENABLE ROW LEVEL SECURITY',
    expect: ['table changed public.posts'],
  },
  {
    title: 'replica identity full',
    change: 'ALTER TABLE public.users REPLICA IDENTITY FULL',
    undo: 'ALTER TABLE public.users REPLICA IDENTITY DEFAULT',
    expect: ['table changed public.users'],
  },
  {
    title: 'replica identity using an index',
    change: 'ALTER TABLE public.tags REPLICA IDENTITY USING INDEX tags_pkey',
    undo: 'ALTER TABLE public.tags REPLICA IDENTITY DEFAULT',
    expect: ['table changed public.tags'],
  },
  {
    title: 'stop inheriting from a parent',
    change: 'ALTER TABLE public.audit_users NO INHERIT public.audit_base',
    undo: 'ALTER TABLE public.audit_users INHERIT public.audit_base',
    expect: ['table changed public.audit_users'],
  },
  {
    title: 'create an inheritance child',
    change: 'CREATE TABLE public.audit_posts (post_id bigint) INHERITS (public.audit_base)',
    undo: 'DROP TABLE public.audit_posts',
    expect: ['table added public.audit_posts'],
  },
  {
    title: 'create a partition',
    change:
      "CREATE TABLE public.events_2026 PARTITION OF public.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
    undo: 'DROP TABLE public.events_2026',
    expect: ['table added public.events_2026'],
  },
  {
    title: 'create a default partition',
    change: 'CREATE TABLE public.events_other PARTITION OF public.events DEFAULT',
    undo: 'DROP TABLE public.events_other',
    expect: ['table added public.events_other'],
  },
  {
    title: 'detach a partition',
    change: 'ALTER TABLE public.events DETACH PARTITION public.events_2025',
    undo: "ALTER TABLE public.events ATTACH PARTITION public.events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
    expect: ['table changed public.events_2025'],
  },
  {
    title: 'change a partition bound',
    change: `ALTER TABLE public.events DETACH PARTITION public.events_2025;
             ALTER TABLE public.events ATTACH PARTITION public.events_2025 FOR VALUES FROM ('2025-01-01') TO ('2025-07-01')`,
    undo: `ALTER TABLE public.events DETACH PARTITION public.events_2025;
           ALTER TABLE public.events ATTACH PARTITION public.events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')`,
    expect: ['table changed public.events_2025'],
  },
  {
    title: 'attach a table as a partition',
    base: 'CREATE TABLE public.events_2026 (id bigint NOT NULL, happened_on date NOT NULL, payload jsonb)',
    change:
      "ALTER TABLE public.events ATTACH PARTITION public.events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
    undo: 'ALTER TABLE public.events DETACH PARTITION public.events_2026',
    expect: ['table changed public.events_2026'],
  },
  {
    title: 'drop a partition',
    change: 'DROP TABLE public.events_2024',
    undo: "CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    expect: ['table removed public.events_2024'],
  },
  {
    title: 'create a list-partitioned table',
    change:
      'CREATE TABLE public.metrics (kind text NOT NULL, value double precision) PARTITION BY LIST (kind)',
    undo: 'DROP TABLE public.metrics',
    expect: ['table added public.metrics'],
  },
  {
    title: 'create a hash-partitioned table with a partition',
    change: `CREATE TABLE public.shards (id bigint NOT NULL) PARTITION BY HASH (id);
             CREATE TABLE public.shards_0 PARTITION OF public.shards FOR VALUES WITH (MODULUS 2, REMAINDER 0);`,
    undo: 'DROP TABLE public.shards',
    expect: ['table added public.shards', 'table added public.shards_0'],
  },
  {
    title: 'create a table with capitals and spaces in its name',
    change: 'CREATE TABLE public."User Profiles" ("Id" integer PRIMARY KEY, "Display Name" text)',
    undo: 'DROP TABLE public."User Profiles"',
    expect: ['table added public."User Profiles"'],
  },
  {
    title: 'create a table with a Unicode name',
    change: 'CREATE TABLE public."日本語" (id integer)',
    undo: 'DROP TABLE public."日本語"',
    expect: ['table added public."日本語"'],
  },
  {
    title: 'create a table with a double quote in its name',
    change: 'CREATE TABLE public."say ""hi""" (id integer)',
    undo: 'DROP TABLE public."say ""hi"""',
    expect: ['table added public."say ""hi"""'],
  },
  {
    title: 'create a table with a dot in its name',
    change: 'CREATE TABLE public."x.y" (id integer)',
    undo: 'DROP TABLE public."x.y"',
    expect: ['table added public."x.y"'],
  },
  {
    title: 'create a table named like a keyword',
    change: 'CREATE TABLE public."user" (id integer)',
    undo: 'DROP TABLE public."user"',
    expect: ['table added public."user"'],
  },
  {
    title: 'create a schema',
    change: 'CREATE SCHEMA billing',
    undo: 'DROP SCHEMA billing',
    expect: ['schema added billing'],
  },
  {
    title: 'create a quoted schema with a table',
    change: 'CREATE SCHEMA "Reporting"; CREATE TABLE "Reporting".daily (day date PRIMARY KEY)',
    undo: 'DROP SCHEMA "Reporting" CASCADE',
    expect: ['schema added "Reporting"', 'table added "Reporting".daily'],
  },
  {
    title: 'drop a schema with its table',
    change: 'DROP SCHEMA app CASCADE',
    undo: `CREATE SCHEMA app;
           CREATE TABLE app."Order Items" (id integer PRIMARY KEY, "Quantity" integer NOT NULL DEFAULT 1, "unit price" numeric);
           GRANT USAGE ON SCHEMA app TO corpus_reader;`,
    expect: ['schema removed app', 'table removed app."Order Items"'],
  },
  {
    title: 'rename a schema',
    change: 'ALTER SCHEMA app RENAME TO shop',
    undo: 'ALTER SCHEMA shop RENAME TO app',
    expect: ['schema renamed shop'],
  },
  {
    title: 'create an unlogged table',
    change: 'CREATE UNLOGGED TABLE public.cache (key text PRIMARY KEY, value bytea)',
    undo: 'DROP TABLE public.cache',
    expect: ['table added public.cache'],
  },

  // ── columns ──
  {
    title: 'add a nullable column',
    change: 'ALTER TABLE public.posts ADD COLUMN subtitle text',
    undo: 'ALTER TABLE public.posts DROP COLUMN subtitle',
    expect: ['column added public.posts.subtitle'],
  },
  {
    title: 'add a NOT NULL column with a default',
    change: 'ALTER TABLE public.posts ADD COLUMN views integer NOT NULL DEFAULT 0',
    undo: 'ALTER TABLE public.posts DROP COLUMN views',
    expect: ['column added public.posts.views'],
  },
  {
    title: 'drop a column',
    change: 'ALTER TABLE public.users DROP COLUMN name',
    undo: 'ALTER TABLE public.users ADD COLUMN name text',
    expect: ['column removed public.users.name'],
  },
  {
    title: 'drop a column with a comment',
    change: 'ALTER TABLE public.users DROP COLUMN email',
    undo: `ALTER TABLE public.users ADD COLUMN email text NOT NULL;
           ALTER TABLE public.users ADD CONSTRAINT users_email_key UNIQUE (email);
           COMMENT ON COLUMN public.users.email IS 'Login address';`,
    expect: ['column removed public.users.email', 'constraint removed public.users.users_email_key'],
  },
  {
    title: 'rename a column',
    change: 'ALTER TABLE public.users RENAME COLUMN name TO full_name',
    undo: 'ALTER TABLE public.users RENAME COLUMN full_name TO name',
    expect: ['column renamed public.users.full_name'],
  },
  {
    title: 'rename a column used by a check constraint',
    change: 'ALTER TABLE public.users RENAME COLUMN age TO years',
    undo: 'ALTER TABLE public.users RENAME COLUMN years TO age',
    expect: ['column renamed public.users.years'],
  },
  {
    title: 'rename a column that a foreign key references',
    change: 'ALTER TABLE public.tags RENAME COLUMN id TO tag_id',
    undo: 'ALTER TABLE public.tags RENAME COLUMN tag_id TO id',
    expect: ['column renamed public.tags.tag_id'],
  },
  {
    title: 'rename a column used by an index and a foreign key',
    change: 'ALTER TABLE public.post_tags RENAME COLUMN tag_id TO label_id',
    undo: 'ALTER TABLE public.post_tags RENAME COLUMN label_id TO tag_id',
    expect: ['column renamed public.post_tags.label_id'],
  },
  {
    title: 'rename a quoted column',
    change: 'ALTER TABLE app."Order Items" RENAME COLUMN "Quantity" TO "Qty"',
    undo: 'ALTER TABLE app."Order Items" RENAME COLUMN "Qty" TO "Quantity"',
    expect: ['column renamed app."Order Items"."Qty"'],
  },
  {
    title: 'rename a column of a partitioned table',
    change: 'ALTER TABLE public.events RENAME COLUMN payload TO data',
    undo: 'ALTER TABLE public.events RENAME COLUMN data TO payload',
    expect: ['column renamed public.events.data'],
  },
  {
    title: 'change a column type',
    change: 'ALTER TABLE public.posts ALTER COLUMN body TYPE varchar(5000)',
    undo: 'ALTER TABLE public.posts ALTER COLUMN body TYPE text',
    expect: ['column changed public.posts.body'],
  },
  {
    title: 'change the type of an indexed column',
    base: 'CREATE INDEX tags_label_lower_idx ON public.tags (lower(label))',
    change: 'ALTER TABLE public.tags ALTER COLUMN label TYPE varchar(100)',
    undo: 'ALTER TABLE public.tags ALTER COLUMN label TYPE text',
    expect: ['column changed public.tags.label', 'index changed public.tags_label_lower_idx'],
  },
  {
    title: 'widen a varchar',
    base: 'ALTER TABLE public.tags ALTER COLUMN label TYPE varchar(50)',
    change: 'ALTER TABLE public.tags ALTER COLUMN label TYPE varchar(100)',
    undo: 'ALTER TABLE public.tags ALTER COLUMN label TYPE varchar(50)',
    expect: ['column changed public.tags.label'],
  },
  {
    title: 'change numeric precision',
    change: 'ALTER TABLE public.posts ALTER COLUMN score TYPE numeric(12, 2)',
    undo: 'ALTER TABLE public.posts ALTER COLUMN score TYPE numeric(10, 2)',
    expect: ['column changed public.posts.score'],
  },
  {
    title: 'integer to bigint',
    change: 'ALTER TABLE public."café" ALTER COLUMN id TYPE bigint',
    undo: 'ALTER TABLE public."café" ALTER COLUMN id TYPE integer',
    expect: ['column changed public."café".id'],
  },
  {
    title: 'set NOT NULL',
    change: 'ALTER TABLE public.users ALTER COLUMN name SET NOT NULL',
    undo: 'ALTER TABLE public.users ALTER COLUMN name DROP NOT NULL',
    expect: ['column changed public.users.name'],
  },
  {
    title: 'drop NOT NULL',
    change: 'ALTER TABLE public.posts ALTER COLUMN title DROP NOT NULL',
    undo: 'ALTER TABLE public.posts ALTER COLUMN title SET NOT NULL',
    expect: ['column changed public.posts.title'],
  },
  {
    title: 'set a default',
    change: "ALTER TABLE public.users ALTER COLUMN name SET DEFAULT 'anonymous'",
    undo: 'ALTER TABLE public.users ALTER COLUMN name DROP DEFAULT',
    expect: ['column changed public.users.name'],
  },
  {
    title: 'drop a default',
    change: 'ALTER TABLE public.users ALTER COLUMN created_at DROP DEFAULT',
    undo: 'ALTER TABLE public.users ALTER COLUMN created_at SET DEFAULT now()',
    expect: ['column changed public.users.created_at'],
  },
  {
    title: 'change a default expression',
    change: "ALTER TABLE public.users ALTER COLUMN created_at SET DEFAULT (now() AT TIME ZONE 'utc')",
    undo: 'ALTER TABLE public.users ALTER COLUMN created_at SET DEFAULT now()',
    expect: ['column changed public.users.created_at'],
  },
  {
    title: 'change an enum default',
    change: "ALTER TABLE public.posts ALTER COLUMN status SET DEFAULT 'published'",
    undo: "ALTER TABLE public.posts ALTER COLUMN status SET DEFAULT 'draft'",
    expect: ['column changed public.posts.status'],
  },
  {
    title: 'add an identity to a column',
    change: 'ALTER TABLE public.tags ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY',
    undo: 'ALTER TABLE public.tags ALTER COLUMN id DROP IDENTITY',
    expect: ['column changed public.tags.id'],
  },
  {
    title: 'identity by default to always',
    change: 'ALTER TABLE public.posts ALTER COLUMN id SET GENERATED ALWAYS',
    undo: 'ALTER TABLE public.posts ALTER COLUMN id SET GENERATED BY DEFAULT',
    expect: ['column changed public.posts.id'],
  },
  {
    title: 'drop an identity',
    change: 'ALTER TABLE public.posts ALTER COLUMN id DROP IDENTITY',
    undo: 'ALTER TABLE public.posts ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY',
    expect: ['column changed public.posts.id'],
  },
  {
    title: 'change an identity sequence option',
    change: 'ALTER TABLE public.posts ALTER COLUMN id SET INCREMENT BY 10',
    undo: 'ALTER TABLE public.posts ALTER COLUMN id SET INCREMENT BY 1',
    expect: ['sequence changed public.posts_id_seq'],
  },
  {
    title: 'add a generated column',
    change:
      'ALTER TABLE public.posts ADD COLUMN title_length integer GENERATED ALWAYS AS (length(title)) STORED',
    undo: 'ALTER TABLE public.posts DROP COLUMN title_length',
    expect: ['column added public.posts.title_length'],
  },
  {
    title: 'drop a generation expression',
    base: 'ALTER TABLE public.tags ADD COLUMN label_length integer GENERATED ALWAYS AS (length(label)) STORED',
    change: 'ALTER TABLE public.tags ALTER COLUMN label_length DROP EXPRESSION',
    undo: `ALTER TABLE public.tags DROP COLUMN label_length;
           ALTER TABLE public.tags ADD COLUMN label_length integer GENERATED ALWAYS AS (length(label)) STORED`,
    expect: ['column changed public.tags.label_length'],
  },
  {
    title: 'change a column collation',
    change: 'ALTER TABLE public.tags ALTER COLUMN label TYPE text COLLATE "C"',
    undo: 'ALTER TABLE public.tags ALTER COLUMN label TYPE text COLLATE "default"',
    expect: ['column changed public.tags.label'],
  },
  {
    title: 'set column storage',
    change: 'ALTER TABLE public.posts ALTER COLUMN body SET STORAGE EXTERNAL',
    undo: 'ALTER TABLE public.posts ALTER COLUMN body SET STORAGE EXTENDED',
    expect: ['column changed public.posts.body'],
  },
  {
    title: 'set column statistics target',
    change: 'ALTER TABLE public.posts ALTER COLUMN body SET STATISTICS 500',
    undo: 'ALTER TABLE public.posts ALTER COLUMN body SET STATISTICS -1',
    expect: ['column changed public.posts.body'],
  },
  {
    title: 'set a column attribute option',
    change: 'ALTER TABLE public.posts ALTER COLUMN user_id SET (n_distinct = 100)',
    undo: 'ALTER TABLE public.posts ALTER COLUMN user_id RESET (n_distinct)',
    expect: ['column changed public.posts.user_id'],
  },
  {
    title: 'set column compression',
    change: 'ALTER TABLE public.posts ALTER COLUMN body SET COMPRESSION pglz',
    undo: 'ALTER TABLE public.posts ALTER COLUMN body SET COMPRESSION default',
    expect: ['column changed public.posts.body'],
  },
  {
    title: 'add a serial column named like a keyword (its sequence comes with it)',
    change: 'ALTER TABLE public.tags ADD COLUMN position serial',
    undo: 'ALTER TABLE public.tags DROP COLUMN position',
    expect: ['column added public.tags."position"'],
  },
  {
    title: 'add a column with spaces and a percent sign',
    change: 'ALTER TABLE app."Order Items" ADD COLUMN "Discount %" numeric',
    undo: 'ALTER TABLE app."Order Items" DROP COLUMN "Discount %"',
    expect: ['column added app."Order Items"."Discount %"'],
  },
  {
    title: 'add a Unicode column',
    change: 'ALTER TABLE public."café" ADD COLUMN "größe" integer',
    undo: 'ALTER TABLE public."café" DROP COLUMN "größe"',
    expect: ['column added public."café"."größe"'],
  },
  {
    title: 'add a column to a partitioned table (partitions follow)',
    change: 'ALTER TABLE public.events ADD COLUMN source text',
    undo: 'ALTER TABLE public.events DROP COLUMN source',
    expect: ['column added public.events.source'],
  },
  {
    title: 'set NOT NULL on a partitioned table',
    change: 'ALTER TABLE public.events ALTER COLUMN payload SET NOT NULL',
    undo: 'ALTER TABLE public.events ALTER COLUMN payload DROP NOT NULL',
    expect: ['column changed public.events.payload'],
  },
  {
    title: 'set a default on a partitioned table',
    change: "ALTER TABLE public.events ALTER COLUMN payload SET DEFAULT '{}'",
    undo: 'ALTER TABLE public.events ALTER COLUMN payload DROP DEFAULT',
    expect: ['column changed public.events.payload'],
  },
  {
    title: 'drop a column of a partitioned table (partitions follow)',
    change: 'ALTER TABLE public.events DROP COLUMN payload',
    undo: 'ALTER TABLE public.events ADD COLUMN payload jsonb',
    expect: ['column removed public.events.payload'],
  },
  {
    title: 'change a column type on a partitioned table (partitions follow)',
    change: 'ALTER TABLE public.events ALTER COLUMN payload TYPE json',
    undo: 'ALTER TABLE public.events ALTER COLUMN payload TYPE jsonb',
    expect: ['column changed public.events.payload'],
  },
  {
    title: 'rename a column of an inheritance parent (children follow)',
    change: 'ALTER TABLE public.audit_base RENAME COLUMN at TO logged_at',
    undo: 'ALTER TABLE public.audit_base RENAME COLUMN logged_at TO at',
    expect: ['column renamed public.audit_base.logged_at'],
  },
  {
    title: 'add a column to an inheritance parent',
    change: 'ALTER TABLE public.audit_base ADD COLUMN note text',
    undo: 'ALTER TABLE public.audit_base DROP COLUMN note',
    expect: ['column added public.audit_base.note'],
  },
  {
    title: 'set a default on one partition only',
    change: "ALTER TABLE public.events_2024 ALTER COLUMN payload SET DEFAULT '[]'",
    undo: 'ALTER TABLE public.events_2024 ALTER COLUMN payload DROP DEFAULT',
    expect: ['column changed public.events_2024.payload'],
  },
  {
    title: 'add an array column with a default',
    change: "ALTER TABLE public.posts ADD COLUMN keywords text[] NOT NULL DEFAULT '{}'",
    undo: 'ALTER TABLE public.posts DROP COLUMN keywords',
    expect: ['column added public.posts.keywords'],
  },
  {
    title: 'add a column of a domain type',
    change: 'ALTER TABLE public.users ADD COLUMN contact public.email',
    undo: 'ALTER TABLE public.users DROP COLUMN contact',
    expect: ['column added public.users.contact'],
  },
  {
    title: 'add a column of a composite type',
    change: 'ALTER TABLE public.posts ADD COLUMN price public.money_pair',
    undo: 'ALTER TABLE public.posts DROP COLUMN price',
    expect: ['column added public.posts.price'],
  },
  {
    title: 'drop a column and add an unrelated one',
    change:
      'ALTER TABLE public.posts DROP COLUMN published_at; ALTER TABLE public.posts ADD COLUMN archived boolean',
    undo: 'ALTER TABLE public.posts DROP COLUMN archived; ALTER TABLE public.posts ADD COLUMN published_at timestamptz',
    expect: ['column removed public.posts.published_at', 'column added public.posts.archived'],
  },
];

defineCorpus('tables', cases);
