// The service version is the project's version: one number, kept in package.json.
import pkg from '../../../package.json' with { type: 'json' };

export const SERVICE_VERSION: string = pkg.version;
