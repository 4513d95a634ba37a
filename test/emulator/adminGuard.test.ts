// The emulator's admin API cannot be driven by a web page: a DNS-rebound Host, a foreign
// Origin and a text/plain POST (what a cross-site form or simple fetch sends without a CORS
// preflight) are refused before anything happens; a request from a test or script works.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, startDeviceFlow, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';

let emulator: RunningEmulator;
let port: number;
beforeAll(async () => {
  emulator = await startTestEmulator();
  port = Number(new URL(emulator.url).port);
});
afterAll(async () => {
  await emulator?.close();
});

/** One request with exactly these headers (fetch would not let a test set Host). */
function call(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; type?: string; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, setHost: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['x-amzn-errortype'] as string | undefined, json: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };

describe('the admin API guard', () => {
  it('refuses a rebinding Host, and no state changes', async () => {
    const start = await startDeviceFlow(emulator);
    for (const host of [`evil.example:${port}`, `127.0.0.1.nip.io:${port}`, 'localhost:1', '127.0.0.1', '']) {
      const r = await call('POST', '/_emulator/approve', { host, ...JSON_TYPE }, JSON.stringify({ userCode: start.userCode }));
      expect([r.status, r.type], host).toEqual([403, 'AccessDeniedException']);
      expect(r.json.error_description).toMatch(/^The admin API needs Host: 127\.0\.0\.1:\d+, localhost:\d+ or \[::1\]:\d+$/);
    }
    const stats = await call('GET', '/_emulator/stats', { host: `attacker.test:${port}` });
    expect(stats.status).toBe(403);
    expect((await adminCall(emulator, 'pending')).body.pending.map((p: { userCode: string }) => p.userCode)).toContain(start.userCode);
  });

  it('refuses a text/plain POST, and one without a Content-Type, with 415', async () => {
    const start = await startDeviceFlow(emulator);
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      const headers: Record<string, string> = { host: `127.0.0.1:${port}` };
      if (type) headers['content-type'] = type;
      const r = await call('POST', '/_emulator/approve', headers, JSON.stringify({ userCode: start.userCode }));
      expect([r.status, r.type], type).toEqual([415, 'UnsupportedMediaTypeException']);
      expect(r.json.error_description).toBe('The admin API takes POST bodies as Content-Type: application/json only');
    }
    expect((await adminCall(emulator, 'pending')).body.pending.map((p: { userCode: string }) => p.userCode)).toContain(start.userCode);
  });

  it('refuses a request that carries a web page Origin', async () => {
    for (const origin of ['http://evil.example', 'null', `https://127.0.0.1:${port}`]) {
      const r = await call('POST', '/_emulator/reset-stats', { host: `127.0.0.1:${port}`, origin, ...JSON_TYPE }, '{}');
      expect([r.status, r.type], origin).toEqual([403, 'AccessDeniedException']);
    }
  });

  it('answers good requests under every loopback name, with a charset or an Origin of its own', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      expect((await call('GET', '/_emulator/info', { host })).status, host).toBe(200);
    }
    const start = await startDeviceFlow(emulator);
    const approved = await call(
      'POST',
      '/_emulator/approve',
      { host: `localhost:${port}`, origin: `http://localhost:${port}`, 'content-type': 'application/json; charset=utf-8' },
      JSON.stringify({ userCode: start.userCode }),
    );
    expect([approved.status, approved.json.status]).toEqual([200, 'approved']);
    expect((await adminCall(emulator, 'reset-stats')).status).toBe(200);
  });
});
