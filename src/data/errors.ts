/**
 * @file Named errors of the data layer; messages carry the offending path or values.
 */

/** The corpus file is missing, unreadable or empty. */
export class CorpusError extends Error {
  override readonly name = 'CorpusError';
}

/** A shard manifest is malformed, or a shard does not match its recorded size or SHA-256. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

/** The data cannot serve the request, e.g. a context longer than a split. */
export class DataError extends Error {
  override readonly name = 'DataError';
}
