// The daemon answers from the config file each caller resolved (AWS_CONFIG_FILE, else
// ~/.aws/config), so two shells with two configs share one daemon and each gets its own answer.
// Each file is parsed once, and again only when it changes (size, mtime and inode), so config size
// never touches the hot path. Under load the stat itself is kept off it too: a file checked in the
// last REVALIDATE_MS is not checked again, so an edit is seen within that window, and at once by a
// request for a profile or sso-session the parse lacks (a name added by populate; see fresh()).
// Whatever is answered was read from the file when it passed the trust check.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { interpretConfig, type AwsConfig } from '../../config/awsConfig.js';
import { parseConfig } from '../../config/iniDocument.js';
import { ConfigError } from '../../errors.js';
import { ownFileProblem, UntrustedPathError } from '../../trustedPath.js';

/** How many config files the daemon keeps parsed at once (most recently used win). */
const MAX_FILES = 32;
/** How long a check of the file (stat) stands. Short: a human edit and the next request are further apart. */
export const REVALIDATE_MS = 25;

export class ConfigCache {
  private config?: AwsConfig;
  private signature = '';
  /** When the file was last found unchanged or read (performance.now(): monotonic, so a clock step cannot stretch the window). */
  private checkedAt = -Infinity;
  /** How many times the file was parsed; status shows it, tests check it. */
  parses = 0;

  constructor(readonly path: string) {}

  private currentSignature(): string {
    try {
      const st = statSync(this.path);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return 'missing';
    }
  }

  get(): AwsConfig {
    const now = performance.now();
    if (this.config && now - this.checkedAt < REVALIDATE_MS) return this.config;
    const signature = this.currentSignature();
    if (!this.config || signature !== this.signature) {
      // Only a file no other user could have written: a request may name any path.
      const problem = ownFileProblem(this.path, 'keep your AWS config in a directory only you can write');
      if (problem) throw new UntrustedPathError('the config file', this.path, problem);
      let text = '';
      try {
        text = readFileSync(this.path, 'utf8');
      } catch {
        // a missing file is an empty config
      }
      this.config = interpretConfig(parseConfig(text));
      this.signature = signature;
      this.parses++;
    }
    this.checkedAt = now; // only once the file passed: a refused one is refused again on the next request
    return this.config!;
  }

  /** The file as it is now, whatever the window: for a lookup the cached parse missed. */
  fresh(): AwsConfig {
    this.checkedAt = -Infinity;
    return this.get();
  }
}

/** The parsed config of every file callers name, most recently used kept. */
export class ConfigFiles {
  private readonly files = new Map<string, ConfigCache>();

  /** `fallback`: the daemon's own config, for requests that name none (curl, older shims). */
  constructor(readonly fallback: string) {}

  get(path: string | null | undefined): ConfigCache {
    const file = path || this.fallback;
    let cache = this.files.get(file);
    if (cache) {
      this.files.delete(file); // re-inserted below: Map order is the LRU order
    } else {
      if (!isAbsolute(file)) throw new ConfigError(`the config file must be an absolute path, not ${JSON.stringify(file)}; the client resolves AWS_CONFIG_FILE`);
      cache = new ConfigCache(file);
      if (this.files.size >= MAX_FILES) this.files.delete(this.files.keys().next().value!);
    }
    this.files.set(file, cache);
    return cache;
  }
}
