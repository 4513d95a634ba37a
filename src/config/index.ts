// The AWS config file: lossless document, read model, locked atomic writer, sso-sessions.
export * from './iniDocument.js';
export * from './awsConfig.js';
export * from './configWriter.js';
export * from './ssoSessions.js';
