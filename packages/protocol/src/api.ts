import { z } from 'zod';
import { AccountRole, LinkRole, Role, RoomKind, RoomSettings } from './roles.js';

/** HTTP request and response bodies of /api. Parsed with these schemas at the edge. */
export const Email = z.string().trim().toLowerCase().max(254).email();
export const Password = z.string().min(10).max(256);
export const DisplayName = z.string().trim().min(1).max(80);

export const SignUpBody = z.object({ email: Email, password: Password, name: DisplayName, invite: z.string().max(200).optional() }).strict();
export const ChangePasswordBody = z.object({ currentPassword: z.string().min(1).max(256), newPassword: Password }).strict();
export const SignInBody = z.object({ email: Email, password: z.string().min(1).max(256) }).strict();

export const User = z.object({ id: z.string(), email: z.string(), name: z.string(), role: AccountRole });
export type User = z.infer<typeof User>;

export const MeResponse = z.object({
  user: User.nullable(),
  /** Send back as the `x-csrf-token` header on every cookie-authenticated write. */
  csrfToken: z.string().nullable(),
  signupOpen: z.boolean(),
});
export type MeResponse = z.infer<typeof MeResponse>;

export const InstanceSettings = z.object({ openSignup: z.boolean() });
export type InstanceSettings = z.infer<typeof InstanceSettings>;

export const InviteBody = z.object({ email: Email.optional(), role: AccountRole.default('teacher') }).strict();
export const InviteResponse = z.object({ token: z.string(), url: z.string(), expiresAt: z.string() });

export const RoomTitle = z.string().trim().min(1).max(120);
export const CreateRoomBody = z.object({ title: RoomTitle, kind: RoomKind, settings: RoomSettings.partial().optional() }).strict();
export const UpdateRoomBody = z.object({ title: RoomTitle.optional(), kind: RoomKind.optional(), settings: RoomSettings.partial().optional() }).strict();

export const CoHost = z.object({ userId: z.string(), email: z.string(), name: z.string() });
export const Room = z.object({
  id: z.string(),
  title: z.string(),
  kind: RoomKind,
  settings: RoomSettings,
  ownerId: z.string().nullable(),
  cohosts: z.array(CoHost),
  /** People currently joined to the live session, 0 when none runs. */
  liveCount: z.number().int(),
  createdAt: z.string(),
});
export type Room = z.infer<typeof Room>;

export const AddCoHostBody = z.object({ email: Email }).strict();

export const RoomLink = z.object({ role: LinkRole, url: z.string(), token: z.string(), createdAt: z.string(), expiresAt: z.string().nullable() });
export type RoomLink = z.infer<typeof RoomLink>;
export const RoomLinks = z.object({ moderator: RoomLink, participant: RoomLink });
export type RoomLinks = z.infer<typeof RoomLinks>;

/**
 * A room's RTMP stream key as issued: `amphi_` and 32 base64url characters (192 random bits).
 * Presented keys are checked against this shape before they are hashed and looked up.
 */
export const StreamKey = z.string().regex(/^amphi_[A-Za-z0-9_-]{32}$/);
/** The room's stream key without the secret, and where encoders send the stream. */
export const StreamKeyInfo = z.object({
  /** The key's first characters, e.g. `amphi_Ab3x…` (not enough to use it); null when the room has no key. */
  hint: z.string().nullable(),
  /** When the current key was made; null when the room has no key. */
  createdAt: z.string().nullable(),
  /** Server URL for OBS and encoders (the key goes in their separate "stream key" field). */
  rtmpUrl: z.string(),
});
export type StreamKeyInfo = z.infer<typeof StreamKeyInfo>;
/** Answer to creating or rotating the key: the only time the key itself is shown. */
export const IssuedStreamKey = z.object({ key: StreamKey, hint: z.string(), createdAt: z.string(), rtmpUrl: z.string() });
export type IssuedStreamKey = z.infer<typeof IssuedStreamKey>;

/** Join either with a link token, or (owner and co-hosts) with the room id. */
export const JoinBody = z
  .object({ token: z.string().min(1).max(2048).optional(), roomId: z.string().min(1).max(64).optional(), displayName: DisplayName.optional() })
  .strict()
  .refine((b) => (b.token === undefined) !== (b.roomId === undefined), { message: 'Give exactly one of token or roomId.' });
export const JoinPreviewBody = z.object({ token: z.string().min(1).max(2048) }).strict();
export const JoinPreview = z.object({
  room: z.object({ id: z.string(), title: z.string(), kind: RoomKind }),
  role: Role,
  /** True when the person must give a display name (no account). */
  needsName: z.boolean(),
  lobby: z.boolean(),
  /** People in the live session now (the pre-join page mutes by default above 10). */
  liveCount: z.number().int(),
});
export type JoinPreview = z.infer<typeof JoinPreview>;
export const JoinResponse = z.object({ ticket: z.string(), roomId: z.string(), role: Role, expiresInS: z.number() });
export type JoinResponse = z.infer<typeof JoinResponse>;

export const ErrorBody = z.object({ code: z.string(), message: z.string(), issues: z.array(z.object({ path: z.string(), message: z.string() })).optional() });
export type ErrorBody = z.infer<typeof ErrorBody>;
