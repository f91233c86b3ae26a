import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JoinResponse, LtiRoomSettings, LtiRoster } from '@amphi/protocol';
import { startServer, type TestServer } from './harness.js';
import { RawSocket, http, until } from './helpers.js';
import { launchPayload, registeredPlatform } from './ltiLaunch.js';
import { LTI_ROLES, type LaunchOptions, type LtiPlatform } from './ltiPlatform.js';

/**
 * LTI Advantage services against the Moodle-like platform: the course roster (NRPS) with who
 * joined the room, and the attendance grades (AGS) posted after a live session.
 */

let server: TestServer;
let platform: LtiPlatform;

beforeAll(async () => {
  server = await startServer();
  platform = await registeredPlatform(server);
});
afterAll(async () => {
  await platform?.close();
  await server?.close();
});

const NRPS_CLAIM = 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice';
const prof = { id: 'u-prof', name: 'Marie Curie', email: 'marie@uni.example' };
const ana = { id: 'u-ana', name: 'Ana Souza', email: 'ana@uni.example' };
const ben = { id: 'u-ben', name: 'Ben Martin' };

/** Launches from the platform and returns the app token of the room page. */
async function enter(options: Partial<LaunchOptions> & Pick<LaunchOptions, 'user' | 'roles'>): Promise<{ token: string; roomId: string }> {
  const res = await (await platform.startLaunch({ toolLoginUrl: `${server.baseUrl}/lti/login`, ...options })).post();
  const html = await res.text();
  const payload = launchPayload(html);
  if (payload?.kind !== 'room') throw new Error(`not a room launch: ${html.slice(0, 300)}`);
  return { token: payload.token, roomId: payload.roomId };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function roster(token: string): Promise<LtiRoster> {
  const res = await http(server, 'GET', '/api/lti/roster', { headers: bearer(token) });
  expect(res.status, res.text).toBe(200);
  return LtiRoster.parse(res.body);
}

/** Joins the room over the WebSocket with a ticket from /api/lti/join. */
async function join(token: string): Promise<RawSocket> {
  const res = await http(server, 'POST', '/api/lti/join', { headers: bearer(token), json: {} });
  expect(res.status, res.text).toBe(200);
  const { ticket } = JoinResponse.parse(res.body);
  const socket = await RawSocket.open(server);
  socket.send({ type: 'hello', ticket });
  await socket.next('welcome');
  return socket;
}

describe('LTI services', () => {
  const course = { id: `course-${randomUUID()}`, label: 'PHY101', title: 'Physique 101' };
  const resourceLink = { id: `link-${randomUUID()}`, title: 'Live lecture' };
  let teacher: { token: string; roomId: string };
  let learner: { token: string; roomId: string };

  beforeAll(async () => {
    teacher = await enter({ user: prof, roles: LTI_ROLES.instructor, context: course, resourceLink });
    learner = await enter({ user: ana, roles: LTI_ROLES.learner, context: course, resourceLink });
    platform.enrol(course, { userId: ben.id, name: ben.name, roles: LTI_ROLES.learner });
  });

  it('shows a moderator the course roster with the Amphi role of each member, nobody joined yet', async () => {
    expect(learner.roomId).toBe(teacher.roomId);
    const { members, fetchedAt } = await roster(teacher.token);
    expect(Number.isNaN(Date.parse(fetchedAt))).toBe(false);
    expect(members).toEqual([
      { name: 'Ana Souza', role: 'participant', joined: false, status: 'Active' },
      { name: 'Ben Martin', role: 'participant', joined: false, status: 'Active' },
      { name: 'Marie Curie', role: 'moderator', joined: false, status: 'Active' },
    ]);
  });

  it('refuses the roster and the room settings to a learner (403) and to a request without a launch (401)', async () => {
    expect((await http(server, 'GET', '/api/lti/roster', { headers: bearer(learner.token) })).body).toMatchObject({ code: 'NOT_ALLOWED' });
    expect((await http(server, 'GET', '/api/lti/roster', { headers: bearer(learner.token) })).status).toBe(403);
    expect((await http(server, 'PUT', '/api/lti/room-settings', { headers: bearer(learner.token), json: { ltiGrade: 'attendance' } })).status).toBe(403);
    expect((await http(server, 'GET', '/api/lti/roster')).status).toBe(401);
  });

  it('answers 409 when the course does not share its roster', async () => {
    const other = await enter({
      user: prof,
      roles: LTI_ROLES.instructor,
      context: { id: `course-${randomUUID()}`, title: 'Sans NRPS' },
      resourceLink: { id: `link-${randomUUID()}` },
      tamper: { claims: { [NRPS_CLAIM]: undefined } },
    });
    const res = await http(server, 'GET', '/api/lti/roster', { headers: bearer(other.token) });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'INVALID_STATE' });
  });

  it('lets the LMS instructor turn attendance grades on', async () => {
    const before = LtiRoomSettings.parse((await http(server, 'GET', '/api/lti/room-settings', { headers: bearer(teacher.token) })).body);
    expect(before).toEqual({ ltiGrade: 'off', ltiTeachingAssistant: 'presenter' });
    expect((await http(server, 'PUT', '/api/lti/room-settings', { headers: bearer(teacher.token), json: { ltiGrade: 'sometimes' } })).status).toBe(400);
    const res = await http(server, 'PUT', '/api/lti/room-settings', { headers: bearer(teacher.token), json: { ltiGrade: 'attendance' } });
    expect(res.status, res.text).toBe(200);
    expect(LtiRoomSettings.parse(res.body)).toEqual({ ltiGrade: 'attendance', ltiTeachingAssistant: 'presenter' });
    expect((await server.rooms.get(teacher.roomId))?.settings).toMatchObject({ ltiGrade: 'attendance', ltiTeachingAssistant: 'presenter', lobby: false });
  });

  it('marks who joined the live session, then posts one attendance score per learner once it ends, on a line item made once', async () => {
    const moderator = await join(teacher.token);
    const student = await join(learner.token);
    await until(async () => (await roster(teacher.token)).members.find((m) => m.name === 'Ana Souza')?.joined === true, 'Ana to show as joined');
    const during = await roster(teacher.token);
    expect(during.members.map((m) => [m.name, m.joined])).toEqual([
      ['Ana Souza', true],
      ['Ben Martin', false],
      ['Marie Curie', true],
    ]);

    moderator.send({ type: 'session.end', id: 'end-1' });
    await Promise.all([moderator.closed, student.closed]);
    await until(() => platform.scores.length >= 2, 'the scores of the first session');
    const lineItems = platform.services.lineItems.get(course.id) ?? [];
    expect(lineItems).toHaveLength(1);
    expect(lineItems[0]).toMatchObject({ label: 'Live lecture — attendance', scoreMaximum: 1, resourceLinkId: resourceLink.id, tag: 'amphi-attendance' });
    const byUser = new Map(platform.scores.map((s) => [s.score.userId, s]));
    expect(platform.scores).toHaveLength(2);
    expect(byUser.get(ana.id)).toMatchObject({ lineItemId: lineItems[0]!.id, score: { scoreGiven: 1, scoreMaximum: 1, activityProgress: 'Completed', gradingProgress: 'FullyGraded' } });
    expect(byUser.get(ben.id)).toMatchObject({ lineItemId: lineItems[0]!.id, score: { scoreGiven: 0, scoreMaximum: 1 } });
    expect(byUser.has(prof.id)).toBe(false);

    // The roster still shows who was in the last session.
    expect((await roster(teacher.token)).members.find((m) => m.name === 'Ana Souza')?.joined).toBe(true);

    // A second session, graded on participation, ends when everyone left; it reuses the line
    // item. Ana did not come this time.
    expect((await http(server, 'PUT', '/api/lti/room-settings', { headers: bearer(teacher.token), json: { ltiGrade: 'participation' } })).status).toBe(200);
    const again = await join(teacher.token);
    again.send({ type: 'leave', id: 'leave-1' });
    await again.closed;
    await until(() => platform.scores.length >= 4, 'the scores of the second session');
    expect(platform.services.lineItems.get(course.id)).toHaveLength(1);
    expect(platform.scores.slice(2).map((s) => [s.score.userId, s.score.scoreGiven, s.score.scoreMaximum]).sort()).toEqual([
      [ana.id, 0, 100],
      [ben.id, 0, 100],
    ]);
    expect((await roster(teacher.token)).members.every((m) => !m.joined || m.name === 'Marie Curie')).toBe(true);
  });
});
