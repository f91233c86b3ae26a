import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { z } from 'zod';

/**
 * The two properties every wire schema must have, as Vitest cases: parsing never throws,
 * whatever arrives; and what was accepted once is accepted again, unchanged, after a trip
 * through JSON (what the server sends on is what it checked).
 */
export function itHoldsSchemaProperties(schema: z.ZodType, input: fc.Arbitrary<unknown>, numRuns: number): void {
  it('never throws, whatever JSON arrives', () => {
    fc.assert(
      fc.property(input, (value) => {
        expect(typeof schema.safeParse(value).success).toBe('boolean');
      }),
      { numRuns },
    );
  });

  it('accepts again, unchanged, whatever it accepted once it is sent over the wire', () => {
    fc.assert(
      fc.property(input, (value) => {
        const first = schema.safeParse(value);
        if (!first.success) return;
        const wire = JSON.stringify(first.data);
        const second = schema.safeParse(JSON.parse(wire));
        expect(second.success).toBe(true);
        expect(JSON.stringify(second.data)).toBe(wire);
      }),
      { numRuns },
    );
  });
}
