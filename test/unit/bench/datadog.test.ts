import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bodyValues } from '../../bench/datadog.ts';

describe('datadog consumer bench (npm run bench)', () => {
  it('counts the values of a distribution body: every value of every point of every series', () => {
    const json = '{"series":[{"metric":"a","type":"distribution","tags":[],"points":[[1,[1,2,3]],[2,[4]]]},{"metric":"b","type":"distribution","tags":["x:y"],"points":[[1,[5,5]]]}]}';
    expect(bodyValues(deflateSync(json))).toEqual({ values: 6, json });
  });

  it('counts the points of a series body, one value each', () => {
    const json = '{"series":[{"metric":"a","type":1,"interval":10,"tags":["w:1"],"points":[{"timestamp":10,"value":3},{"timestamp":20,"value":1}]},{"metric":"b","type":3,"tags":["w:1"],"points":[{"timestamp":10,"value":2.5}]}]}';
    expect(bodyValues(deflateSync(json))).toEqual({ values: 3, json });
  });

  it('reads the body from its deflated bytes, as it is sent', () => {
    expect(() => bodyValues(Buffer.from('{"series":[]}'))).toThrow();
  });
});
