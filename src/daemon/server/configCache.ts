// The daemon answers from the config file each caller resolved (AWS_CONFIG_FILE, else
// The daemon answers from the config file each caller resolved (AWS_CONFIG_FILE, else
// ~/.aws/config) and the shared credentials file beside it (AWS_SHARED_CREDENTIALS_FILE, else
// ~/.aws/credentials), so two shells with two configs share one daemon and each gets its own
// answer. Each file is parsed once, and again only when it changes (size, mtime and inode), so
// config size never touches the hot path. Under load the stat itself is kept off it too: a file
// checked in the last REVALIDATE_MS is not checked again, so an edit is seen within that window, and
// at once by a request for a profile or sso-session the parse lacks (a name added by populate; see
// fresh()). Whatever is answered was read from the descriptor that passed the trust check.
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { interpretConfig, type AwsConfig } from '../../config/awsConfig.js';
import { parseConfig, type ConfigDocument } from '../../config/iniDocument.js';
import type { ProfileFiles } from '../../config/profileResolver.js';
import { ConfigError } from '../../core/errors.js';
import { CONFIG_ELSEWHERE, interpretCredentialsFile } from '../../config/profileFiles.js';
import { credentialsFile } from '../../core/paths.js';
import { readOwnFile } from '../../core/trustedPath.js';

/** How many config files the daemon keeps parsed at once (most recently used win). */
const MAX_FILES = 32;
/** How long a check of the file (stat) stands. Short: a human edit and the next request are further apart. */
export const REVALIDATE_MS = 25;

/** One file, parsed by `interpret` on first use and again whenever it changes. */
class ParsedFile<T> {
  private value?: T;
  private signature = '';
  /** When the file was last found unchanged or read (performance.now(): monotonic, so a clock step cannot stretch the window). */
  private checkedAt = -Infinity;
  /** How many times the file was parsed; status shows it, tests check it. */
  parses = 0;

  constructor(
    readonly path: string,
    private readonly what: string,
    private readonly interpret: (doc: ConfigDocument) => T,
  ) {}

  private currentSignature(): string {
    try {
      const st = statSync(this.path);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return 'missing';
    }
  }

  get(): T {
    const now = performance.now();
    if (this.value !== undefined && now - this.checkedAt < REVALIDATE_MS) return this.value;
    const signature = this.currentSignature();
    if (this.value === undefined || signature !== this.signature) {
      // Only a file no other user could have written, opened once and checked on the descriptor:
      // a request may name any path (trustedPath.ts readOwnFile).
      const read = readOwnFile(this.path, this.what, CONFIG_ELSEWHERE);
      this.value = this.interpret(parseConfig(read.text));
      // What was read, as its descriptor saw it: a change after the stat above is seen next time.
      this.signature = read.signature;
      this.parses++;
    }
    this.checkedAt = now; // only once the file passed: a refused one is refused again on the next request
    return this.value;
  }

  /** Forget the window: the next get() looks at the file as it is now. */
  expire(): void {
    this.checkedAt = -Infinity;
  }
}

export { interpretCredentialsFile };

export class ConfigCache {
  private readonly config: ParsedFile<AwsConfig>;
  private readonly credentials: ParsedFile<Map<string, Record<string, string>>>;
  private files?: ProfileFiles;

  constructor(
    readonly path: string,
    /** The caller's shared credentials file; the daemon's own when the request names none. */
    readonly credentialsPath: string = credentialsFile(),
  ) {
    this.config = new ParsedFile(path, 'the config file', interpretConfig);
    this.credentials = new ParsedFile(credentialsPath, 'the credentials file', interpretCredentialsFile);
  }

  get parses(): number {
    return this.config.parses;
  }

  get(): AwsConfig {
    return this.config.get();
  }

  /** Both files, for resolving profiles; the same object until one of them changes. */
  profileFiles(): ProfileFiles {
    const config = this.config.get();
    const credentials = this.credentials.get();
    if (this.files?.config !== config || this.files.credentials !== credentials) {
      this.files = { config, configPath: this.path, credentials, credentialsPath: this.credentialsPath };
    }
    return this.files;
  }

  /** The files as they are now, whatever the window: for a lookup the cached parse missed. */
  fresh(): AwsConfig {
    this.config.expire();
    this.credentials.expire();
    return this.get();
  }
}

/** The parsed config of every file callers name, most recently used kept. */
export class ConfigFiles {
  private readonly files = new Map<string, ConfigCache>();

  /** `fallback`: the daemon's own config, for requests that name none (curl, older shims); likewise `credentialsFallback`. */
  constructor(
    readonly fallback: string,
    readonly credentialsFallback: string = credentialsFile(),
  ) {}

  get(path: string | null | undefined, credentialsPath?: string | null): ConfigCache {
    const file = path || this.fallback;
    const credentials = credentialsPath || this.credentialsFallback;
    const key = `${file}\u0000${credentials}`;
    let cache = this.files.get(key);
    if (cache) {
      this.files.delete(key); // re-inserted below: Map order is the LRU order
    } else {
      for (const p of [file, credentials]) {
        if (!isAbsolute(p)) throw new ConfigError(`the config file must be an absolute path, not ${JSON.stringify(p)}; the client resolves AWS_CONFIG_FILE`);
      }
      cache = new ConfigCache(file, credentials);
      if (this.files.size >= MAX_FILES) this.files.delete(this.files.keys().next().value!);
    }
    this.files.set(key, cache);
    return cache;
  }
}
