import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Seals secrets that Amphi must keep in clear form but not in clear in the database: its LTI
 * private keys and LTI 1.1 consumer secrets (HMAC-SHA1 needs the secret itself, so it cannot
 * be hashed). AES-256-GCM under a key derived (HKDF-SHA256) from AMPHI_SECRET, which every
 * instance already shares: a copy of the database alone yields neither. Changing AMPHI_SECRET
 * makes sealed values unreadable (tool keys are then made anew; consumers must be re-created).
 */
export class Sealer {
  readonly #key: Buffer;

  /** @param secret the server secret (config.secret); `purpose` separates keys derived from it. */
  constructor(secret: string, purpose = 'amphi lti sealing v1') {
    this.#key = Buffer.from(hkdfSync('sha256', secret, 'amphi', purpose, 32));
  }

  /** `v1.<iv>.<ciphertext>.<tag>`, base64url parts. */
  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, body, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  /** The plaintext, or null when the value is not ours or was sealed under another secret. */
  open(sealed: string): string | null {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') return null;
    try {
      const [iv, body, tag] = parts.slice(1).map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}
