/**
 * Hashing and random ids through Web Crypto (`crypto.subtle`, `crypto.getRandomValues`), present
 * on Node 20 and in workerd alike.
 */

/** Lowercase hex SHA-256 of a UTF-8 string or of bytes. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** `byteCount` random bytes as unpadded base64url (RFC 4648 §5): 32 bytes → 43 characters. */
export function randomBase64Url(byteCount: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(byteCount));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
