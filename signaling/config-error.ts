/**
 * A setting (environment variable or option) that cannot be used as given. `main.ts` prints its
 * message and exits without a stack trace, so the message must say what to change.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
