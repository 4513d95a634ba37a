// `-s SERVICE` → the console path it lands on, and `-d DURATION` → seconds for SessionDuration.
import { KeyfobError } from '../errors.js';

/** Short names people type for services whose console path is spelled differently. */
const SERVICE_ALIASES: Readonly<Record<string, string>> = {
  home: 'console',
  cfn: 'cloudformation',
  cw: 'cloudwatch',
  ddb: 'dynamodbv2',
  dynamodb: 'dynamodbv2',
  eb: 'elasticbeanstalk',
  r53: 'route53',
  secrets: 'secretsmanager',
  sfn: 'states',
  ssm: 'systems-manager',
  sso: 'singlesignon',
};

/** The console home, where a sign-in without -s lands. */
export const CONSOLE_HOME_PATH = 'console';

/** A service is a plain word: it becomes a URL path segment, so nothing else may reach the URL. */
const SERVICE_SHAPE = /^[A-Za-z0-9-]{1,64}$/;

export function consolePath(service: string | undefined): string {
  if (service === undefined || service === '') return CONSOLE_HOME_PATH;
  if (!SERVICE_SHAPE.test(service)) {
    throw new KeyfobError('BadService', `${JSON.stringify(service)} is not a console service name; give a word of letters, digits and -, e.g. -s s3`);
  }
  const name = service.toLowerCase();
  return SERVICE_ALIASES[name] ?? name;
}

/** Console sessions from AssumeRole-style credentials last 15 minutes to 12 hours (SessionDuration). */
export const MIN_CONSOLE_SECONDS = 900;
export const MAX_CONSOLE_SECONDS = 43_200;

export function checkConsoleDuration(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < MIN_CONSOLE_SECONDS || seconds > MAX_CONSOLE_SECONDS) {
    throw new KeyfobError(
      'BadDuration',
      `a console session lasts ${MIN_CONSOLE_SECONDS} to ${MAX_CONSOLE_SECONDS} seconds (15m to 12h), not ${seconds}; pick -d within that range`,
    );
  }
  return seconds;
}

/** `3600`, `3600s`, `90m`, `12h`, `1h30m` → seconds, checked against the console's range. */
export function parseConsoleDuration(text: string): number {
  const trimmed = text.trim();
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$/.exec(trimmed);
  if (!trimmed || !match) {
    throw new KeyfobError('BadDuration', `${JSON.stringify(text)} is not a duration; give seconds or e.g. 90m, 12h, 1h30m`);
  }
  const [, hours = '0', minutes = '0', seconds = '0'] = match;
  return checkConsoleDuration(Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds));
}
