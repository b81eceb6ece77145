/**
 * The supported Node.js versions come from package.json's `engines.node`; an unsupported Node gets
 * one line naming the range and its own version.
 */
import { describe, expect, it } from 'vitest';
import { enginesRange, nodeVersionProblem } from '../../../infra/nodeVersion.ts';

describe('nodeVersionProblem', () => {
  it('reads the real engines range, which this Node satisfies', () => {
    const range = enginesRange();
    expect(range).toMatch(/\d/);
    expect(nodeVersionProblem(process.versions.node, range)).toBeUndefined();
  });

  it.each([
    ['20.19.0', true],
    ['v22.13.0', true],
    ['24.0.0-pre', true],
    ['26.1.0', true],
    ['20.18.3', false],
    ['21.7.0', false],
    ['22.12.0', false],
    ['23.5.0', false],
    ['18.20.4', false],
  ])('Node.js %s against the real range: supported %s', (version, supported) => {
    expect(nodeVersionProblem(version, enginesRange()) === undefined).toBe(supported);
  });

  it('names the range, where it comes from, and the Node.js found, in one line', () => {
    const message = nodeVersionProblem('v18.20.4', '^20.19.0 || ^22.13.0 || >=24');
    expect(message).toBe('emf-fanout needs Node.js ^20.19.0 || ^22.13.0 || >=24 (package.json "engines"), this is Node.js 18.20.4: install a supported Node.js (Lambda runs 22) and run the command again');
  });

  it('stops nothing when the range cannot be read', () => {
    expect(nodeVersionProblem('18.0.0', 'lts')).toBeUndefined();
    expect(nodeVersionProblem('18.0.0', undefined)).toBeUndefined();
    expect(enginesRange(new URL('file:///nowhere/package.json'))).toBeUndefined();
  });
});
