import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LtiDeepLinkAnswer, LtiDeepLinkOptions, LtiLaunchPayload, LtiSession } from '@amphi/protocol';
import { LtiDeepLinkClaims } from '../src/auth/tokens.js';
import { startServer, type TestServer } from './harness.js';
import { http, type RawResponse } from './helpers.js';
import { CLIENT_ID, launchPayload as pagePayload, registeredPlatform } from './ltiLaunch.js';
import { LTI_ROLES, postForm, type DeepLinkReturn, type LaunchOptions, type LtiPlatform, type LtiUser } from './ltiPlatform.js';

const PROF: LtiUser = { id: 'prof-1', name: 'Claire Dupont', email: 'claire@uni.example' };
const STUDENT: LtiUser = { id: 'student-1', name: 'Léa Martin' };

let server: TestServer;
let platform: LtiPlatform;
let courses = 0;

beforeAll(async () => {
  server = await startServer();
  platform = await registeredPlatform(server);
});
afterAll(async () => {
  await platform?.close();
  await server?.close();
});

/** A course no other test uses. */
function newCourse(title = 'Physique 101'): { id: string; label: string; title: string } {
  courses += 1;
  return { id: `course-${courses}`, label: `PHY${courses}`, title };
}

/** The data the launch page carries in its `<meta name="amphi-lti">`. */
function launchPayload(html: string): LtiLaunchPayload {
  const payload = pagePayload(html);
  if (!payload) throw new Error(`No amphi-lti meta in the page: ${html.slice(0, 300)}`);
  return payload;
}

async function launch(options: Omit<LaunchOptions, 'toolLoginUrl'>): Promise<{ status: number; html: string }> {
  const form = await platform.startLaunch({ toolLoginUrl: `${server.baseUrl}/lti/login`, ...options });
  const res = await form.post();
  return { status: res.status, html: await res.text() };
}

/** An instructor's deep linking request from a course: the token of the page it opens. */
async function deepLinkingToken(context: { id: string; title?: string }): Promise<string> {
  const { status, html } = await launch({ messageType: 'LtiDeepLinkingRequest', roles: LTI_ROLES.instructor, user: PROF, context });
  expect(status).toBe(200);
  const payload = launchPayload(html);
  if (payload.kind !== 'deepLinking') throw new Error(`expected a deep linking page, got ${payload.kind}`);
  return payload.token;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const listRooms = (token: string): Promise<RawResponse> => http(server, 'GET', '/api/lti/deep-link', { headers: bearer(token) });
const choose = (token: string, json: unknown): Promise<RawResponse> => http(server, 'POST', '/api/lti/deep-link', { headers: bearer(token), json });
const roomCount = async (): Promise<number> => (await server.database.db.selectFrom('rooms').select('id').execute()).length;

/** Posts the answer to the platform's return URL as the page's form does; returns what the platform recorded. */
async function returnToPlatform(answer: LtiDeepLinkAnswer): Promise<DeepLinkReturn> {
  const before = platform.deepLinks.length;
  const res = await postForm(answer.returnUrl, { JWT: answer.jwt });
  expect(res.status, await res.text()).toBe(200);
  expect(platform.deepLinks).toHaveLength(before + 1);
  return platform.deepLinks[before]!;
}

const Item = z.object({ type: z.literal('ltiResourceLink'), title: z.string(), url: z.string(), custom: z.object({ amphi_room: z.string() }) });

describe('LTI Deep Linking 2.0', () => {
  it('lets an instructor make a new room from the course, which the platform accepts and whose activity leads learners into it', async () => {
    const course = newCourse();
    const token = await deepLinkingToken(course);

    const options = await listRooms(token);
    expect(options.status).toBe(200);
    expect(LtiDeepLinkOptions.parse(options.body)).toEqual({ rooms: [], courseTitle: 'Physique 101' });

    const before = await roomCount();
    const res = await choose(token, { create: { title: 'Cours magistral', kind: 'classroom' } });
    expect(res.status, res.text).toBe(200);
    const answer = LtiDeepLinkAnswer.parse(res.body);
    expect(answer.returnUrl).toBe(platform.deepLinkReturnUrl);
    expect(await roomCount()).toBe(before + 1);
    // The new room is one of the course's rooms at once, before any launch of its activity.
    expect(LtiDeepLinkOptions.parse((await listRooms(await deepLinkingToken(course))).body).rooms).toMatchObject([{ title: 'Cours magistral', kind: 'classroom' }]);

    const returned = await returnToPlatform(answer);
    expect(returned.data).toMatch(/^dl-/);
    expect(returned.claims.aud).toBe(platform.issuer);
    expect(returned.claims.iss).toBe(CLIENT_ID);
    expect(returned.contentItems).toHaveLength(1);
    const item = Item.parse(returned.contentItems[0]);
    expect(item).toMatchObject({ type: 'ltiResourceLink', title: 'Cours magistral', url: `${server.baseUrl}/lti/launch` });

    // The platform creates the activity with the item's custom parameter; a learner opens it first.
    const learner = await launch({ roles: LTI_ROLES.learner, user: STUDENT, context: course, resourceLink: { id: 'activity-1', title: 'Cours magistral' }, custom: item.custom });
    expect(learner.status).toBe(200);
    const payload = launchPayload(learner.html);
    if (payload.kind !== 'room') throw new Error(`expected the room, got ${payload.kind}`);
    const session = await http(server, 'GET', '/api/lti/session', { headers: bearer(payload.token) });
    expect(session.status).toBe(200);
    expect(LtiSession.parse(session.body)).toMatchObject({ room: { id: payload.roomId, title: 'Cours magistral', kind: 'classroom' }, role: 'participant' });

    // A second request in the same course offers that room, and can place it again.
    const again = await deepLinkingToken(course);
    const listed = LtiDeepLinkOptions.parse((await listRooms(again)).body);
    expect(listed.rooms).toEqual([{ id: payload.roomId, title: 'Cours magistral', kind: 'classroom' }]);
    const placedAgain = await choose(again, { roomId: payload.roomId });
    expect(placedAgain.status, placedAgain.text).toBe(200);
    expect(await roomCount()).toBe(before + 1);
    const second = Item.parse((await returnToPlatform(LtiDeepLinkAnswer.parse(placedAgain.body))).contentItems[0]);
    const other = await launch({ roles: LTI_ROLES.learner, user: STUDENT, context: course, resourceLink: { id: 'activity-2' }, custom: second.custom });
    expect(launchPayload(other.html)).toMatchObject({ kind: 'room', roomId: payload.roomId });
  });

  it('refuses a learner’s deep linking request with the error page, and makes nothing', async () => {
    const before = await roomCount();
    const { status, html } = await launch({ messageType: 'LtiDeepLinkingRequest', roles: LTI_ROLES.learner, user: STUDENT, context: newCourse() });
    expect(status).toBe(401);
    expect(html).toContain('Only an instructor');
    expect(await roomCount()).toBe(before);
  });

  it('answers 404 for a room that is not placed in the course (another course’s room), and signs nothing', async () => {
    const first = newCourse('Chimie');
    const token = await deepLinkingToken(first);
    const made = LtiDeepLinkAnswer.parse((await choose(token, { create: { title: 'Chimie en direct', kind: 'lecture' } })).body);
    const item = Item.parse((await returnToPlatform(made)).contentItems[0]);
    const opened = await launch({ roles: LTI_ROLES.instructor, user: PROF, context: first, resourceLink: { id: 'chem-1' }, custom: item.custom });
    const chemistry = launchPayload(opened.html);
    if (chemistry.kind !== 'room') throw new Error(`expected the room, got ${chemistry.kind}`);
    // The instructor's first launch joined the placed room rather than making one.
    expect(LtiSession.parse((await http(server, 'GET', '/api/lti/session', { headers: bearer(chemistry.token) })).body).room).toEqual({ id: chemistry.roomId, title: 'Chimie en direct', kind: 'lecture' });

    const elsewhere = await deepLinkingToken(newCourse('Biologie'));
    expect(LtiDeepLinkOptions.parse((await listRooms(elsewhere)).body).rooms).toEqual([]);
    const res = await choose(elsewhere, { roomId: chemistry.roomId });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'ROOM_NOT_FOUND' });
    const unknown = await choose(elsewhere, { roomId: 'no-such-room' });
    expect(unknown.status).toBe(404);
  });

  it('refuses a missing, tampered or foreign bearer token with 401, and an invalid choice with 400', async () => {
    const token = await deepLinkingToken(newCourse());
    const before = await roomCount();
    const [head, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const edited = `${head}.${Buffer.from(JSON.stringify({ ...claims, ret: 'https://evil.example/steal' })).toString('base64url')}.${signature}`;
    // Signed by Amphi with the same claims, expired a minute ago.
    const expired = await server.signer.sign(LtiDeepLinkClaims.parse(claims), -60);
    for (const bad of [edited, expired, token.slice(0, -4) + 'AAAA']) {
      const list = await listRooms(bad);
      expect(list.status).toBe(401);
      expect(list.body).toMatchObject({ code: 'LTI_INVALID' });
      expect((await choose(bad, { create: { title: 'Intrusion', kind: 'classroom' } })).status).toBe(401);
    }
    expect((await http(server, 'GET', '/api/lti/deep-link')).status).toBe(401);

    // A learner's app token is not a deep linking token.
    const course = newCourse();
    const teacher = await launch({ roles: LTI_ROLES.instructor, user: PROF, context: course, resourceLink: { id: 'plain-1' } });
    const app = launchPayload(teacher.html);
    if (app.kind !== 'room') throw new Error(`expected the room, got ${app.kind}`);
    expect((await listRooms(app.token)).status).toBe(401);
    const roomsAfterTeacher = await roomCount();

    expect((await choose(token, { create: { title: '   ', kind: 'classroom' } })).status).toBe(400);
    expect((await choose(token, { roomId: 'x', create: { title: 'Both', kind: 'classroom' } })).status).toBe(400);
    expect((await choose(token, { create: { title: 'Seminar', kind: 'webinar' } })).status).toBe(400);
    expect(await roomCount()).toBe(roomsAfterTeacher);
    expect(roomsAfterTeacher).toBe(before + 1);
  });

  it('treats an activity whose amphi_room was edited or signed for another platform as new: a learner sees “not open yet”', async () => {
    const course = newCourse();
    const token = await deepLinkingToken(course);
    const answer = LtiDeepLinkAnswer.parse((await choose(token, { create: { title: 'Salle placée', kind: 'classroom' } })).body);
    const item = Item.parse((await returnToPlatform(answer)).contentItems[0]);
    const roomId = z.object({ rid: z.string() }).parse(JSON.parse(Buffer.from(item.custom.amphi_room.split('.')[1]!, 'base64url').toString('utf8'))).rid;

    const foreign = await server.lti.roomPlacement(roomId, 'https://other-lms.example');
    const [h, p, s] = item.custom.amphi_room.split('.') as [string, string, string];
    const edited = `${h}.${p}.${s.slice(0, -4)}${s.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    for (const [n, amphiRoom] of [foreign, edited].entries()) {
      const res = await launch({ roles: LTI_ROLES.learner, user: STUDENT, context: course, resourceLink: { id: `forged-${n}`, title: 'Salle placée' }, custom: { amphi_room: amphiRoom } });
      expect(res.status).toBe(200);
      expect(res.html).toContain('not open');
      expect(res.html).not.toContain('amphi-lti');
    }
  });
});
