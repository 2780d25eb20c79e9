/**
 * Power-of-two-choices over the available members (Mitzenmacher, "The Power of Two Choices in
 * Randomized Load Balancing", 2001): sample two at random, send to the less loaded one. Cheaper
 * than scanning for the minimum and, unlike it, does not herd every concurrent request onto the
 * same member between load updates.
 */
import type { MemberState } from './member.ts';

/**
 * The order to try `members` in: the power-of-two-choices pick first, then the remaining available
 * members by load (the failover order). Unavailable members are left out; none available → [].
 * @param random uniform in [0, 1) @default Math.random
 */
export function balance<M extends MemberState>(members: readonly M[], random: () => number = Math.random): M[] {
  const available = members.filter((m) => m.available());
  if (available.length <= 1) return available;
  const i = Math.floor(random() * available.length);
  let j = Math.floor(random() * (available.length - 1));
  if (j >= i) j++; // two distinct members
  const a = available[i] as M;
  const b = available[j] as M;
  const first = b.load < a.load ? b : a;
  const rest = available.filter((m) => m !== first).sort((x, y) => x.load - y.load);
  return [first, ...rest];
}
