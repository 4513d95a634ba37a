// A KEYFOB_HOME where saves fail (issue 11, item 5): a failed save is logged and survived. Once,
// `void this.persist()` of the auto-refresh state left a rejected promise unhandled and the daemon
// died with it, taking memory-keyring sign-ins along. Here the places keyfob writes are
// directories (as root, modes do not stop a write; a directory does), and the same daemon must
// keep answering, with warnings in its log.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { get, waitFor } from '../helpers/endpoint.js';
import { runKeyfob, signedInSuite } from '../helpers/keyfob.js';

const PROFILE = 'Experiments/AdministratorAccess';

describe('a daemon whose saves fail', () => {
  const suite = signedInSuite();

  it('logs each failed save, keeps the same daemon and its memory sign-in, and still stops cleanly', async () => {
    const kf = suite.home.env.KEYFOB_HOME;
    expect((await runKeyfob(['daemon', 'stop'], suite.home.env)).code).toBe(0);
    for (const name of ['frecency.json', 'container-endpoint.json' /* where older versions saved auto-refresh state */]) {
      rmSync(join(kf, name), { force: true });
      mkdirSync(join(kf, name));
    }
    expect((await runKeyfob(['login'], suite.home.env)).code).toBe(0); // starts a daemon; the sign-in lives in its memory
    const pid = JSON.parse((await runKeyfob(['status', '--json'], suite.home.env)).stdout).daemon.pid;

    const auto = await runKeyfob(['assume', '--shell', 'bash', '--auto-refresh', PROFILE], suite.home.env);
    expect(auto.code, auto.stderr).toBe(0);
    const uri = /^export AWS_CONTAINER_CREDENTIALS_FULL_URI='([^']*)'$/m.exec(auto.stdout)![1];
    const token = /^export AWS_CONTAINER_AUTHORIZATION_TOKEN='([^']*)'$/m.exec(auto.stdout)![1];
    expect((await get(uri, { authorization: token })).status).toBe(200);
    expect((await runKeyfob(['assume', '--shell', 'bash', PROFILE], suite.home.env)).code).toBe(0); // a use: frecency saves
    const log = () => readFileSync(join(kf, 'daemon.log'), 'utf8');
    expect(await waitFor(() => / WARN could not save frecency\.json /.test(log()), 5_000)).toBe(true);
    expect(log()).toMatch(/ WARN could not remove an old auto-refresh state file /);

    const cp = await runKeyfob(['credential-process', '--profile', PROFILE], suite.home.env);
    expect(cp.code, cp.stderr).toBe(0);
    expect(JSON.parse((await runKeyfob(['status', '--json'], suite.home.env)).stdout).daemon.pid).toBe(pid);

    const stop = await runKeyfob(['daemon', 'stop'], suite.home.env);
    expect(stop.stdout).toContain(`stopped pid ${pid}`);
    expect(existsSync(join(kf, 'daemon.pid'))).toBe(false);
    expect(log()).toMatch(/ WARN could not save frecency /); // the flush at shutdown failed too, and was survived
  });
});
