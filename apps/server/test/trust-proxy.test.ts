import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientIp, isProxyAddress, trustedProxies } from '../src/http/client-ip.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { captureLogs } from './log-capture.ts';

const request = (remoteAddress: string, xff?: string) =>
  ({
    socket: { remoteAddress },
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  }) as unknown as http.IncomingMessage;

describe('TRUST_PROXY entries', () => {
  it.each(['10.0.0.1', '10.0.0.0/8', '0.0.0.0/0', '::1', 'fd00::/8', '2001:db8::/32', '::ffff:10.0.0.1'])(
    'accepts %s',
    (entry) => expect(isProxyAddress(entry)).toBe(true),
  );
  it.each(['10.0.0.0/33', '::1/129', '10.0.0/8', 'proxy.local', '10.0.0.0/8/1', '10.0.0.0/x', ''])(
    'refuses %s',
    (entry) => expect(isProxyAddress(entry)).toBe(false),
  );

  it('matches addresses and ranges of both families, and nothing when empty', () => {
    const trusted = trustedProxies(['10.0.0.0/8', '192.168.1.5', '::1', 'fd00::/8']);
    expect(['10.255.0.1', '192.168.1.5', '::1', 'fd12::3'].map(trusted)).toEqual([true, true, true, true]);
    expect(['11.0.0.1', '192.168.1.6', '::2', 'fe80::1'].map(trusted)).toEqual([false, false, false, false]);
    expect(trustedProxies([])('127.0.0.1')).toBe(false);
  });
});

describe('clientIp', () => {
  const trusted = trustedProxies(['10.0.0.0/8', '::1']);
  it('believes X-Forwarded-For only from a trusted socket', () => {
    expect(clientIp(request('10.1.1.1', '203.0.113.9'), trusted)).toBe('203.0.113.9');
    expect(clientIp(request('198.51.100.2', '203.0.113.9'), trusted)).toBe('198.51.100.2');
    expect(clientIp(request('::1', '2001:db8::7'), trusted)).toBe('2001:db8::7');
    expect(clientIp(request('::ffff:10.1.1.1', '203.0.113.9'), trusted)).toBe('203.0.113.9');
  });
  it('takes the right-most untrusted hop: what a client wrote to the left of it is not believed', () => {
    expect(clientIp(request('10.0.0.2', '1.1.1.1, 203.0.113.9, 10.0.0.3'), trusted)).toBe('203.0.113.9');
    expect(clientIp(request('10.0.0.2', '10.0.0.4, 10.0.0.3'), trusted)).toBe('10.0.0.2');
  });
});

describe('X-Forwarded-For over HTTP', () => {
  const trustedLogs = captureLogs();
  const untrustedLogs = captureLogs();
  let trusted: TestServer;
  let untrusted: TestServer;
  beforeAll(async () => {
    [trusted, untrusted] = await Promise.all([
      startTestServer({ TRUST_PROXY: '127.0.0.0/8, 10.0.0.0/8' }, { logger: trustedLogs.logger }),
      startTestServer({ TRUST_PROXY: '10.0.0.0/8,::1' }, { logger: untrustedLogs.logger }),
    ]);
  });
  afterAll(() => Promise.all([trusted?.close(), untrusted?.close()]));

  const ipOf = async (server: TestServer, logs: ReturnType<typeof captureLogs>, xff: string) => {
    const id = crypto.randomUUID();
    await fetch(`${server.url}/nope`, { headers: { 'x-forwarded-for': xff, 'x-request-id': id } });
    return (await logs.waitFor((l) => (l as { reqId?: string }).reqId === id)).ip;
  };

  it('through a trusted hop the client is the first untrusted address', async () => {
    expect(await ipOf(trusted, trustedLogs, '203.0.113.9')).toBe('203.0.113.9');
    expect(await ipOf(trusted, trustedLogs, '6.6.6.6, 203.0.113.9, 10.2.3.4')).toBe('203.0.113.9');
  });

  it('from an untrusted socket X-Forwarded-For is ignored', async () => {
    expect(await ipOf(untrusted, untrustedLogs, '203.0.113.9')).toBe('127.0.0.1');
  });
});
