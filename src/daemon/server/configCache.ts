// The daemon parses AWS_CONFIG_FILE once, and again only when the file changes
// (a stat per request: size, mtime and inode), so config size never touches the hot path.
import { readFileSync, statSync } from 'node:fs';
import { interpretConfig, type AwsConfig } from '../../config/awsConfig.js';
import { parseConfig } from '../../config/iniDocument.js';

export class ConfigCache {
  private config?: AwsConfig;
  private signature = '';
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
    const signature = this.currentSignature();
    if (!this.config || signature !== this.signature) {
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
    return this.config!;
  }
}
