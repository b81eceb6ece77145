/**
 * Errors shared by every function. Each carries a stable machine-readable `reason`
 * (used as a counter key and in structured logs) and a human message naming what is wrong.
 */
export class EmfFanoutError extends Error {
  override readonly name: string = 'EmfFanoutError';
  constructor(
    message: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A configuration value is missing or invalid. Thrown at cold start, naming the variable. */
export class ConfigError extends EmfFanoutError {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Environment variable ${variable} ${message}`, 'config_invalid');
  }
}

/** An input payload (subscription event, Kinesis record) cannot be decoded. */
export class DecodeError extends EmfFanoutError {
  override readonly name = 'DecodeError';
}

/** A mistake on a command line (`npm start`, `npm run subscribe`): the command prints it with its usage and exits 2. */
export class UsageError extends EmfFanoutError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(message, 'usage');
  }
}
