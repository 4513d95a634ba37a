// The shape of an AWS region name, for checking flags and config values before they are used.
// No imports: the lean assume backend loads this.

export function isAwsRegion(value: string): boolean {
  return /^[a-z]{2}(-[a-z]+)+-\d+$/.test(value);
}
