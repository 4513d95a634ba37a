// Where the console lives for a region: the partition decides the sign-in and console hosts.
// Sources: "AWS Sign-In endpoints and quotas" (regional <region>.signin.aws.amazon.com; us-east-1
// is signin.aws.amazon.com) and "Enable custom identity broker access to the AWS console".
import { KeyfobError } from '../core/errors.js';

export type PartitionName = 'aws' | 'aws-us-gov' | 'aws-cn';

export interface ConsoleEndpoints {
  partition: PartitionName;
  /** The federation endpoint that answers getSigninToken and login. */
  federationUrl: string;
  /** The console's origin, e.g. https://eu-west-1.console.aws.amazon.com. */
  consoleOrigin: string;
}

/** A region is a hostname label here, so it must look like one: `eu-west-1`, `us-gov-west-1`, `cn-north-1`. */
const REGION_SHAPE = /^[a-z]{2,}(?:-[a-z]+)+-\d{1,2}$/;

export function checkRegion(region: string): string {
  if (!REGION_SHAPE.test(region)) {
    throw new KeyfobError('BadRegion', `${JSON.stringify(region)} is not an AWS region; give one like eu-west-1 with -r, or fix the profile's region`);
  }
  return region;
}

/** The partition of a region. Isolated and sovereign partitions have no public federation endpoint we know of. */
export function partitionOf(region: string | undefined): PartitionName {
  if (!region) return 'aws';
  checkRegion(region);
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  if (/^[a-z]+-iso[a-z]?-/.test(region) || region.startsWith('eusc-')) {
    throw new KeyfobError('UnsupportedPartition', `keyfob cannot open the console of ${region}: its partition has no public federation endpoint; pick another region with -r`);
  }
  return 'aws';
}

/** The sign-in and console hosts for a region (none: the global ones of the aws partition). */
export function consoleEndpoints(region: string | undefined): ConsoleEndpoints {
  const partition = partitionOf(region);
  switch (partition) {
    case 'aws-us-gov':
      return { partition, federationUrl: 'https://signin.amazonaws-us-gov.com/federation', consoleOrigin: 'https://console.amazonaws-us-gov.com' };
    case 'aws-cn':
      return { partition, federationUrl: 'https://signin.amazonaws.cn/federation', consoleOrigin: 'https://console.amazonaws.cn' };
    case 'aws': {
      if (!region) return { partition, federationUrl: 'https://signin.aws.amazon.com/federation', consoleOrigin: 'https://console.aws.amazon.com' };
      // us-east-1's regional sign-in endpoint is the global host; every other region has its own.
      const signinHost = region === 'us-east-1' ? 'signin.aws.amazon.com' : `${region}.signin.aws.amazon.com`;
      return { partition, federationUrl: `https://${signinHost}/federation`, consoleOrigin: `https://${region}.console.aws.amazon.com` };
    }
  }
}
