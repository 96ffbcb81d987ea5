/**
 * The one rule for which model version a request means, shared by every repository and the readiness routes: the
 * named version, else the latest of those serving (else the latest known). Unknown names and versions are 404s that
 * list the versions there are.
 */
import { clip, ServingError } from '../errors.js';

/** The latest of several versions: numeric order when every version is an integer, else lexical. */
export function latestVersion<T extends { version: string }>(versions: readonly T[]): T {
  const numeric = versions.every((v) => /^\d{1,15}$/.test(v.version));
  return [...versions].sort((a, b) =>
    numeric ? Number(a.version) - Number(b.version) : a.version < b.version ? -1 : a.version > b.version ? 1 : 0,
  )[versions.length - 1]!;
}

/**
 * Picks among one model's versions (`versions`: every entry with that name; a version may be unknown until loaded).
 * `serving` marks the versions a default request should prefer.
 */
export function pickVersion<T extends { version?: string | undefined }>(
  name: string,
  version: string | undefined,
  versions: readonly T[],
  serving: (entry: T) => boolean = () => true,
): T {
  if (versions.length === 0) throw new ServingError('NOT_FOUND', `model ${clip(name)} is not served here`);
  const known = versions.filter((entry): entry is T & { version: string } => entry.version !== undefined);
  if (version !== undefined) {
    const found = known.find((entry) => entry.version === version);
    if (!found)
      throw new ServingError(
        'NOT_FOUND',
        `model ${clip(name)} has no version ${clip(version)}; versions: ${known.map((e) => e.version).join(', ') || 'none found'}`,
      );
    return found;
  }
  const preferred = known.filter(serving);
  return preferred.length ? latestVersion(preferred) : known.length ? latestVersion(known) : versions[0]!;
}
