import { describe, expect, it } from 'vitest';
import { completionTokenIds, PAD_LOGPROB, parseScoringResponse, parseTokenIdKey, scoringBody } from './scoring-response.ts';

/** A response as the gpu-worker (and vLLM) shapes it: entry 0 null, keys "token_id:<n>". */
function response(ids: number[], tops: Array<Record<string, number> | null>) {
  return {
    object: 'text_completion',
    choices: [
      {
        index: 0,
        text: '',
        finish_reason: 'length',
        logprobs: {
          tokens: ids.map((id) => `token_id:${id}`),
          token_logprobs: tops.map((t, i) => (t ? (t[`token_id:${ids[i]}`] ?? -9) : null)),
          top_logprobs: tops,
          text_offset: ids.map(() => 0),
        },
      },
    ],
  };
}

describe('scoring request and response', () => {
  it('asks exactly what DESIGN.md §5 names', () => {
    expect(scoringBody(Uint16Array.from([5, 6]), { model: 't', k: 20 })).toEqual({
      model: 't',
      prompt: [5, 6],
      echo: true,
      logprobs: 20,
      max_tokens: 0,
      temperature: 0,
      return_tokens_as_token_ids: true,
    });
  });

  it('turns S + 1 echoed ids into S positions, each row sorted by logprob', () => {
    const ids = [10, 11, 12];
    const body = response(ids, [
      null,
      { 'token_id:7': -3, 'token_id:11': -0.5, 'token_id:2': -1 },
      { 'token_id:12': -0.1, 'token_id:4': -2, 'token_id:9': -2 },
    ]);
    const s = parseScoringResponse(ids, body, 3);
    expect(Array.from(s.input)).toEqual([10, 11]);
    expect(Array.from(s.target)).toEqual([11, 12]);
    expect(Array.from(s.topIds)).toEqual([11, 2, 7, 12, 4, 9]); // equal logprobs: smaller id first
    expect(Array.from(s.topLogprobs)).toEqual([-0.5, -1, -3, Math.fround(-0.1), -2, -2]);
    expect(s.padded).toBe(0);
  });

  it('pads a row with fewer than k entries with unused ids and −65504', () => {
    const ids = [1, 0];
    const s = parseScoringResponse(ids, response(ids, [null, { 'token_id:0': -0.2, 'token_id:2': -1.7 }]), 5);
    expect(Array.from(s.topIds)).toEqual([0, 2, 1, 3, 4]);
    expect(Array.from(s.topLogprobs)).toEqual([Math.fround(-0.2), Math.fround(-1.7), PAD_LOGPROB, PAD_LOGPROB, PAD_LOGPROB]);
    expect(s.padded).toBe(3);
  });

  it('keeps the best k of a row with more (vLLM adds the chosen token)', () => {
    const ids = [1, 8];
    const s = parseScoringResponse(ids, response(ids, [null, { 'token_id:3': -0.1, 'token_id:4': -0.2, 'token_id:8': -6 }]), 2);
    expect(Array.from(s.topIds)).toEqual([3, 4]);
  });

  it('refuses text tokens, a missing entry, a short echo and an echo of other ids', () => {
    const ids = [1, 2];
    expect(() => parseTokenIdKey(' the')).toThrow(/return_tokens_as_token_ids/);
    expect(() => parseScoringResponse(ids, response(ids, [null, { ' the': -1 }]), 1)).toThrow(/token_id/);
    expect(() => parseScoringResponse(ids, response(ids, [null, null]), 1)).toThrow(/top_logprobs\[1\] is null/);
    expect(() => parseScoringResponse([1, 2, 3], response(ids, [null, { 'token_id:2': -1 }]), 1)).toThrow(/2 entries for 3/);
    expect(() => parseScoringResponse([1, 3], response(ids, [null, { 'token_id:2': -1 }]), 1)).toThrow(/echoed token 1/);
    expect(() => parseScoringResponse(ids, { choices: [{}] }, 1)).toThrow(/no choices\[0\]\.logprobs/);
  });

  it('reads a generation’s completion ids', () => {
    expect(completionTokenIds({ choices: [{ logprobs: { tokens: ['token_id:4', 'token_id:4095'] } }] })).toEqual([4, 4095]);
  });
});
