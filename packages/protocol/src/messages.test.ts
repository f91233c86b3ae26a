import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLIENT_MESSAGE_TYPES, ClientMessage, ServerMessage } from './messages.js';
import { ROLES } from './roles.js';
import { itHoldsSchemaProperties } from './schemaProperties.testkit.js';

/** Field names that client messages use, plus a stranger, each with plausible or arbitrary values. */
const fieldValue = fc.oneof(
  fc.jsonValue(),
  fc.string({ maxLength: 80 }),
  fc.constantFrom(...ROLES, 'p-1', 'ticket', ''),
  fc.boolean(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const nearMessage = fc
  .record({
    type: fc.oneof(fc.constantFrom(...CLIENT_MESSAGE_TYPES), fc.string({ maxLength: 20 })),
    fields: fc.dictionary(fc.constantFrom('id', 'ticket', 'resumeToken', 't', 'participantId', 'role', 'reason', 'mic', 'cam', 'extra'), fieldValue, { maxKeys: 4 }),
  })
  .map(({ type, fields }) => ({ ...fields, type }));

/** Any JSON value, or a value shaped like a client message. */
const anyInput = fc.oneof(fc.jsonValue(), nearMessage);

describe('ClientMessage schema (property)', () => {
  itHoldsSchemaProperties(ClientMessage, anyInput, 2000);

  it('finds accepted messages among the generated ones (the generator reaches the accepting paths)', () => {
    // A fixed seed: this checks the generator, not the schema, and must not depend on luck.
    const samples = fc.sample(nearMessage, { numRuns: 3000, seed: 20261130 });
    const accepted = new Set(samples.filter((s) => ClientMessage.safeParse(s).success).map((s) => s.type));
    expect(accepted.size).toBeGreaterThanOrEqual(6);
  });
});

describe('ServerMessage schema (property)', () => {
  it('never throws, whatever JSON arrives', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(typeof ServerMessage.safeParse(value).success).toBe('boolean');
      }),
    );
  });
});
