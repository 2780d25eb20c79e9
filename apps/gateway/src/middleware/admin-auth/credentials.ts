/**
 * The admin credentials: `DISTILLGATE_ADMIN_TOKEN`, compared in constant time, and the session
 * cookies `POST /admin/v1/session` hands out in exchange for it.
 *
 * Sessions are HMAC-signed expiries, not ids kept in memory: `<expires_at_ms>.<nonce>.<mac>` with
 * mac = HMAC-SHA256 over `<expires_at_ms>.<nonce>`, keyed by a key derived from the admin token.
 * Why: on Workers every isolate is its own memory, so an in-memory session table would log a
 * dashboard out whenever a request lands on another isolate (and on every Node restart); a signed
 * expiry is checked anywhere the token is known. Rotating the token ends every session. Logout
 * adds the nonce to an in-memory revocation list until the session would have expired — complete
 * on Node (one process) until it restarts, per isolate on Workers; the browser drops the cookie either
 * way. (A saved cookie works again after a restart until its expiry; rotate the token to end every
 * session.)
 */
import { randomBase64Url } from '@distillgate/db';

/** How long a session lasts (DESIGN.md §5: 12 h). @unit ms */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Domain separation: the session MAC key is never the token itself. */
const SESSION_KEY_CONTEXT = 'distillgate/admin-session/v1\0';
/** `<ms>.<16 random bytes, base64url>.<32-byte mac, base64url>` */
const SESSION_VALUE = /^(\d{13,15})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

const utf8 = (text: string) => new TextEncoder().encode(text);

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text)));
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Wrong admin tokens allowed per window before every check is refused until it frees up. */
const MAX_FAILURES = 10;
/** @unit ms */
const FAILURE_WINDOW_MS = 60_000;

export interface IssuedSession {
  /** The cookie value. */
  value: string;
  expiresAtMs: number;
}

export class AdminCredentials {
  private readonly tokenDigest: Promise<Uint8Array>;
  private readonly macKey: Promise<CryptoKey>;
  /** Logged-out nonces → when their session would have expired (ms). */
  private readonly revoked = new Map<string, number>();
  /** When recent wrong tokens were presented (ms), oldest first. */
  private readonly failures: number[] = [];

  /**
   * Guessing brake: after MAX_FAILURES wrong tokens within FAILURE_WINDOW_MS (per process or
   * isolate; login and bearer checks together), how long until a token may be checked again, ms;
   * null when it may be checked now. Callers answer 429 with Retry-After meanwhile.
   */
  throttledForMs(nowMs: number = Date.now()): number | null {
    while (this.failures.length > 0 && (this.failures[0] as number) + FAILURE_WINDOW_MS <= nowMs) this.failures.shift();
    return this.failures.length >= MAX_FAILURES ? (this.failures[0] as number) + FAILURE_WINDOW_MS - nowMs : null;
  }

  /** @param token DISTILLGATE_ADMIN_TOKEN (non-empty) */
  constructor(token: string) {
    this.tokenDigest = sha256(token);
    this.macKey = sha256(SESSION_KEY_CONTEXT + token).then((raw) =>
      crypto.subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']),
    );
  }

  /**
   * Whether `candidate` is the admin token. Both sides are hashed first and the digests compared
   * byte by byte without an early exit, so the time taken says nothing about the token (neither
   * how much of a guess was right nor the token's length).
   */
  async matchesToken(candidate: string): Promise<boolean> {
    const [expected, given] = await Promise.all([this.tokenDigest, sha256(candidate)]);
    let diff = 0;
    for (let i = 0; i < expected.length; i++) diff |= (expected[i] as number) ^ (given[i] as number);
    if (diff !== 0) this.failures.push(Date.now());
    return diff === 0;
  }

  async issueSession(nowMs: number = Date.now()): Promise<IssuedSession> {
    const expiresAtMs = nowMs + SESSION_TTL_MS;
    const payload = `${expiresAtMs}.${randomBase64Url(16)}`;
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await this.macKey, utf8(payload)));
    return { value: `${payload}.${toBase64Url(mac)}`, expiresAtMs };
  }

  /** The session's nonce and expiry when `value` is a live session signed with this token, else null. */
  async verifySession(value: string, nowMs: number = Date.now()): Promise<{ nonce: string; expiresAtMs: number } | null> {
    const m = SESSION_VALUE.exec(value);
    if (!m) return null;
    const [, expires, nonce, mac] = m as unknown as [string, string, string, string];
    // crypto.subtle.verify compares in constant time
    const signed = await crypto.subtle.verify('HMAC', await this.macKey, fromBase64Url(mac), utf8(`${expires}.${nonce}`));
    const expiresAtMs = Number(expires);
    if (!signed || expiresAtMs <= nowMs || this.revoked.has(nonce)) return null;
    return { nonce, expiresAtMs };
  }

  /** Logs a session out (a no-op for a value that is not a live session). */
  async endSession(value: string, nowMs: number = Date.now()): Promise<void> {
    const session = await this.verifySession(value, nowMs);
    for (const [nonce, expiresAtMs] of this.revoked) if (expiresAtMs <= nowMs) this.revoked.delete(nonce);
    if (session) this.revoked.set(session.nonce, session.expiresAtMs);
  }
}
