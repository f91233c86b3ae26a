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
  {
    version: 5,
    name: 'lti launches: login states, 1.1 nonces, identities, courses, activities',
    // What LTI launches leave behind. A login state waits (single-use, a few minutes) for its
    // launch on whichever instance receives it; an LTI 1.1 nonce is remembered for the timestamp
    // window. A person from an LMS is an identity keyed by (issuer, sub): no password, no
    // account. A course is a context; an activity (resource link) leads to one room. Rooms
    // made by a launch have no owner account (owner_id null): they are moderated by whom the
    // LMS launches as instructor. A course's rooms (lti_context_rooms) are those its activities
    // lead to and those deep linking made for it, before any launch.
    sql: `
      ALTER TABLE rooms ALTER COLUMN owner_id DROP NOT NULL;
      CREATE TABLE lti_login_states (
        state text PRIMARY KEY,
        nonce text NOT NULL,
        issuer text NOT NULL,
        client_id text NOT NULL,
        storage_target text,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX lti_login_states_expiry_idx ON lti_login_states(expires_at);
      CREATE TABLE lti11_nonces (
        consumer_key text NOT NULL,
        nonce text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (consumer_key, nonce)
      );
      CREATE INDEX lti11_nonces_expiry_idx ON lti11_nonces(expires_at);
      CREATE TABLE lti_identities (
        id text PRIMARY KEY,
        issuer text NOT NULL,
        sub text NOT NULL,
        name text,
        email text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (issuer, sub)
      );
      CREATE TABLE lti_contexts (
        id text PRIMARY KEY,
        issuer text NOT NULL,
        context_id text NOT NULL,
        title text,
        label text,
        memberships_url text,
        platform_id text REFERENCES lti_platforms(id) ON DELETE SET NULL,
        UNIQUE (issuer, context_id)
      );
      CREATE TABLE lti_resource_links (
        id text PRIMARY KEY,
        issuer text NOT NULL,
        resource_link_id text NOT NULL,
        context_ref text REFERENCES lti_contexts(id) ON DELETE SET NULL,
        room_id text NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        platform_id text REFERENCES lti_platforms(id) ON DELETE SET NULL,
        lineitems_url text,
        lineitem_url text,
        ags_scope jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (issuer, resource_link_id)
      );
      CREATE INDEX lti_resource_links_room_idx ON lti_resource_links(room_id);
      CREATE INDEX lti_resource_links_context_idx ON lti_resource_links(context_ref);
      CREATE TABLE lti_context_rooms (
        context_ref text NOT NULL REFERENCES lti_contexts(id) ON DELETE CASCADE,
        room_id text NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        PRIMARY KEY (context_ref, room_id)
      );
    `,
  },
  {
    version: 6,
    name: 'lti attendance: presence of lms people in live sessions',
    // One row per stretch of presence of a person launched from an LMS in a live session (from
    // joining to leaving; a reconnection within the grace period is the same stretch), for the
    // roster's "joined" and the grades posted after the session. No foreign key to
    // live_sessions: the session's row is written asynchronously and may come after the first
    // arrival's.
    sql: `
      CREATE TABLE lti_attendance (
        id text PRIMARY KEY,
        session_id text NOT NULL,
        room_id text NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        identity_id text NOT NULL REFERENCES lti_identities(id) ON DELETE CASCADE,
        participant_id text NOT NULL,
        joined_at timestamptz NOT NULL,
        left_at timestamptz
      );
      CREATE INDEX lti_attendance_session_idx ON lti_attendance(session_id, participant_id);
    `,
  },
];
