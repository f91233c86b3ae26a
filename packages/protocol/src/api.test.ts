import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { AddCoHostBody, CreateRoomBody, InviteBody, JoinBody, JoinPreviewBody, SignInBody, SignUpBody, UpdateRoomBody } from './api.js';
import { MediaPolicy } from './roles.js';
import { itHoldsSchemaProperties } from './schemaProperties.testkit.js';

/** For each body field, values that often satisfy it and values that often do not. */
const email = fc.oneof(fc.constantFrom('teacher@uni.example', ' Teacher@Uni.Example '), fc.emailAddress(), fc.string({ maxLength: 30 }));
const text = fc.oneof(fc.constantFrom('correct horse battery', 'Algebra', 'Prof. Martin', '', '   '), fc.string({ maxLength: 130 }), fc.jsonValue());
const settings = fc.oneof(
  fc.record({ lobby: fc.boolean(), guestsAllowed: fc.boolean(), unmute: fc.constantFrom(...MediaPolicy.options, 'nobody'), screenShare: fc.constantFrom(...MediaPolicy.options) }, { requiredKeys: [] }),
  fc.jsonValue(),
);
const FIELDS: Record<string, fc.Arbitrary<unknown>> = {
  email,
  password: text,
  name: text,
  invite: text,
  role: fc.oneof(fc.constantFrom('teacher', 'admin', 'moderator'), fc.jsonValue()),
  title: text,
  kind: fc.oneof(fc.constantFrom('classroom', 'lecture', 'seminar'), fc.jsonValue()),
  settings,
  token: text,
  roomId: text,
  displayName: text,
};

/** An object made of the schema's own fields (each maybe absent), sometimes with a stranger. */
function bodyFor(keys: readonly string[]) {
  const fields = Object.fromEntries(keys.map((key) => [key, FIELDS[key] ?? fc.jsonValue()]));
  return fc
    .tuple(fc.record(fields, { requiredKeys: [] }), fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: fc.jsonValue(), weight: 1 }))
    .map(([body, stranger]) => (stranger === null ? body : { ...body, unexpected: stranger }));
}

const SCHEMAS: { name: string; schema: z.ZodType; keys: readonly string[] }[] = [
  { name: 'SignUpBody', schema: SignUpBody, keys: ['email', 'password', 'name', 'invite'] },
  { name: 'SignInBody', schema: SignInBody, keys: ['email', 'password'] },
  { name: 'InviteBody', schema: InviteBody, keys: ['email', 'role'] },
  { name: 'CreateRoomBody', schema: CreateRoomBody, keys: ['title', 'kind', 'settings'] },
  { name: 'UpdateRoomBody', schema: UpdateRoomBody, keys: ['title', 'kind', 'settings'] },
  { name: 'AddCoHostBody', schema: AddCoHostBody, keys: ['email'] },
  { name: 'JoinBody', schema: JoinBody, keys: ['token', 'roomId', 'displayName'] },
  { name: 'JoinPreviewBody', schema: JoinPreviewBody, keys: ['token'] },
];

describe.each(SCHEMAS)('$name (property)', ({ schema, keys }) => {
  const input = fc.oneof(fc.jsonValue(), bodyFor(keys));

  itHoldsSchemaProperties(schema, input, 500);

  it('finds accepted bodies among the generated ones (the generator reaches the accepting paths)', () => {
    // A fixed seed: this checks the generator, not the schema, and must not depend on luck.
    const accepted = fc.sample(bodyFor(keys), { numRuns: 3000, seed: 20261130 }).filter((value) => schema.safeParse(value).success);
    expect(accepted.length).toBeGreaterThanOrEqual(10);
  });

  it('does not change the value it was given', () => {
    fc.assert(
      fc.property(bodyFor(keys), (value) => {
        const before = JSON.stringify(value);
        schema.safeParse(value);
        expect(JSON.stringify(value)).toBe(before);
      }),
      { numRuns: 200 },
    );
  });
});
