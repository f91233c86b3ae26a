/**
 * Versioned schema migrations, plain SQL that runs unchanged on PGlite and PostgreSQL.
 * Append only: a released migration is never edited.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'accounts, rooms, links, live sessions',
    sql: `
      CREATE TABLE users (
        id text PRIMARY KEY,
        email text NOT NULL UNIQUE,
        name text NOT NULL,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'teacher')),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE sessions (
        id_hash text PRIMARY KEY,
        user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf_token text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX sessions_user_idx ON sessions(user_id);
      CREATE TABLE invites (
        id text PRIMARY KEY,
        token_hash text NOT NULL UNIQUE,
        email text,
        role text NOT NULL CHECK (role IN ('admin', 'teacher')),
        created_by text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      );
      CREATE TABLE instance_settings (
        key text PRIMARY KEY,
        value text NOT NULL
      );
      CREATE TABLE rooms (
        id text PRIMARY KEY,
        title text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('classroom', 'lecture')),
        owner_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        settings text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX rooms_owner_idx ON rooms(owner_id);
      CREATE TABLE room_cohosts (
        room_id text NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        added_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (room_id, user_id)
      );
      CREATE INDEX room_cohosts_user_idx ON room_cohosts(user_id);
      CREATE TABLE room_links (
        id text PRIMARY KEY,
        room_id text NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('moderator', 'participant')),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz
      );
      CREATE INDEX room_links_room_idx ON room_links(room_id);
      CREATE TABLE live_sessions (
        id text PRIMARY KEY,
        room_id text NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        started_at timestamptz NOT NULL,
        ended_at timestamptz,
        ended_reason text,
        peak_participants integer NOT NULL DEFAULT 0
      );
      CREATE INDEX live_sessions_room_idx ON live_sessions(room_id);
    `,
  },
  {
    version: 2,
    name: 'room stream keys',
    // One row per room at most: rotating replaces it, revoking deletes it. Only the key's
    // SHA-256 is kept (a stolen database yields no usable key); the unique index on it is
    // how a presented key finds its room.
    sql: `
      CREATE TABLE room_stream_keys (
        room_id text PRIMARY KEY REFERENCES rooms(id) ON DELETE CASCADE,
        key_hash text NOT NULL UNIQUE,
        hint text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 3,
    name: 'interaction events and polls',
    // The ordered log of each live session (chat, Q&A, polls), one row per event, written
    // one transaction per batch before anyone sees it. A deleted chat message keeps its row
    // (the seqs have no gaps) but loses its text: `payload` keeps only what the redaction
    // leaves, `redacted_by` says by which event. Polls are stored again whenever they change
    // state, with ballots and results, so a session's results can be read without replaying.
    sql: `
      CREATE TABLE interaction_events (
        session_id text NOT NULL REFERENCES live_sessions(id) ON DELETE CASCADE,
        seq integer NOT NULL,
        kind text NOT NULL,
        actor_id text NOT NULL,
        client_id text,
        at timestamptz NOT NULL,
        media_time double precision,
        payload jsonb,
        restricted_to jsonb,
        redacts integer,
        redacted_by integer,
        PRIMARY KEY (session_id, seq)
      );
      CREATE TABLE polls (
        session_id text NOT NULL REFERENCES live_sessions(id) ON DELETE CASCADE,
        poll_id text NOT NULL,
        state text NOT NULL,
        question text NOT NULL,
        record jsonb NOT NULL,
        results jsonb,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (session_id, poll_id)
      );
    `,
  },
  {
    version: 4,
    name: 'lti platforms, deployments, tool keys, lti 1.1 consumers',
    // LTI 1.3 registrations (one per issuer and client id) with their deployment ids; Amphi's
    // own RS256 signing keys; LTI 1.1 consumers. A private key and a consumer secret are kept
    // sealed (AES-256-GCM under a key derived from AMPHI_SECRET, see lti/sealing.ts): a copy
    // of the database alone signs nothing. At most one tool key is current (retired_at null),
    // which the partial unique index enforces across instances starting together.
    sql: `
      CREATE TABLE lti_platforms (
        id text PRIMARY KEY,
        issuer text NOT NULL,
        client_id text NOT NULL,
        jwks_url text NOT NULL,
        auth_url text NOT NULL,
        token_url text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (issuer, client_id)
      );
      CREATE TABLE lti_deployments (
        platform_id text NOT NULL REFERENCES lti_platforms(id) ON DELETE CASCADE,
        deployment_id text NOT NULL,
        PRIMARY KEY (platform_id, deployment_id)
      );
      CREATE TABLE lti_keys (
        kid text PRIMARY KEY,
        private_jwk_sealed text NOT NULL,
        public_jwk jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz
      );
      CREATE UNIQUE INDEX lti_keys_one_current ON lti_keys ((retired_at IS NULL)) WHERE retired_at IS NULL;
      CREATE TABLE lti11_consumers (
        consumer_key text PRIMARY KEY,
        secret_sealed text NOT NULL,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
];
