import { randomUUID } from 'node:crypto';
import { AmphiError, type AccountRole, type User } from '@amphi/protocol';
import type { Db, UsersTable } from '../storage/index.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';
import { randomToken, sha256 } from './tokens.js';

export interface AccountServiceOptions {
  db: Db;
  /** scrypt cost as log2(N). */
  scryptLogN: number;
  /** Session lifetime in seconds. */
  sessionTtlS: number;
  /** Whether open sign-up is allowed when the instance setting was never set. */
  openSignupDefault: boolean;
  now?: () => Date;
}

export interface SessionRecord {
  user: User;
  csrfToken: string;
}

const INVITE_TTL_MS = 14 * 24 * 3600 * 1000;

function toUser(row: Pick<UsersTable, 'id' | 'email' | 'name' | 'role'>): User {
  return { id: row.id, email: row.email, name: row.name, role: row.role };
}

/** Accounts, sign-in sessions, invitations and the open sign-up switch. */
export class AccountService {
  readonly #db: Db;
  readonly #options: AccountServiceOptions;
  readonly #now: () => Date;

  constructor(options: AccountServiceOptions) {
    this.#db = options.db;
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  async userCount(): Promise<number> {
    const row = await this.#db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async createUser(input: { email: string; name: string; password: string; role: AccountRole }): Promise<User> {
    return this.#insertUser(input, await hashPassword(input.password, this.#options.scryptLogN), this.#db);
  }

  async #insertUser(input: { email: string; name: string; role: AccountRole }, passwordHash: string, db: Db): Promise<User> {
    const row = { id: randomUUID(), email: input.email, name: input.name, password_hash: passwordHash, role: input.role, created_at: this.#now() };
    const inserted = await db.insertInto('users').values(row).onConflict((oc) => oc.column('email').doNothing()).returning('id').executeTakeFirst();
    if (!inserted) throw new AmphiError('EMAIL_TAKEN');
    return toUser(row);
  }

  /** Creates the first administrator when there is no account yet. Returns it, or null if accounts exist. */
  async ensureFirstAdmin(email: string, password: string): Promise<User | null> {
    if ((await this.userCount()) > 0) return null;
    return this.createUser({ email, name: 'Administrator', password, role: 'admin' });
  }

  /** Sign-up: allowed when sign-up is open, or with a valid invitation (which sets the role). */
  async signUp(input: { email: string; name: string; password: string; invite?: string | undefined }): Promise<User> {
    if (input.invite !== undefined) {
      // Hash before the transaction: the embedded database has one connection, held meanwhile.
      const passwordHash = await hashPassword(input.password, this.#options.scryptLogN);
      return this.#db.transaction().execute(async (trx) => {
        const invite = await trx
          .selectFrom('invites')
          .selectAll()
          .where('token_hash', '=', sha256(input.invite!))
          .where('used_at', 'is', null)
          .where('expires_at', '>', this.#now())
          .forUpdate()
          .executeTakeFirst();
        if (!invite || (invite.email !== null && invite.email !== input.email)) throw new AmphiError('INVITE_INVALID');
        const user = await this.#insertUser({ ...input, role: invite.role }, passwordHash, trx);
        await trx.updateTable('invites').set({ used_at: this.#now() }).where('id', '=', invite.id).execute();
        return user;
      });
    }
    if (!(await this.openSignup())) throw new AmphiError('SIGNUP_CLOSED');
    return this.createUser({ ...input, role: 'teacher' });
  }

  async verifyCredentials(email: string, password: string): Promise<User> {
    const row = await this.#db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    // Always spend the same hashing work, so response time does not tell which emails exist.
    const ok = await verifyPassword(password, row?.password_hash ?? (await decoyHash(this.#options.scryptLogN)));
    if (!row || !ok) throw new AmphiError('INVALID_CREDENTIALS');
    return toUser(row);
  }

  /**
   * Changes a password after checking the current one, and closes every other sign-in
   * session of the account (a stolen session does not survive the change).
   */
  async changePassword(userId: string, currentPassword: string, newPassword: string, keepCookie: string): Promise<void> {
    const row = await this.#db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirst();
    if (!row || !(await verifyPassword(currentPassword, row.password_hash))) throw new AmphiError('INVALID_CREDENTIALS');
    const passwordHash = await hashPassword(newPassword, this.#options.scryptLogN);
    await this.#db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
      await trx.deleteFrom('sessions').where('user_id', '=', userId).where('id_hash', '!=', sha256(keepCookie)).execute();
    });
  }

  /** Opens a sign-in session. Returns the cookie value (only its hash is stored). */
  async openSession(userId: string): Promise<{ cookie: string; csrfToken: string; expiresAt: Date }> {
    const cookie = randomToken();
    const csrfToken = randomToken(24);
    const now = this.#now();
    const expiresAt = new Date(now.getTime() + this.#options.sessionTtlS * 1000);
    await this.#db.insertInto('sessions').values({ id_hash: sha256(cookie), user_id: userId, csrf_token: csrfToken, created_at: now, expires_at: expiresAt }).execute();
    return { cookie, csrfToken, expiresAt };
  }

  async findSession(cookie: string): Promise<SessionRecord | null> {
    const row = await this.#db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id', 'users.email', 'users.name', 'users.role', 'sessions.csrf_token'])
      .where('sessions.id_hash', '=', sha256(cookie))
      .where('sessions.expires_at', '>', this.#now())
      .executeTakeFirst();
    return row ? { user: toUser(row), csrfToken: row.csrf_token } : null;
  }

  async closeSession(cookie: string): Promise<void> {
    await this.#db.deleteFrom('sessions').where('id_hash', '=', sha256(cookie)).execute();
  }

  async findUserByEmail(email: string): Promise<User | null> {
    const row = await this.#db.selectFrom('users').select(['id', 'email', 'name', 'role']).where('email', '=', email).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async createInvite(createdBy: string, input: { email?: string | undefined; role: AccountRole }): Promise<{ token: string; expiresAt: Date }> {
    const token = randomToken();
    const expiresAt = new Date(this.#now().getTime() + INVITE_TTL_MS);
    await this.#db
      .insertInto('invites')
      .values({ id: randomUUID(), token_hash: sha256(token), email: input.email ?? null, role: input.role, created_by: createdBy, created_at: this.#now(), expires_at: expiresAt, used_at: null })
      .execute();
    return { token, expiresAt };
  }

  async openSignup(): Promise<boolean> {
    const row = await this.#db.selectFrom('instance_settings').select('value').where('key', '=', 'openSignup').executeTakeFirst();
    return row ? row.value === 'true' : this.#options.openSignupDefault;
  }

  async setOpenSignup(open: boolean): Promise<void> {
    await this.#db
      .insertInto('instance_settings')
      .values({ key: 'openSignup', value: String(open) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(open) }))
      .execute();
  }
}
