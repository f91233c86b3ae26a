import type { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';

type Command = PostgresQueryResult<unknown>['command'];
const COMMANDS = new Set<Command>(['INSERT', 'UPDATE', 'DELETE', 'SELECT', 'MERGE']);

/**
 * Presents one embedded PGlite database as a `pg`-style pool so Kysely's PostgresDialect
 * drives both storage paths with the same SQL. PGlite has a single connection, so a
 * connection is lent to one user at a time (a transaction keeps it until it is released).
 */
export class PglitePool implements PostgresPool {
  #queue: Promise<void> = Promise.resolve();
  #db: PGlite;

  constructor(db: PGlite) {
    this.#db = db;
  }

  async connect(): Promise<PostgresPoolClient> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const previous = this.#queue;
    this.#queue = previous.then(() => released);
    await previous;
    const db = this.#db;
    let done = false;
    const client = {
      async query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
        const result = await db.query<R>(sql, [...parameters]);
        const word = sql.trimStart().slice(0, 6).toUpperCase() as Command;
        const command: Command = COMMANDS.has(word) ? word : 'SELECT';
        return { command, rowCount: result.affectedRows ?? result.rows.length, rows: result.rows };
      },
      release(): void {
        if (done) return;
        done = true;
        release();
      },
    };
    return client as PostgresPoolClient;
  }

  async end(): Promise<void> {
    await this.#queue;
    await this.#db.close();
  }
}
