// The environment variables that carry AWS credentials (what `assume` exports): kept out of the
// daemon's environment when a client starts it, and out of another tool's when the client runs it.
export const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
] as const;
