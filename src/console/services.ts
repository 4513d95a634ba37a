// `-s SERVICE` → the console path it lands on, and `-d DURATION` → seconds for SessionDuration.
import { KeyfobError } from '../core/errors.js';
import { parseDurationSeconds } from '../core/duration.js';

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

/** A -d value (see shared/duration.ts) → seconds, checked against the console's range. */
export function parseConsoleDuration(text: string): number {
  return checkConsoleDuration(parseDurationSeconds(text));
}
