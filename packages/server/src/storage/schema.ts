import type { ColumnType, Generated } from 'kysely';

/** Timestamps are stored as timestamptz and read as Date. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  role: 'admin' | 'teacher';
  created_at: Timestamp;
}

export interface SessionsTable {
  /** SHA-256 of the cookie value: a stolen database does not yield usable cookies. */
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface InvitesTable {
  id: string;
  token_hash: string;
  email: string | null;
  role: 'admin' | 'teacher';
  created_by: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface InstanceSettingsTable {
  key: string;
  value: string;
}

export interface RoomsTable {
  id: string;
  title: string;
  kind: 'classroom' | 'lecture';
  /** Null for a room made by an LTI launch (moderated by the LMS's instructors). */
  owner_id: string | null;
  /** JSON text of RoomSettings, parsed with the protocol schema on read. */
  settings: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RoomCohostsTable {
  room_id: string;
  user_id: string;
  added_at: Timestamp;
}

export interface RoomLinksTable {
  id: string;
  room_id: string;
  role: 'moderator' | 'participant';
  created_at: Timestamp;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface LiveSessionsTable {
  id: string;
  room_id: string;
  started_at: Timestamp;
  ended_at: Timestamp | null;
  ended_reason: string | null;
  peak_participants: Generated<number>;
}

export interface RoomStreamKeysTable {
  room_id: string;
  /** SHA-256 of the key (base64url): the key itself is shown once and never stored. */
  key_hash: string;
  /** The key's first characters, for display. */
  hint: string;
  created_at: Timestamp;
}

/** A jsonb column: written as JSON text, read back parsed. */
type Json = ColumnType<unknown, string, string>;

export interface InteractionEventsTable {
  session_id: string;
  /** 1, 2, 3 … per live session, without gaps. */
  seq: number;
  kind: string;
  /** Participant id of who acted (`server` for the server's own events, e.g. a poll timer). */
  actor_id: string;
  /** The client-chosen id of the command, for retries. */
  client_id: string | null;
  at: Timestamp;
  /** The live session's media time (ms) when it happened. */
  media_time: number | null;
  /** Domain data; after a redaction only its residue (a deleted message's author). */
  payload: Json | null;
  /** JSON array of participant ids: only moderators and they see the event. */
  restricted_to: Json | null;
  redacts: number | null;
  redacted_by: number | null;
}

export interface PollsTable {
  session_id: string;
  poll_id: string;
  state: 'draft' | 'open' | 'closed' | 'revealed';
  question: string;
  /** The whole poll: content, times, ballots by voter key. */
  record: Json;
  /** Counts per option, voters, correct voters (null for a draft). */
  results: Json | null;
  updated_at: Timestamp;
}

export interface LtiPlatformsTable {
  id: string;
  /** Compared byte for byte with an id_token's `iss`. */
  issuer: string;
  client_id: string;
  jwks_url: string;
  auth_url: string;
  token_url: string;
  created_at: Timestamp;
}

export interface LtiDeploymentsTable {
  platform_id: string;
  deployment_id: string;
}

export interface LtiKeysTable {
  kid: string;
  /** The private JWK, sealed with a key derived from AMPHI_SECRET (lti/sealing.ts). */
  private_jwk_sealed: string;
  /** The public JWK as published in /lti/jwks. */
  public_jwk: Json;
  created_at: Timestamp;
  /** When another key replaced it (null: the current key). */
  retired_at: Timestamp | null;
}

export interface Lti11ConsumersTable {
  consumer_key: string;
  /** The shared secret, sealed like a tool key: HMAC-SHA1 needs it in clear, so it cannot be hashed. */
  secret_sealed: string;
  name: string;
  created_at: Timestamp;
}

export interface LtiLoginStatesTable {
  state: string;
  nonce: string;
  issuer: string;
  client_id: string;
  /** The platform storage frame named at login (postMessage flow), if any. */
  storage_target: string | null;
  expires_at: Timestamp;
}

export interface Lti11NoncesTable {
  consumer_key: string;
  nonce: string;
  expires_at: Timestamp;
}

export interface LtiIdentitiesTable {
  id: string;
  /** The platform's issuer (LTI 1.3) or `lti11:` and the consumer key. */
  issuer: string;
  sub: string;
  name: string | null;
  email: string | null;
  created_at: Timestamp;
  last_seen_at: Timestamp;
}

export interface LtiContextsTable {
  id: string;
  issuer: string;
  context_id: string;
  title: string | null;
  label: string | null;
  /** NRPS endpoint of the course, from the latest launch that sent one. */
  memberships_url: string | null;
  platform_id: string | null;
}

export interface LtiResourceLinksTable {
  id: string;
  issuer: string;
  resource_link_id: string;
  context_ref: string | null;
  room_id: string;
  platform_id: string | null;
  lineitems_url: string | null;
  lineitem_url: string | null;
  ags_scope: Json | null;
  created_at: Timestamp;
}

/** A stretch of presence of an LTI identity in a live session (migration 6). */
export interface LtiAttendanceTable {
  id: string;
  session_id: string;
  room_id: string;
  identity_id: string;
  participant_id: string;
  joined_at: Timestamp;
  /** Null while present (or when the session ended with them in it). */
  left_at: Timestamp | null;
}

export interface LtiContextRoomsTable {
  context_ref: string;
  room_id: string;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  invites: InvitesTable;
  instance_settings: InstanceSettingsTable;
  rooms: RoomsTable;
  room_cohosts: RoomCohostsTable;
  room_links: RoomLinksTable;
  live_sessions: LiveSessionsTable;
  room_stream_keys: RoomStreamKeysTable;
  interaction_events: InteractionEventsTable;
  polls: PollsTable;
  lti_platforms: LtiPlatformsTable;
  lti_deployments: LtiDeploymentsTable;
  lti_keys: LtiKeysTable;
  lti11_consumers: Lti11ConsumersTable;
  lti_login_states: LtiLoginStatesTable;
  lti11_nonces: Lti11NoncesTable;
  lti_identities: LtiIdentitiesTable;
  lti_contexts: LtiContextsTable;
  lti_resource_links: LtiResourceLinksTable;
  lti_context_rooms: LtiContextRoomsTable;
  lti_attendance: LtiAttendanceTable;
}
