/**
 * IEEE 754 binary16 ("half", numpy's float16) from and to JS numbers, bit-exact, for the shards'
 * logprobs column. Node 20 has no Float16Array (Node 24 has one), so the conversion is done on the
 * float32 bit pattern:
 *
 *   float32  s | e8 (bias 127) | m23          float16  s | e5 (bias 15) | m10
 *
 * A number is first rounded to float32 (`Math.fround`, as a Float32Array store does), then to
 * float16 with round-to-nearest, ties-to-even (IEEE 754-2008 §4.3.1, numpy's `astype(float16)`):
 * normal results drop 13 mantissa bits; results below 2^-14 become subnormals (m × 2^-24); a
 * carry out of the mantissa moves into the exponent (so 65520 and above become +inf); NaN stays a
 * quiet NaN with its sign.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bit pattern nearest to `value` (ties to even). */
export function float16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp32 = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp32 === 0xff) return mant === 0 ? sign | 0x7c00 : sign | 0x7e00; // ±inf, quiet NaN
  const exp = exp32 - 127 + 15;
  if (exp >= 0x1f) return sign | 0x7c00; // ≥ 2^16: overflow to ±inf
  if (exp <= 0) {
    // subnormal half: m × 2^-24 with m = (1.mant × 2^23) >> (14 − exp), rounded
    const shift = 14 - exp;
    if (shift > 24) return sign; // below 2^-25 (half the smallest subnormal): ±0
    const full = mant | 0x800000;
    let m = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && (m & 1) === 1)) m++;
    return sign | m; // m may carry to 0x400: the smallest normal, which is the right pattern
  }
  let bits = sign | (exp << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (bits & 1) === 1)) bits++; // a carry bumps the exponent (up to inf)
  return bits;
}

/** The value of a float16 bit pattern. */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Rounds through float16: the value a float16 column stores for `value`. */
export function toFloat16(value: number): number {
  return float16Value(float16Bits(value));
}

/** Float16 bit patterns of `values`, written into `out` (e.g. a Uint16Array over a shard buffer). */
export function encodeFloat16(values: ArrayLike<number>, out: Uint16Array, offset = 0): void {
  for (let i = 0; i < values.length; i++) out[offset + i] = float16Bits(values[i]!);
}

/** The largest finite float16 (2^15 × (2 − 2^-10)). */
export const FLOAT16_MAX = 65504;
