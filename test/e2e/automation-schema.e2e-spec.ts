import { createOrg, orgWithEveryRole, signUp, type HasDatabase } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * What the test automation migration (issue 11) makes the database hold on its own, below any
 * service: secrets of hosts, SSH connections and git providers stored as key-ring ciphertext only,
 * a credential on every SSH connection, ports in range, owners that are users, repositories of the
 * org's own providers, upserted by the provider's id.
 */
type Tx = Parameters<Parameters<HasDatabase['prisma']['$transaction']>[0]>[0];

/** Shaped like key-ring ciphertext (`v1.<keyId>.<iv>.<tag>.<ciphertext>`). */
const SEALED = 'v1.test.aXY.dGFn.Y2lwaGVy';

describe('test automation schema (e2e)', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let orgId: string;

  beforeAll(async () => {
    t = await createTestApp();
    world = await orgWithEveryRole(t);
    orgId = world.org.id;
  });
  afterAll(() => t.close());

  /** As the server's role inside the org, as a request of the editor would be. */
  const inOrg = <T>(work: (tx: Tx) => Promise<T>, org = orgId, userId = world.editor.id) =>
    t.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT set_config('app.org_id', ${org}, true), set_config('app.user_id', ${userId}, true)`;
      return work(tx);
    });
  let n = 0;
  const name = () => `row-${++n}`;
  const by = () => ({ createdByUserId: world.editor.id });

  it('refuses a plaintext password, private key, passphrase or token; takes key-ring ciphertext', async () => {
    await expect(
      inOrg((tx) =>
        tx.host.create({ data: { orgId, name: name(), address: '10.0.0.1', encryptedPassword: 'hunter2' } }),
      ),
    ).rejects.toThrow(/hosts_encryptedPassword_encrypted/);
    const connection = (secrets: Record<string, string | null>) =>
      inOrg((tx) =>
        tx.sshConnection.create({ data: { orgId, name: name(), host: 'h', username: 'u', ...secrets, ...by() } }),
      );
    await expect(connection({ encryptedPassword: SEALED, encryptedPrivateKey: '-----BEGIN' })).rejects.toThrow(
      /ssh_connections_encryptedPrivateKey_encrypted/,
    );
    await expect(connection({ encryptedPrivateKey: SEALED, encryptedPassphrase: 'open sesame' })).rejects.toThrow(
      /ssh_connections_encryptedPassphrase_encrypted/,
    );
    await expect(
      inOrg((tx) =>
        tx.gitProvider.create({
          data: { orgId, name: name(), providerType: 'GITHUB', encryptedAccessToken: 'ghp_plaintext', ...by() },
        }),
      ),
    ).rejects.toThrow(/git_providers_encryptedAccessToken_encrypted/);
    await expect(connection({ encryptedPrivateKey: SEALED, encryptedPassphrase: SEALED })).resolves.toMatchObject({
      encryptedPassphrase: SEALED,
    });
    // An update is checked too.
    const host = await inOrg((tx) => tx.host.create({ data: { orgId, name: name(), address: '10.0.0.2' } }));
    await expect(
      inOrg((tx) => tx.host.update({ where: { id: host.id }, data: { encryptedPassword: 'plain' } })),
    ).rejects.toThrow(/hosts_encryptedPassword_encrypted/);
  });

  it('an SSH connection has a password or a private key, and a passphrase only with a key', async () => {
    const connection = (secrets: Record<string, string | null>) =>
      inOrg((tx) =>
        tx.sshConnection.create({ data: { orgId, name: name(), host: 'h', username: 'u', ...secrets, ...by() } }),
      );
    await expect(connection({})).rejects.toThrow(/ssh_connections_has_credential/);
    await expect(connection({ encryptedPassword: SEALED, encryptedPassphrase: SEALED })).rejects.toThrow(
      /ssh_connections_passphrase_needs_key/,
    );
    const made = await connection({ encryptedPassword: SEALED });
    await expect(
      inOrg((tx) => tx.sshConnection.update({ where: { id: made.id }, data: { encryptedPassword: null } })),
    ).rejects.toThrow(/ssh_connections_has_credential/);
  });

  it('ports are 1 to 65535 on hosts and connections', async () => {
    for (const port of [0, 65536]) {
      await expect(
        inOrg((tx) => tx.host.create({ data: { orgId, name: name(), address: '10.0.0.3', port } })),
      ).rejects.toThrow(/hosts_port_range/);
      await expect(
        inOrg((tx) =>
          tx.sshConnection.create({
            data: { orgId, name: name(), host: 'h', port, username: 'u', encryptedPassword: SEALED, ...by() },
          }),
        ),
      ).rejects.toThrow(/ssh_connections_port_range/);
    }
  });

  it('owners are users; repositories belong to a provider of the same org, one row per provider id', async () => {
    await expect(
      inOrg((tx) =>
        tx.gitProvider.create({
          data: { orgId, name: name(), providerType: 'GITLAB', createdByUserId: crypto.randomUUID() },
        }),
      ),
    ).rejects.toMatchObject({ code: 'P2003' });
    const provider = await inOrg((tx) =>
      tx.gitProvider.create({ data: { orgId, name: name(), providerType: 'GITHUB', ...by() } }),
    );
    const repository = (org: string, externalId: string, userId = world.editor.id) =>
      inOrg(
        (tx) => tx.repository.create({ data: { orgId: org, providerId: provider.id, externalId, name: name() } }),
        org,
        userId,
      );
    await repository(orgId, '42');
    await expect(repository(orgId, '42')).rejects.toMatchObject({ code: 'P2002' });
    // A provider of another org cannot hold this org's repositories (composite key), even for its owner.
    const stranger = await signUp(t);
    const other = await createOrg(t, stranger);
    await expect(repository(other.id, '43', stranger.id)).rejects.toMatchObject({ code: 'P2003' });
  });
});
