import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { loadConfig } from '../../config/app-config';
import {
  addressRefusal,
  checkOutboundHost,
  checkOutboundUrl,
  guardedLookup,
  OutboundRefusedError,
  outboundRules,
} from './outbound-policy';
import { OutboundPolicy } from './outbound.service';
import { outboundFetch } from './outbound-fetch';

const strict = outboundRules({ OUTBOUND_ALLOW_PRIVATE: false, OUTBOUND_ALLOWED_HOSTS: '' });
const lenient = outboundRules({ OUTBOUND_ALLOW_PRIVATE: true, OUTBOUND_ALLOWED_HOSTS: '' });
const dns = (answers: Record<string, string[]>) => async (host: string) =>
  (answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('outbound policy', () => {
  it.each([
    ['8.8.8.8', null],
    ['2606:4700:4700::1111', null],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.10.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['100.100.100.200', 'cloud metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'unique-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['::ffff:8.8.8.8', null],
    ['240.0.0.1', 'special-purpose'],
  ])('%s → %s', (address, refusal) => {
    const reason = addressRefusal(address, strict);
    if (refusal === null) expect(reason).toBeNull();
    else expect(reason).toContain(refusal);
  });

  it('allows private ranges when configured (or for listed hosts), never link-local or metadata', () => {
    for (const address of ['127.0.0.1', '::1', '10.0.0.1', 'fc00::1', '100.64.0.1', '::ffff:192.168.0.1'])
      expect(addressRefusal(address, lenient)).toBeNull();
    for (const address of ['169.254.169.254', 'fe80::1', 'fd00:ec2::254', '100.100.100.200', '0.0.0.0'])
      expect(addressRefusal(address, lenient)).not.toBeNull();
    const listed = outboundRules({ OUTBOUND_ALLOW_PRIVATE: false, OUTBOUND_ALLOWED_HOSTS: ' LLM.internal ,x' });
    expect(listed.allowedHosts).toEqual(['llm.internal', 'x']);
    expect(addressRefusal('10.0.0.5', listed, 'llm.internal')).toBeNull();
    expect(addressRefusal('10.0.0.5', listed, 'other.internal')).toContain('private');
    expect(addressRefusal('169.254.169.254', listed, 'llm.internal')).toContain('metadata');
  });

  it('checks URLs: scheme, credentials, literals (any notation) and every resolved address', async () => {
    const resolve = dns({
      'api.example.com': ['93.184.216.34'],
      'mixed.example.com': ['93.184.216.34', '10.0.0.1'],
      'meta.example.com': ['169.254.169.254'],
    });
    const check = (url: string, rules = strict) => checkOutboundUrl(url, rules, resolve);
    await expect(check('https://api.example.com/v1')).resolves.toBeInstanceOf(URL);
    const refusals: [string, string][] = [
      ['ftp://api.example.com', 'scheme ftp'],
      ['file:///etc/passwd', 'scheme file'],
      ['not a url', 'not a valid'],
      ['https://user:pw@api.example.com', 'credentials'],
      ['https://mixed.example.com', '10.0.0.1'],
      ['https://meta.example.com', 'metadata'],
      ['https://nowhere.example.com', 'does not resolve'],
      ['http://169.254.169.254/latest/meta-data', 'metadata'],
      ['http://[::ffff:a9fe:a9fe]/', 'metadata'],
      ['http://2130706433/', 'loopback'], // 127.0.0.1 as one number
      ['http://0x7f.1/', 'loopback'],
      ['http://[fe80::1]/', 'link-local'],
      ['http://localhost:1/', 'loopback'],
    ];
    for (const [url, reason] of refusals) {
      const error = await (url === 'http://localhost:1/' ? checkOutboundUrl(url, strict) : check(url)).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(OutboundRefusedError);
      expect({ url, reason: (error as OutboundRefusedError).reason }).toEqual({
        url,
        reason: expect.stringContaining(reason),
      });
    }
    await expect(check('http://10.0.0.1:8000/v1', lenient)).resolves.toBeInstanceOf(URL);
  });

  it('checks bare hosts (TCP targets) alike; the policy service answers 422 OUTBOUND_URL_REFUSED', async () => {
    const resolve = dns({ 'db.example.com': ['10.0.0.9'], 'pub.example.com': ['93.184.216.34'] });
    await expect(checkOutboundHost('pub.example.com', strict, resolve)).resolves.toBeUndefined();
    await expect(checkOutboundHost('db.example.com', strict, resolve)).rejects.toBeInstanceOf(OutboundRefusedError);
    await expect(checkOutboundHost('db.example.com', lenient, resolve)).resolves.toBeUndefined();
    const policy = new OutboundPolicy(loadConfig({ NODE_ENV: 'test' }));
    await expect(policy.assertHostAllowed('[::1]', 'host')).rejects.toMatchObject({
      code: 'OUTBOUND_URL_REFUSED',
      status: 422,
      errors: [{ field: 'host', messages: [expect.stringContaining('loopback')] }],
    });
    await expect(policy.assertAllowed('http://169.254.169.254/', 'baseUrl')).rejects.toMatchObject({
      code: 'OUTBOUND_URL_REFUSED',
    });
  });

  it('guardedLookup refuses a socket connection to a name that resolves to a refused address', async () => {
    const error = await new Promise<Error>((resolve) => {
      const socket = connect({ host: 'localhost', port: 9, lookup: guardedLookup(strict) });
      socket.on('error', resolve);
    });
    expect(error).toBeInstanceOf(OutboundRefusedError);
  });

  describe('outboundFetch (connect-time check)', () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`hi ${req.method}`));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('reaches loopback when allowed, with the body streamed back', async () => {
      const res = await outboundFetch(lenient)(`http://localhost:${port}/x`, { method: 'POST', body: 'b' });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('hi POST');
    });

    it('refuses loopback names and literals at connect time when not allowed', async () => {
      for (const url of [
        `http://localhost:${port}/`,
        `http://127.0.0.1:${port}/`,
        `http://[::ffff:127.0.0.1]:${port}/`,
      ]) {
        const error = (await outboundFetch(strict)(url).catch((e: unknown) => e)) as TypeError;
        expect(error).toBeInstanceOf(TypeError);
        expect(error.cause).toBeInstanceOf(OutboundRefusedError);
      }
    });
  });
});
