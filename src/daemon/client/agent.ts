// `keyfob daemon install-agent`: a LaunchAgent (darwin) or a systemd user unit (elsewhere) that runs
// `keyfob daemon run` at login. Optional: clients start the daemon on demand anyway.
//
// Every path is absolute (this node, process.execPath, and this install's bin/keyfob.cjs), because
// launchd and systemd start jobs with a bare PATH and none of the shell's environment; KEYFOB_HOME is
// written in for the same reason. keyfob writes the file only; loading it is the user's own command.
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { installRoot, keyfobHome } from '../../core/paths.js';
import { quotePosix } from '../../core/shellWords.js';

export const LAUNCH_AGENT_LABEL = 'dev.keyfob.daemon';
export const SYSTEMD_UNIT_NAME = 'keyfob.service';

export interface AgentSpec {
  nodePath: string;
  entryPath: string;
  keyfobHome: string;
}

export interface AgentFile {
  path: string;
  text: string;
  /** The command that loads it, for the user to run. */
  load: string;
}

export function agentSpec(env: NodeJS.ProcessEnv = process.env): AgentSpec {
  return { nodePath: process.execPath, entryPath: join(installRoot(), 'bin', 'keyfob.cjs'), keyfobHome: keyfobHome(env) };
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const string = (text: string) => `<string>${xml(text)}</string>`;

export function launchAgentPlist(spec: AgentSpec): string {
  const log = join(spec.keyfobHome, 'agent.log');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  ${string(LAUNCH_AGENT_LABEL)}
  <key>ProgramArguments</key>
  <array>
    ${string(spec.nodePath)}
    ${string(spec.entryPath)}
    <string>daemon</string>
    <string>run</string>
  </array>
  <key>EnvironmentVariables</key>
  <dict>
    <key>KEYFOB_HOME</key>
    ${string(spec.keyfobHome)}
  </dict>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>ProcessType</key>
  <string>Background</string>
  <key>StandardOutPath</key>
  ${string(log)}
  <key>StandardErrorPath</key>
  ${string(log)}
</dict>
</plist>
`;
}

/** One word of a unit file: double-quoted with C escapes, `%` (specifiers) doubled, and `$` doubled where systemd expands variables. */
function unitWord(text: string, expandsVariables: boolean): string {
  if (/[\0\n\r]/.test(text)) throw new Error(`a path in the unit cannot contain a newline: ${JSON.stringify(text)}`);
  let quoted = text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%');
  if (expandsVariables) quoted = quoted.replace(/\$/g, '$$$$');
  return `"${quoted}"`;
}

export function systemdUnit(spec: AgentSpec): string {
  return `[Unit]
Description=keyfob daemon (short-lived AWS credentials from IAM Identity Center)

[Service]
Type=simple
ExecStart=${unitWord(spec.nodePath, true)} ${unitWord(spec.entryPath, true)} daemon run
Environment=${unitWord(`KEYFOB_HOME=${spec.keyfobHome}`, false)}
Restart=on-failure

[Install]
WantedBy=default.target
`;
}

export function agentFile(spec: AgentSpec, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): AgentFile {
  const home = env.HOME || homedir();
  if (platform === 'darwin') {
    const path = join(home, 'Library', 'LaunchAgents', `${LAUNCH_AGENT_LABEL}.plist`);
    return { path, text: launchAgentPlist(spec), load: `launchctl bootstrap gui/$(id -u) ${quotePosix(path, { always: true })}` };
  }
  const path = join(env.XDG_CONFIG_HOME || join(home, '.config'), 'systemd', 'user', SYSTEMD_UNIT_NAME);
  return { path, text: systemdUnit(spec), load: `systemctl --user daemon-reload && systemctl --user enable --now ${SYSTEMD_UNIT_NAME}` };
}

/** Writes (or with print, prints) the agent file; returns what to tell the user. */
export function installAgent(opts: { print?: boolean; env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform } = {}): string {
  const env = opts.env ?? process.env;
  const file = agentFile(agentSpec(env), opts.platform ?? process.platform, env);
  if (opts.print) return file.text;
  mkdirSync(dirname(file.path), { recursive: true, mode: 0o700 });
  writeFileSync(file.path, file.text, { mode: 0o644 });
  return `wrote ${file.path}\nto start it now and at every login, run: ${file.load}\n`;
}
