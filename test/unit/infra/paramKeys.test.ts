import fc from 'fast-check';
import { fuzzRuns } from '../../helpers/fuzzRuns.ts';
import { describe, expect, it } from 'vitest';
import { generateFunctions } from '../../../infra/serverless/generate.ts';
import { editDistance, knownParamKeys, suggestKey } from '../../../infra/serverless/paramKeys.ts';
import { discoverConsumers } from '../../../infra/serverless/registry.ts';
import { fixture } from './paramsFixture.ts';
import { slsContext } from './slsContext.ts';

const KNOWN = knownParamKeys((await discoverConsumers()).map((c) => c.key));

type Edit = { op: 'insert' | 'delete' | 'substitute' | 'transpose'; at: number; ch: string };
const edit: fc.Arbitrary<Edit> = fc.record({
  op: fc.constantFrom('insert', 'delete', 'substitute', 'transpose'),
  at: fc.nat(),
  ch: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'),
});

/** One typo: a character inserted, deleted, replaced, or two neighbours swapped. */
function apply(word: string, e: Edit): string {
  const i = e.at % (word.length + 1);
  switch (e.op) {
    case 'insert':
      return word.slice(0, i) + e.ch + word.slice(i);
    case 'delete':
      return word.length === 0 ? word : word.slice(0, i % word.length) + word.slice((i % word.length) + 1);
    case 'substitute':
      return word.length === 0 ? word : word.slice(0, i % word.length) + e.ch + word.slice((i % word.length) + 1);
    case 'transpose': {
      if (word.length < 2) return word;
      const j = i % (word.length - 1);
      return word.slice(0, j) + word[j + 1] + word[j] + word.slice(j + 2);
    }
  }
}

/** A known key with up to two typos that make it unknown. */
const misspelling = fc
  .record({ key: fc.constantFrom(...KNOWN), edits: fc.array(edit, { minLength: 1, maxLength: 2 }) })
  .map(({ key, edits }) => ({ key, word: edits.reduce(apply, key) }))
  .filter(({ word }) => !KNOWN.includes(word));

describe('edit distance', () => {
  it('is a metric on words (so two typos are at most 2 away)', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'A'), maxLength: 8 });
    fc.assert(
      fc.property(word, word, word, (a, b, c) => {
        expect(editDistance(a, a)).toBe(0);
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, c)).toBeLessThanOrEqual(editDistance(a, b) + editDistance(b, c));
        if (a !== b) expect(editDistance(a, b)).toBeGreaterThan(0);
      }),
    );
    expect([editDistance('ca', 'abc'), editDistance('regoin', 'region'), editDistance('batchSzie', 'batchSize'), editDistance('', 'abc')]).toEqual([2, 1, 1, 3]);
  });
});

describe('"did you mean"', () => {
  it('suggests, for any key with up to two typos, a closest known key: the key itself when it is the closest', () => {
    fc.assert(
      fc.property(misspelling, ({ key, word }) => {
        const d = editDistance(word, key);
        expect(d).toBeLessThanOrEqual(2);
        const s = suggestKey(word, KNOWN);
        expect(s).toBeDefined();
        const closest = Math.min(...KNOWN.map((k) => editDistance(word, k)));
        expect(editDistance(word, s!)).toBe(closest);
        if (KNOWN.every((k) => k === key || editDistance(word, k) > d)) expect(s).toBe(key);
        // Deterministic: ties go to the first key of the list.
        expect(suggestKey(word, KNOWN)).toBe(s);
        expect(s).toBe(KNOWN.find((k) => editDistance(word, k) === closest));
      }),
      { numRuns: fuzzRuns(500) },
    );
  });

  it('suggests nothing for a word that is not close to any key', () => {
    expect(['wholeNewThing', 'foo', 'x', 'prometheus', 'timeout'].map((w) => suggestKey(w, KNOWN))).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('names the misspelled key and its suggestion when packaging, for any typo of any key', async () => {
    await fc.assert(
      fc.asyncProperty(misspelling, async ({ key, word }) => {
        const params = fixture();
        const value = params[key];
        delete params[key];
        const message = await generateFunctions(slsContext({ default: { ...params, [word]: value ?? '' } })).then(
          () => '',
          (e: Error) => e.message,
        );
        expect(message).toContain(`unknown param "${word}" in section "default:" (did you mean "${suggestKey(word, KNOWN)}"?)`);
      }),
      { numRuns: fuzzRuns(100) },
    );
  });
});
