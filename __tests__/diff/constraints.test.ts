import { defineCorpus, type Case } from './corpus.js';

/** Constraints and indexes. */
const cases: Case[] = [
  // ── check constraints ──
  {
    title: 'add a check constraint',
    change: 'ALTER TABLE public.posts ADD CONSTRAINT posts_score_positive CHECK (score >= 0)',
    undo: 'ALTER TABLE public.posts DROP CONSTRAINT posts_score_positive',
    expect: ['constraint added public.posts.posts_score_positive'],
  },
  {
    title: 'add a check constraint NOT VALID',
    change: 'ALTER TABLE public.posts ADD CONSTRAINT posts_score_small CHECK (score < 1000) NOT VALID',
    undo: 'ALTER TABLE public.posts DROP CONSTRAINT posts_score_small',
    expect: ['constraint added public.posts.posts_score_small'],
  },
  {
    title: 'validate a check constraint',
    base: 'ALTER TABLE public.posts ADD CONSTRAINT posts_score_small CHECK (score < 1000) NOT VALID',
    change: 'ALTER TABLE public.posts VALIDATE CONSTRAINT posts_score_small',
    undo: `ALTER TABLE public.posts DROP CONSTRAINT posts_score_small;
           ALTER TABLE public.posts ADD CONSTRAINT posts_score_small CHECK (score < 1000) NOT VALID`,
    expect: ['constraint changed public.posts.posts_score_small'],
  },
  {
    title: 'drop a check constraint',
    change: 'ALTER TABLE public.users DROP CONSTRAINT users_age_check',
    undo: 'ALTER TABLE public.users ADD CONSTRAINT users_age_check CHECK (age >= 0)',
    expect: ['constraint removed public.users.users_age_check'],
  },
  {
    title: 'change a check expression',
    change: `ALTER TABLE public.users DROP CONSTRAINT users_age_check;
             ALTER TABLE public.users ADD CONSTRAINT users_age_check CHECK (age >= 13)`,
    undo: `ALTER TABLE public.users DROP CONSTRAINT users_age_check;
           ALTER TABLE public.users ADD CONSTRAINT users_age_check CHECK (age >= 0)`,
    expect: ['constraint changed public.users.users_age_check'],
  },
  {
    title: 'rename a check constraint',
    change: 'ALTER TABLE public.users RENAME CONSTRAINT users_age_check TO users_age_nonnegative',
    undo: 'ALTER TABLE public.users RENAME CONSTRAINT users_age_nonnegative TO users_age_check',
    expect: ['constraint renamed public.users.users_age_nonnegative'],
  },
  {
    title: 'add a NO INHERIT check on an inheritance parent',
    change: 'ALTER TABLE public.audit_base ADD CONSTRAINT audit_base_id_check CHECK (id > 0) NO INHERIT',
    undo: 'ALTER TABLE public.audit_base DROP CONSTRAINT audit_base_id_check',
    expect: ['constraint added public.audit_base.audit_base_id_check'],
  },
  {
    title: 'add a check on an inheritance parent (children inherit it)',
    change: 'ALTER TABLE public.audit_base ADD CONSTRAINT audit_base_id_check CHECK (id > 0)',
    undo: 'ALTER TABLE public.audit_base DROP CONSTRAINT audit_base_id_check',
    expect: ['constraint added public.audit_base.audit_base_id_check'],
  },
  {
    title: 'add a check on a partitioned table (partitions inherit it)',
    change:
      "ALTER TABLE public.events ADD CONSTRAINT events_payload_object CHECK (jsonb_typeof(payload) = 'object')",
    undo: 'ALTER TABLE public.events DROP CONSTRAINT events_payload_object',
    expect: ['constraint added public.events.events_payload_object'],
  },
  {
    title: 'add a quoted check constraint on a quoted table',
    change: 'ALTER TABLE app."Order Items" ADD CONSTRAINT "Quantity > 0" CHECK ("Quantity" > 0)',
    undo: 'ALTER TABLE app."Order Items" DROP CONSTRAINT "Quantity > 0"',
    expect: ['constraint added app."Order Items"."Quantity > 0"'],
  },
  // ── unique and primary keys ──
  {
    title: 'add a unique constraint',
    change: 'ALTER TABLE public.tags ADD CONSTRAINT tags_label_key UNIQUE (label)',
    undo: 'ALTER TABLE public.tags DROP CONSTRAINT tags_label_key',
    expect: ['constraint added public.tags.tags_label_key'],
  },
  {
    title: 'add a unique constraint with NULLS NOT DISTINCT',
    change: 'ALTER TABLE public.users ADD CONSTRAINT users_name_key UNIQUE NULLS NOT DISTINCT (name)',
    undo: 'ALTER TABLE public.users DROP CONSTRAINT users_name_key',
    expect: ['constraint added public.users.users_name_key'],
  },
  {
    title: 'add a deferrable unique constraint',
    change:
      'ALTER TABLE public.tags ADD CONSTRAINT tags_label_key UNIQUE (label) DEFERRABLE INITIALLY DEFERRED',
    undo: 'ALTER TABLE public.tags DROP CONSTRAINT tags_label_key',
    expect: ['constraint added public.tags.tags_label_key'],
  },
  {
    title: 'drop a unique constraint',
    change: 'ALTER TABLE public.users DROP CONSTRAINT users_email_key',
    undo: 'ALTER TABLE public.users ADD CONSTRAINT users_email_key UNIQUE (email)',
    expect: ['constraint removed public.users.users_email_key'],
  },
  {
    title: 'rename a unique constraint (and its index)',
    change: 'ALTER TABLE public.users RENAME CONSTRAINT users_email_key TO users_email_unique',
    undo: 'ALTER TABLE public.users RENAME CONSTRAINT users_email_unique TO users_email_key',
    expect: ['constraint renamed public.users.users_email_unique'],
  },
  {
    title: 'rename the index behind a unique constraint',
    change: 'ALTER INDEX public.users_email_key RENAME TO users_email_uq',
    undo: 'ALTER INDEX public.users_email_uq RENAME TO users_email_key',
    expect: ['constraint renamed public.users.users_email_uq'],
  },
  {
    title: 'unique constraint columns change',
    change: `ALTER TABLE public.users DROP CONSTRAINT users_email_key;
             ALTER TABLE public.users ADD CONSTRAINT users_email_key UNIQUE (email, name)`,
    undo: `ALTER TABLE public.users DROP CONSTRAINT users_email_key;
           ALTER TABLE public.users ADD CONSTRAINT users_email_key UNIQUE (email)`,
    expect: ['constraint changed public.users.users_email_key'],
  },
  {
    title: 'drop a primary key',
    change: 'ALTER TABLE app."Order Items" DROP CONSTRAINT "Order Items_pkey"',
    undo: 'ALTER TABLE app."Order Items" ADD PRIMARY KEY (id)',
    expect: ['constraint removed app."Order Items"."Order Items_pkey"'],
  },
  {
    title: 'add a primary key (its column becomes NOT NULL)',
    change: 'ALTER TABLE public.audit_base ADD PRIMARY KEY (id)',
    undo: 'ALTER TABLE public.audit_base DROP CONSTRAINT audit_base_pkey; ALTER TABLE public.audit_base ALTER COLUMN id DROP NOT NULL',
    expect: ['constraint added public.audit_base.audit_base_pkey', 'column changed public.audit_base.id'],
  },
  {
    title: 'primary key index storage parameter changes',
    change: `ALTER TABLE app."Order Items" DROP CONSTRAINT "Order Items_pkey",
             ADD CONSTRAINT "Order Items_pkey" PRIMARY KEY (id) WITH (fillfactor = 50)`,
    undo: `ALTER TABLE app."Order Items" DROP CONSTRAINT "Order Items_pkey",
           ADD CONSTRAINT "Order Items_pkey" PRIMARY KEY (id)`,
    expect: ['constraint changed app."Order Items"."Order Items_pkey"'],
  },
  {
    title: 'cluster a table on its primary key',
    change: 'ALTER TABLE public.tags CLUSTER ON tags_pkey',
    undo: 'ALTER TABLE public.tags SET WITHOUT CLUSTER',
    expect: ['constraint changed public.tags.tags_pkey'],
  },
  {
    title: 'primary key gains INCLUDE columns',
    change: `ALTER TABLE app."Order Items" DROP CONSTRAINT "Order Items_pkey",
             ADD CONSTRAINT "Order Items_pkey" PRIMARY KEY (id) INCLUDE ("Quantity")`,
    undo: `ALTER TABLE app."Order Items" DROP CONSTRAINT "Order Items_pkey",
           ADD CONSTRAINT "Order Items_pkey" PRIMARY KEY (id)`,
    expect: ['constraint changed app."Order Items"."Order Items_pkey"'],
  },
  {
    title: 'add a primary key to a partitioned table',
    change: 'ALTER TABLE public.events ADD PRIMARY KEY (id, happened_on)',
    undo: 'ALTER TABLE public.events DROP CONSTRAINT events_pkey',
    expect: ['constraint added public.events.events_pkey'],
  },
  {
    title: 'primary key from an existing unique index',
    base: 'CREATE UNIQUE INDEX "café_naïve_idx" ON public."café" ("naïve")',
    change: 'ALTER TABLE public."café" ADD CONSTRAINT "café_naïve_key" UNIQUE USING INDEX "café_naïve_idx"',
    undo: `ALTER TABLE public."café" DROP CONSTRAINT "café_naïve_key";
           CREATE UNIQUE INDEX "café_naïve_idx" ON public."café" ("naïve")`,
    expect: ['index removed public."café_naïve_idx"', 'constraint added public."café"."café_naïve_key"'],
  },
  // ── exclusion ──
  {
    title: 'add an exclusion constraint',
    change:
      'ALTER TABLE public.bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&)',
    undo: 'ALTER TABLE public.bookings DROP CONSTRAINT bookings_no_overlap',
    expect: ['constraint added public.bookings.bookings_no_overlap'],
  },
  {
    title: 'exclusion constraint gains a predicate',
    base: 'ALTER TABLE public.bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&)',
    change: `ALTER TABLE public.bookings DROP CONSTRAINT bookings_no_overlap;
             ALTER TABLE public.bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&) WHERE (room > 0)`,
    undo: `ALTER TABLE public.bookings DROP CONSTRAINT bookings_no_overlap;
           ALTER TABLE public.bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&)`,
    expect: ['constraint changed public.bookings.bookings_no_overlap'],
  },
  // ── foreign keys ──
  {
    title: 'add a foreign key',
    change:
      'ALTER TABLE public.audit_users ADD CONSTRAINT audit_users_user_fk FOREIGN KEY (user_id) REFERENCES public.users (id)',
    undo: 'ALTER TABLE public.audit_users DROP CONSTRAINT audit_users_user_fk',
    expect: ['constraint added public.audit_users.audit_users_user_fk'],
  },
  {
    title: 'add a foreign key NOT VALID',
    change:
      'ALTER TABLE public.audit_users ADD CONSTRAINT audit_users_user_fk FOREIGN KEY (user_id) REFERENCES public.users (id) NOT VALID',
    undo: 'ALTER TABLE public.audit_users DROP CONSTRAINT audit_users_user_fk',
    expect: ['constraint added public.audit_users.audit_users_user_fk'],
  },
  {
    title: 'validate a foreign key',
    base: 'ALTER TABLE public.audit_users ADD CONSTRAINT audit_users_user_fk FOREIGN KEY (user_id) REFERENCES public.users (id) NOT VALID',
    change: 'ALTER TABLE public.audit_users VALIDATE CONSTRAINT audit_users_user_fk',
    undo: `ALTER TABLE public.audit_users DROP CONSTRAINT audit_users_user_fk;
           ALTER TABLE public.audit_users ADD CONSTRAINT audit_users_user_fk FOREIGN KEY (user_id) REFERENCES public.users (id) NOT VALID`,
    expect: ['constraint changed public.audit_users.audit_users_user_fk'],
  },
  {
    title: 'change ON DELETE of a foreign key',
    change: `ALTER TABLE public.posts DROP CONSTRAINT posts_user_id_fkey,
             ADD CONSTRAINT posts_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE RESTRICT`,
    undo: `ALTER TABLE public.posts DROP CONSTRAINT posts_user_id_fkey,
           ADD CONSTRAINT posts_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE`,
    expect: ['constraint changed public.posts.posts_user_id_fkey'],
  },
  {
    title: 'add ON UPDATE CASCADE to a foreign key',
    change: `ALTER TABLE public.post_tags DROP CONSTRAINT post_tags_tag_id_fkey,
             ADD CONSTRAINT post_tags_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES public.tags (id) ON UPDATE CASCADE`,
    undo: `ALTER TABLE public.post_tags DROP CONSTRAINT post_tags_tag_id_fkey,
           ADD CONSTRAINT post_tags_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES public.tags (id)`,
    expect: ['constraint changed public.post_tags.post_tags_tag_id_fkey'],
  },
  {
    title: 'make a foreign key deferrable',
    change:
      'ALTER TABLE public.post_tags ALTER CONSTRAINT post_tags_tag_id_fkey DEFERRABLE INITIALLY DEFERRED',
    undo: 'ALTER TABLE public.post_tags ALTER CONSTRAINT post_tags_tag_id_fkey NOT DEFERRABLE',
    expect: ['constraint changed public.post_tags.post_tags_tag_id_fkey'],
  },
  {
    title: 'foreign key MATCH FULL',
    change: `ALTER TABLE public.post_tags DROP CONSTRAINT post_tags_tag_id_fkey,
             ADD CONSTRAINT post_tags_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES public.tags (id) MATCH FULL`,
    undo: `ALTER TABLE public.post_tags DROP CONSTRAINT post_tags_tag_id_fkey,
           ADD CONSTRAINT post_tags_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES public.tags (id)`,
    expect: ['constraint changed public.post_tags.post_tags_tag_id_fkey'],
  },
  {
    title: 'foreign key points at another table',
    base: 'CREATE TABLE public.labels (id integer PRIMARY KEY)',
    change: `ALTER TABLE public.post_tags DROP CONSTRAINT post_tags_tag_id_fkey,
             ADD CONSTRAINT post_tags_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES public.labels (id)`,
    undo: `ALTER TABLE public.post_tags DROP CONSTRAINT post_tags_tag_id_fkey,
           ADD CONSTRAINT post_tags_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES public.tags (id)`,
    expect: ['constraint changed public.post_tags.post_tags_tag_id_fkey'],
  },
  {
    title: 'drop a foreign key',
    change: 'ALTER TABLE public.posts DROP CONSTRAINT posts_user_id_fkey',
    undo: 'ALTER TABLE public.posts ADD CONSTRAINT posts_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE',
    expect: ['constraint removed public.posts.posts_user_id_fkey'],
  },
  {
    title: 'rename a foreign key',
    change: 'ALTER TABLE public.posts RENAME CONSTRAINT posts_user_id_fkey TO posts_author_fk',
    undo: 'ALTER TABLE public.posts RENAME CONSTRAINT posts_author_fk TO posts_user_id_fkey',
    expect: ['constraint renamed public.posts.posts_author_fk'],
  },
  {
    title: 'add a foreign key on a partitioned table',
    base: 'ALTER TABLE public.events ADD COLUMN user_id integer',
    change:
      'ALTER TABLE public.events ADD CONSTRAINT events_user_fk FOREIGN KEY (user_id) REFERENCES public.users (id)',
    undo: 'ALTER TABLE public.events DROP CONSTRAINT events_user_fk',
    expect: ['constraint added public.events.events_user_fk'],
  },
  {
    title: 'add a self-referencing foreign key',
    base: 'ALTER TABLE public.tags ADD COLUMN parent_id integer',
    change:
      'ALTER TABLE public.tags ADD CONSTRAINT tags_parent_fk FOREIGN KEY (parent_id) REFERENCES public.tags (id)',
    undo: 'ALTER TABLE public.tags DROP CONSTRAINT tags_parent_fk',
    expect: ['constraint added public.tags.tags_parent_fk'],
  },
  {
    title: 'multi-column foreign key',
    base: 'CREATE TABLE public.tag_votes (post_id bigint, tag_id integer, vote integer)',
    change: `ALTER TABLE public.tag_votes ADD CONSTRAINT tag_votes_fk FOREIGN KEY (post_id, tag_id)
               REFERENCES public.post_tags (post_id, tag_id) ON DELETE CASCADE`,
    undo: 'ALTER TABLE public.tag_votes DROP CONSTRAINT tag_votes_fk',
    expect: ['constraint added public.tag_votes.tag_votes_fk'],
  },

  // ── indexes ──
  {
    title: 'create an index',
    change: 'CREATE INDEX posts_published_at_idx ON public.posts (published_at)',
    undo: 'DROP INDEX public.posts_published_at_idx',
    expect: ['index added public.posts_published_at_idx'],
  },
  {
    title: 'create a unique index',
    change: 'CREATE UNIQUE INDEX tags_label_idx ON public.tags (label)',
    undo: 'DROP INDEX public.tags_label_idx',
    expect: ['index added public.tags_label_idx'],
  },
  {
    title: 'create a partial index',
    change: "CREATE INDEX posts_drafts_idx ON public.posts (user_id) WHERE status = 'draft'",
    undo: 'DROP INDEX public.posts_drafts_idx',
    expect: ['index added public.posts_drafts_idx'],
  },
  {
    title: 'create an expression index',
    change: 'CREATE INDEX users_email_lower_idx ON public.users (lower(email))',
    undo: 'DROP INDEX public.users_email_lower_idx',
    expect: ['index added public.users_email_lower_idx'],
  },
  {
    title: 'create a multi-column index with sort orders',
    change: 'CREATE INDEX posts_user_score_idx ON public.posts (user_id, score DESC NULLS LAST)',
    undo: 'DROP INDEX public.posts_user_score_idx',
    expect: ['index added public.posts_user_score_idx'],
  },
  {
    title: 'create a covering index',
    change: 'CREATE INDEX posts_user_inc_idx ON public.posts (user_id) INCLUDE (title)',
    undo: 'DROP INDEX public.posts_user_inc_idx',
    expect: ['index added public.posts_user_inc_idx'],
  },
  {
    title: 'create a GIN index on a partitioned table (partitions follow)',
    change: 'CREATE INDEX events_payload_idx ON public.events USING gin (payload)',
    undo: 'DROP INDEX public.events_payload_idx',
    expect: ['index added public.events_payload_idx'],
  },
  {
    title: 'create a hash index',
    change: 'CREATE INDEX users_email_hash_idx ON public.users USING hash (email)',
    undo: 'DROP INDEX public.users_email_hash_idx',
    expect: ['index added public.users_email_hash_idx'],
  },
  {
    title: 'create a BRIN index',
    change:
      'CREATE INDEX users_created_brin ON public.users USING brin (created_at) WITH (pages_per_range = 32)',
    undo: 'DROP INDEX public.users_created_brin',
    expect: ['index added public.users_created_brin'],
  },
  {
    title: 'create an index with an operator class',
    change: 'CREATE INDEX posts_title_pattern_idx ON public.posts (title varchar_pattern_ops)',
    undo: 'DROP INDEX public.posts_title_pattern_idx',
    expect: ['index added public.posts_title_pattern_idx'],
  },
  {
    title: 'create an index with a collation',
    change: 'CREATE INDEX tags_label_c_idx ON public.tags (label COLLATE "C")',
    undo: 'DROP INDEX public.tags_label_c_idx',
    expect: ['index added public.tags_label_c_idx'],
  },
  {
    title: 'create a unique index with NULLS NOT DISTINCT',
    change: 'CREATE UNIQUE INDEX users_name_uq ON public.users (name) NULLS NOT DISTINCT',
    undo: 'DROP INDEX public.users_name_uq',
    expect: ['index added public.users_name_uq'],
  },
  {
    title: 'create an index on a materialized view',
    change: 'CREATE UNIQUE INDEX post_counts_user_idx ON public.post_counts (user_id)',
    undo: 'DROP INDEX public.post_counts_user_idx',
    expect: ['index added public.post_counts_user_idx'],
  },
  {
    title: 'create a quoted index on a quoted table',
    change: 'CREATE INDEX "Order Items by qty" ON app."Order Items" ("Quantity")',
    undo: 'DROP INDEX app."Order Items by qty"',
    expect: ['index added app."Order Items by qty"'],
  },
  {
    title: 'drop an index',
    change: 'DROP INDEX public.posts_user_id_idx',
    undo: 'CREATE INDEX posts_user_id_idx ON public.posts (user_id)',
    expect: ['index removed public.posts_user_id_idx'],
  },
  {
    title: 'rename an index',
    change: 'ALTER INDEX public.posts_user_id_idx RENAME TO posts_author_idx',
    undo: 'ALTER INDEX public.posts_author_idx RENAME TO posts_user_id_idx',
    expect: ['index renamed public.posts_author_idx'],
  },
  {
    title: 'redefine an index under the same name',
    change:
      'DROP INDEX public.posts_user_id_idx; CREATE INDEX posts_user_id_idx ON public.posts (user_id, id)',
    undo: 'DROP INDEX public.posts_user_id_idx; CREATE INDEX posts_user_id_idx ON public.posts (user_id)',
    expect: ['index changed public.posts_user_id_idx'],
  },
  {
    title: 'change an index method',
    change:
      'DROP INDEX public.posts_user_id_idx; CREATE INDEX posts_user_id_idx ON public.posts USING hash (user_id)',
    undo: 'DROP INDEX public.posts_user_id_idx; CREATE INDEX posts_user_id_idx ON public.posts (user_id)',
    expect: ['index changed public.posts_user_id_idx'],
  },
  {
    title: 'make an index unique',
    change:
      'DROP INDEX public.posts_user_id_idx; CREATE UNIQUE INDEX posts_user_id_idx ON public.posts (user_id)',
    undo: 'DROP INDEX public.posts_user_id_idx; CREATE INDEX posts_user_id_idx ON public.posts (user_id)',
    expect: ['index changed public.posts_user_id_idx'],
  },
  {
    title: 'set an index storage parameter',
    change: 'ALTER INDEX public.posts_user_id_idx SET (fillfactor = 60)',
    undo: 'ALTER INDEX public.posts_user_id_idx RESET (fillfactor)',
    expect: ['index changed public.posts_user_id_idx'],
  },
  {
    title: 'cluster a table on an index',
    change: 'ALTER TABLE public.posts CLUSTER ON posts_user_id_idx',
    undo: 'ALTER TABLE public.posts SET WITHOUT CLUSTER',
    expect: ['index changed public.posts_user_id_idx'],
  },
  {
    title: 'move an index predicate',
    base: "CREATE INDEX posts_drafts_idx ON public.posts (user_id) WHERE status = 'draft'",
    change:
      "DROP INDEX public.posts_drafts_idx; CREATE INDEX posts_drafts_idx ON public.posts (user_id) WHERE status = 'published'",
    undo: "DROP INDEX public.posts_drafts_idx; CREATE INDEX posts_drafts_idx ON public.posts (user_id) WHERE status = 'draft'",
    expect: ['index changed public.posts_drafts_idx'],
  },
];

defineCorpus('constraints', cases);
