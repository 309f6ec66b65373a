import type { TestApp } from './test-app';

/**
 * Watches for secrets leaving the server: every log line of an app (give `logDestination` to
 * createTestApp, with LOG_LEVEL=trace) and every response body the test passes through `seen`.
 */
export class SecretLeaks {
  readonly logLines: string[] = [];
  readonly bodies: string[] = [];
  readonly logDestination = { write: (line: string) => void this.logLines.push(line) };

  /** Records a response's body, and returns the response. */
  seen = <R extends { body: unknown }>(res: R): R => {
    this.bodies.push(JSON.stringify(res.body));
    return res;
  };

  /** Fails when a secret is in a seen body, a log line or an audit entry of `resourceType`. */
  async expectNone(t: TestApp, resourceType: string, secrets: string[]): Promise<void> {
    const audit = await t.asOwner((db) =>
      db.query<{ row: string }>(`SELECT row_to_json(a)::text AS row FROM audit_logs a WHERE "resourceType" = $1`, [
        resourceType,
      ]),
    );
    expect(audit.rows.length).toBeGreaterThan(5);
    expect(this.logLines.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      expect(this.bodies.filter((b) => b.includes(secret))).toEqual([]);
      expect(this.logLines.filter((l) => l.includes(secret))).toEqual([]);
      expect(audit.rows.filter((r) => r.row.includes(secret))).toEqual([]);
    }
  }
}
