import { describe, expect, it } from 'vitest';
import { FLOAT16_MAX, float16Bits, float16Value, toFloat16 } from './float16.ts';

const hex = (bits: number) => `0x${bits.toString(16).padStart(4, '0')}`;

describe('float16', () => {
  it('encodes exact values, signed zeros and infinities', () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff],
      [-65504, 0xfbff],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [1023 * 2 ** -24, 0x03ff], // largest subnormal
      [Number.POSITIVE_INFINITY, 0x7c00],
      [Number.NEGATIVE_INFINITY, 0xfc00],
      [-1.5, 0xbe00],
      [-10.25, 0xc920],
    ];
    for (const [value, bits] of cases) expect(hex(float16Bits(value)), String(value)).toBe(hex(bits));
  });

  it('keeps NaN a (quiet) NaN', () => {
    expect(float16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(float16Bits(Number.NaN) & 0x3ff).not.toBe(0);
    expect(float16Value(float16Bits(Number.NaN))).toBeNaN();
  });

  it('rounds to nearest, ties to even (normal range)', () => {
    const ulp = 2 ** -10; // spacing just above 1
    expect(float16Bits(1 + ulp / 2)).toBe(0x3c00); // tie → even (down)
    expect(float16Bits(1 + (3 * ulp) / 2)).toBe(0x3c02); // tie → even (up)
    expect(float16Bits(1 + ulp / 2 + 2 ** -20)).toBe(0x3c01); // just above the tie → up
    expect(float16Bits(1 + ulp / 2 - 2 ** -20)).toBe(0x3c00); // just below → down
    expect(float16Bits(2 - ulp / 4)).toBe(0x4000); // mantissa carry into the exponent
    // values numpy gives: np.float16(x).view(np.uint16)
    expect(hex(float16Bits(Math.PI))).toBe('0x4248');
    expect(hex(float16Bits(-7.123456))).toBe('0xc720');
    expect(hex(float16Bits(0.1))).toBe('0x2e66');
    expect(hex(float16Bits(-18.42))).toBe('0xcc9b');
  });

  it('rounds into and within the subnormal range, ties to even', () => {
    const sub = 2 ** -24;
    expect(float16Bits(sub / 2)).toBe(0x0000); // exactly half the smallest subnormal: tie → 0 (even)
    expect(float16Bits(-sub / 2)).toBe(0x8000);
    expect(float16Bits(sub / 2 + 2 ** -40)).toBe(0x0001);
    expect(float16Bits(sub * 1.5)).toBe(0x0002); // tie between 1 and 2 → 2 (even)
    expect(float16Bits(sub * 2.5)).toBe(0x0002); // tie between 2 and 3 → 2
    expect(float16Bits(sub * 1023.5)).toBe(0x0400); // rounds up into the smallest normal
    expect(float16Bits(2 ** -26)).toBe(0x0000);
    expect(float16Bits(1e-30)).toBe(0x0000);
    expect(float16Bits(2 ** -149)).toBe(0x0000); // a float32 subnormal
  });

  it('overflows to infinity at 65520 (the tie above 65504 rounds to even = inf)', () => {
    expect(float16Bits(65519.99)).toBe(0x7bff);
    expect(float16Bits(65520)).toBe(0x7c00);
    expect(float16Bits(-70000)).toBe(0xfc00);
    expect(float16Bits(1e10)).toBe(0x7c00);
    expect(toFloat16(-FLOAT16_MAX)).toBe(-65504);
  });

  it('decodes every finite pattern back to itself', () => {
    const wrong: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue; // inf / NaN
      if (float16Bits(float16Value(bits)) !== bits) wrong.push(bits);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds through float32 first, as a Float32Array store would', () => {
    // the double just above a float16 tie that float32 cannot hold rounds to the tie first
    const x = 1 + 2 ** -11 + 2 ** -40;
    expect(Math.fround(x)).toBe(1 + 2 ** -11);
    expect(float16Bits(x)).toBe(0x3c00);
  });
});
