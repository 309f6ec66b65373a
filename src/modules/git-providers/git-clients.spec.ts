import { outboundFetch } from '../../common/outbound/outbound-fetch';
import { outboundRules } from '../../common/outbound/outbound-policy';
import type { OutboundPolicy } from '../../common/outbound/outbound.service';
import type { AppConfig } from '../../config/app-config';
import { GitProviderType } from '../../generated/prisma/enums';
import { startStubGit, type StubGit } from '../../../test/support/stub-git';
import { GitClients } from './git-clients';

const lenient = outboundRules({ OUTBOUND_ALLOW_PRIVATE: true, OUTBOUND_ALLOWED_HOSTS: '' });
const strict = outboundRules({ OUTBOUND_ALLOW_PRIVATE: false, OUTBOUND_ALLOWED_HOSTS: '' });

/**
 * Both SDKs connect through the outbound policy's fetch. The policy here passes every name when
 * checked (lenient rules) but refuses loopback when connecting (strict fetch), as a name that
 * resolves elsewhere between the two would (DNS rebinding): the connection must be refused.
 */
describe('GitClients: every call connects through the outbound policy', () => {
  let stub: StubGit;
  const clients = (fetch: typeof globalThis.fetch) =>
    new GitClients({ rules: lenient, fetch } as OutboundPolicy, {} as AppConfig);

  beforeAll(async () => {
    stub = await startStubGit();
    stub.tokens.add('token-1');
  });
  afterAll(() => stub.close());

  it.each([GitProviderType.GITLAB, GitProviderType.GITHUB])(
    '%s: reached through a fetch that allows it, refused at connect time by one that does not',
    async (type) => {
      const target = { type, serverUrl: stub.url.replace('127.0.0.1', 'localhost'), accessToken: 'token-1' };
      const before = stub.requests.length;
      await expect(clients(outboundFetch(lenient)).currentUser(target)).resolves.toEqual({
        login: expect.any(String),
      });
      expect(stub.requests.length).toBe(before + 1);
      await expect(clients(outboundFetch(strict)).currentUser(target)).rejects.toMatchObject({
        name: 'GitCallError',
        message: expect.stringContaining('loopback'),
      });
      expect(stub.requests.length).toBe(before + 1);
    },
  );

  it('GITLAB: a 429 or 502 is tried again after a pause (4 tries at most), other statuses are not', async () => {
    const gitlab = clients(outboundFetch(lenient));
    const target = { type: GitProviderType.GITLAB, serverUrl: stub.url, accessToken: 'token-1' };
    try {
      // Rate limited once, then answered: one call, two requests.
      stub.failWith = 429;
      const before = stub.requests.length;
      const call = gitlab.currentUser(target);
      while (stub.requests.length === before) await new Promise((resolve) => setTimeout(resolve, 10));
      stub.failWith = null;
      await expect(call).resolves.toEqual({ login: expect.any(String) });
      expect(stub.requests.length).toBe(before + 2);

      stub.failWith = 502;
      const start = stub.requests.length;
      await expect(gitlab.currentUser(target)).rejects.toMatchObject({ status: 502 });
      expect(stub.requests.length).toBe(start + 4);

      stub.failWith = 500;
      const once = stub.requests.length;
      await expect(gitlab.currentUser(target)).rejects.toMatchObject({ status: 500 });
      expect(stub.requests.length).toBe(once + 1);
    } finally {
      stub.failWith = null;
    }
  });
});
