import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '@amphi/client';
import { Room, type User } from '@amphi/protocol';
import { startServer, type TestServer } from './harness.js';
import { PASSWORD, http, rawSignUp, teacher, uniqueEmail } from './helpers.js';

const ADMIN_EMAIL = 'admin@uni.example';
const ADMIN_PASSWORD = 'first admin password';

let server: TestServer;
let firstAdmin: User | null;
beforeAll(async () => {
  server = await startServer();
  // What main.ts does on first start.
  firstAdmin = await server.accounts.ensureFirstAdmin(ADMIN_EMAIL, ADMIN_PASSWORD);
});
afterAll(async () => server?.close());

describe('accounts, sessions and invitations', () => {
  async function signedInAdmin() {
    const api = server.api();
    await api.signIn({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    return api;
  }

  async function sessionRows(userId: string) {
    return server.database.db.selectFrom('sessions').selectAll().where('user_id', '=', userId).execute();
  }

  it('creates the first administrator on an empty instance, and never a second one', async () => {
    expect(firstAdmin).toMatchObject({ email: ADMIN_EMAIL, role: 'admin' });
    expect(await server.accounts.ensureFirstAdmin('other-admin@uni.example', 'another password')).toBeNull();
    expect(await server.accounts.findUserByEmail('other-admin@uni.example')).toBeNull();
    const api = await signedInAdmin();
    expect((await api.me()).user).toMatchObject({ email: ADMIN_EMAIL, role: 'admin' });
  });

  it('signs a teacher up and keeps them signed in', async () => {
    const api = server.api();
    const email = uniqueEmail();
    const user = await api.signUp({ email, password: PASSWORD, name: 'Prof. Martin' });
    expect(user).toMatchObject({ email, name: 'Prof. Martin', role: 'teacher' });
    const me = await api.me();
    expect(me.user).toEqual(user);
    expect(me.csrfToken).toEqual(expect.any(String));
    expect(me.signupOpen).toBe(true);
  });

  it('signs in with the right password, and refuses a wrong one or an unknown email with INVALID_CREDENTIALS (401)', async () => {
    const { email, user } = await teacher(server);
    const api = server.api();
    await expect(api.signIn({ email, password: 'wrong password!' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS', status: 401 });
    await expect(api.signIn({ email: uniqueEmail('nobody'), password: PASSWORD })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS', status: 401 });
    expect((await api.me()).user).toBeNull();
    expect(await api.signIn({ email: email.toUpperCase(), password: PASSWORD })).toEqual(user);
    expect((await api.me()).user).toEqual(user);
  });

  it('signs out: the old cookie no longer opens a session, and its row is gone', async () => {
    const session = await rawSignUp(server);
    expect(await sessionRows(session.user.id)).toHaveLength(1);
    const out = await http(server, 'POST', '/api/auth/signout', { session });
    expect(out.status).toBe(204);
    const me = await http(server, 'GET', '/api/me', { session });
    expect(me.body).toMatchObject({ user: null, csrfToken: null });
    expect(await sessionRows(session.user.id)).toHaveLength(0);
  });

  it('changes a password: the new one signs in, the old one no longer does, and other sessions are closed', async () => {
    const { api, email, user } = await teacher(server);
    const laptop = server.api();
    await laptop.signIn({ email, password: PASSWORD });
    expect(await sessionRows(user.id)).toHaveLength(2);

    await api.changePassword({ currentPassword: PASSWORD, newPassword: 'a brand new passphrase' });
    expect((await api.me()).user).toEqual(user);
    expect((await laptop.me()).user).toBeNull();
    expect(await sessionRows(user.id)).toHaveLength(1);
    await expect(server.api().signIn({ email, password: PASSWORD })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(await server.api().signIn({ email, password: 'a brand new passphrase' })).toEqual(user);
  });

  it('refuses to change a password without the right current one, or to a too short one, and changes nothing', async () => {
    const { api, email, user } = await teacher(server);
    await expect(api.changePassword({ currentPassword: 'not my password', newPassword: 'a brand new passphrase' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS', status: 401 });
    await expect(api.changePassword({ currentPassword: PASSWORD, newPassword: 'short' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    await expect(server.api().changePassword({ currentPassword: PASSWORD, newPassword: 'a brand new passphrase' })).rejects.toMatchObject({ code: 'NOT_AUTHENTICATED' });
    expect(await server.api().signIn({ email, password: PASSWORD })).toEqual(user);
  });

  it('forgets a session once it has expired', async () => {
    const session = await rawSignUp(server);
    await server.database.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000) }).where('user_id', '=', session.user.id).execute();
    expect((await http(server, 'GET', '/api/me', { session })).body).toMatchObject({ user: null });
    const write = await http(server, 'POST', '/api/rooms', { session, json: { title: 'Late', kind: 'classroom' } });
    expect(write).toMatchObject({ status: 401, body: { code: 'NOT_AUTHENTICATED' } });
  });

  it('refuses a second account with the same email, whatever its case (EMAIL_TAKEN, 409)', async () => {
    const { email } = await teacher(server);
    const api = server.api();
    await expect(api.signUp({ email: `  ${email.toUpperCase()} `, password: PASSWORD, name: 'Impostor' })).rejects.toMatchObject({ code: 'EMAIL_TAKEN', status: 409 });
    const rows = await server.database.db.selectFrom('users').select('name').where('email', '=', email).execute();
    expect(rows).toEqual([{ name: 'Prof. Martin' }]);
  });

  it('refuses sign-up without an invitation once an administrator closes it (SIGNUP_CLOSED, 403)', async () => {
    const admin = await signedInAdmin();
    expect(await admin.setAdminSettings({ openSignup: false })).toEqual({ openSignup: false });
    try {
      const api = server.api();
      expect((await api.me()).signupOpen).toBe(false);
      const email = uniqueEmail();
      await expect(api.signUp({ email, password: PASSWORD, name: 'Late' })).rejects.toMatchObject({ code: 'SIGNUP_CLOSED', status: 403 });
      expect(await server.accounts.findUserByEmail(email)).toBeNull();
      // An invitation still works while sign-up is closed.
      const invite = await admin.invite({ role: 'teacher' });
      expect(await api.signUp({ email, password: PASSWORD, name: 'Invited', invite: invite.token })).toMatchObject({ email, role: 'teacher' });
    } finally {
      await admin.setAdminSettings({ openSignup: true });
    }
  });

  it('lets an administrator invite someone, and the invitation sets their role', async () => {
    const admin = await signedInAdmin();
    const invite = await admin.invite({ role: 'admin' });
    expect(invite.url).toContain(`/signup?invite=${invite.token}`);
    const newcomer = server.api();
    const user = await newcomer.signUp({ email: uniqueEmail('dean'), password: PASSWORD, name: 'Dean', invite: invite.token });
    expect(user.role).toBe('admin');
    expect(await newcomer.adminSettings()).toEqual({ openSignup: true });
    // The database stores the invitation's hash, and marks it used.
    const rows = await server.database.db.selectFrom('invites').selectAll().where('used_at', 'is not', null).execute();
    expect(rows.map((r) => r.token_hash)).not.toContain(invite.token);
  });

  it('refuses an invitation used twice, or by another email than the invited one (INVITE_INVALID)', async () => {
    const admin = await signedInAdmin();
    const invite = await admin.invite({ role: 'teacher' });
    await server.api().signUp({ email: uniqueEmail(), password: PASSWORD, name: 'First', invite: invite.token });
    const second = uniqueEmail();
    await expect(server.api().signUp({ email: second, password: PASSWORD, name: 'Second', invite: invite.token })).rejects.toMatchObject({ code: 'INVITE_INVALID', status: 400 });
    expect(await server.accounts.findUserByEmail(second)).toBeNull();

    const invited = uniqueEmail('invited');
    const personal = await admin.invite({ email: invited, role: 'admin' });
    await expect(server.api().signUp({ email: uniqueEmail('other'), password: PASSWORD, name: 'Other', invite: personal.token })).rejects.toMatchObject({ code: 'INVITE_INVALID' });
    expect(await server.api().signUp({ email: invited.toUpperCase(), password: PASSWORD, name: 'Invited', invite: personal.token })).toMatchObject({ email: invited, role: 'admin' });
  });

  it('keeps an invitation usable when the sign-up with it fails (EMAIL_TAKEN)', async () => {
    const admin = await signedInAdmin();
    const invite = await admin.invite({ role: 'teacher' });
    const { email } = await teacher(server);
    await expect(server.api().signUp({ email, password: PASSWORD, name: 'Again', invite: invite.token })).rejects.toMatchObject({ code: 'EMAIL_TAKEN' });
    expect(await server.api().signUp({ email: uniqueEmail(), password: PASSWORD, name: 'Next', invite: invite.token })).toMatchObject({ role: 'teacher' });
  });

  it('lets only administrators invite or change instance settings', async () => {
    const { api } = await teacher(server);
    await expect(api.invite({ role: 'admin' })).rejects.toMatchObject({ code: 'NOT_ALLOWED', status: 403 });
    await expect(api.setAdminSettings({ openSignup: false })).rejects.toMatchObject({ code: 'NOT_ALLOWED', status: 403 });
    await expect(server.api().invite({ role: 'teacher' })).rejects.toMatchObject({ code: 'NOT_AUTHENTICATED', status: 401 });
    expect(await server.database.db.selectFrom('invites').select('id').where('created_by', '=', (await api.me()).user!.id).execute()).toEqual([]);
    expect(await server.accounts.openSignup()).toBe(true);
  });
});

describe('session cookie and CSRF protection', () => {
  async function roomTitles(ownerId: string): Promise<string[]> {
    const rows = await server.database.db.selectFrom('rooms').select('title').where('owner_id', '=', ownerId).execute();
    return rows.map((r) => r.title);
  }

  it('sets the session cookie HttpOnly and SameSite=Lax, and stores only a hash of it', async () => {
    const session = await rawSignUp(server);
    expect(session.setCookie).toMatch(/HttpOnly/i);
    expect(session.setCookie).toMatch(/SameSite=Lax/i);
    expect(session.setCookie).toMatch(/Path=\//);
    const rows = await server.database.db.selectFrom('sessions').selectAll().where('user_id', '=', session.user.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id_hash).not.toBe(session.cookie);
    expect(rows[0]!.id_hash).toBe(createHash('sha256').update(session.cookie).digest('base64url'));
    const byCookie = await server.database.db.selectFrom('sessions').select('user_id').where('id_hash', '=', session.cookie).execute();
    expect(byCookie).toEqual([]);
  });

  it('refuses a cookie-authenticated write without the CSRF token, and changes nothing', async () => {
    const session = await rawSignUp(server);
    const res = await http(server, 'POST', '/api/rooms', { session, csrf: false, json: { title: 'Forged', kind: 'classroom' } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'CSRF_FAILED' });
    expect(await roomTitles(session.user.id)).toEqual([]);
  });

  it('refuses a cookie-authenticated write with a wrong CSRF token, and changes nothing', async () => {
    const session = await rawSignUp(server);
    const created = await http(server, 'POST', '/api/rooms', { session, json: { title: 'Algebra', kind: 'classroom' } });
    expect(created.status).toBe(201);
    const roomId = Room.parse(created.body).id;
    const other = await rawSignUp(server);
    for (const token of ['wrong', other.csrfToken, `${session.csrfToken}x`, '']) {
      const res = await http(server, 'PATCH', `/api/rooms/${roomId}`, { session, headers: { 'x-csrf-token': token }, json: { title: 'Forged' } });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'CSRF_FAILED' });
    }
    const deleted = await http(server, 'DELETE', `/api/rooms/${roomId}`, { session, headers: { 'x-csrf-token': other.csrfToken } });
    expect(deleted.body).toMatchObject({ code: 'CSRF_FAILED' });
    expect(await roomTitles(session.user.id)).toEqual(['Algebra']);
  });

  it('refuses a write from a foreign Origin, even with the right token or without a session (CSRF_FAILED)', async () => {
    const session = await rawSignUp(server);
    const foreign = { origin: 'https://evil.example' };
    const res = await http(server, 'POST', '/api/rooms', { session, headers: foreign, json: { title: 'Forged', kind: 'classroom' } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'CSRF_FAILED' });
    expect(await roomTitles(session.user.id)).toEqual([]);
    const signIn = await http(server, 'POST', '/api/auth/signin', { headers: foreign, json: { email: session.user.email, password: PASSWORD } });
    expect(signIn.status).toBe(403);
    expect(signIn.body).toMatchObject({ code: 'CSRF_FAILED' });
    expect(signIn.headers.get('set-cookie')).toBeNull();
  });

  it('accepts a write from its own origin with the right token', async () => {
    const session = await rawSignUp(server);
    const res = await http(server, 'POST', '/api/rooms', { session, headers: { origin: server.baseUrl }, json: { title: 'Geometry', kind: 'lecture' } });
    expect(res.status).toBe(201);
    expect(await roomTitles(session.user.id)).toEqual(['Geometry']);
  });

  it('needs no CSRF token to read', async () => {
    const session = await rawSignUp(server);
    const res = await http(server, 'GET', '/api/rooms', { session, csrf: false });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
  });

  it('answers ApiError codes the client understands', async () => {
    const api = server.api();
    const error = await api.listRooms().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'NOT_AUTHENTICATED', status: 401 });
  });
});
