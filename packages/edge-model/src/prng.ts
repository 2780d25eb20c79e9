/**
 * The seeded PRNG behind `seed`: xoshiro128** 1.1 (32-bit words, period 2^128 − 1), seeded by
 * SplitMix64 as its authors recommend. Same seed → same stream on every JS runtime (integer ops only).
 *
 * Sources (public domain reference C by David Blackman and Sebastiano Vigna, 2018–2019):
 * - https://prng.di.unimi.it/xoshiro128starstar.c — `next()`
 * - https://prng.di.unimi.it/splitmix64.c — seeding a state from one 64-bit value
 * - Blackman & Vigna, "Scrambled Linear Pseudorandom Number Generators", ACM TOMS 47(4), 2021.
 * Doubles use 53 bits from two outputs, as in MT19937's `genrand_res53` (Matsumoto & Nishimura).
 */

const MASK64 = (1n << 64n) - 1n;

/** SplitMix64 from `seed` (any integer, taken mod 2^64); returns a generator of 64-bit BigInts. */
function splitMix64(seed: bigint): () => bigint {
  let x = BigInt.asUintN(64, seed);
  return () => {
    x = (x + 0x9e3779b97f4a7c15n) & MASK64;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  };
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

export class Xoshiro128StarStar {
  private readonly s: Uint32Array;

  /** @param state four 32-bit words, not all zero */
  constructor(state: ArrayLike<number>) {
    this.s = Uint32Array.from(state);
    if (this.s.length !== 4 || this.s.every((w) => w === 0)) throw new Error('xoshiro128**: state must be 4 words, not all zero');
  }

  /** Seeds the 128-bit state with two SplitMix64 outputs (low word first). */
  static fromSeed(seed: number | bigint): Xoshiro128StarStar {
    const next = splitMix64(BigInt(seed));
    const a = next();
    const b = next();
    const words = [a & 0xffffffffn, a >> 32n, b & 0xffffffffn, b >> 32n].map(Number);
    return new Xoshiro128StarStar(words.every((w) => w === 0) ? [1, 0, 0, 0] : words);
  }

  /** Seeds from the platform CSPRNG (Web Crypto: Node ≥ 19 and workerd). */
  static fromEntropy(): Xoshiro128StarStar {
    const words = new Uint32Array(4);
    do crypto.getRandomValues(words);
    while (words.every((w) => w === 0));
    return new Xoshiro128StarStar(words);
  }

  /** The next 32-bit output, unsigned. */
  nextUint32(): number {
    const s = this.s;
    let s0 = s[0]!;
    let s1 = s[1]!;
    let s2 = s[2]!;
    let s3 = s[3]!;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const a = this.nextUint32() >>> 5; // 27 bits
    const b = this.nextUint32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992; // (a·2^26 + b) / 2^53
  }
}
