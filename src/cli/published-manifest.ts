/** The manifest of a published model, for commands that work from it alone (deploy, plan): one read, then closed. */
import { MindletError } from '../errors.js';
import type { Manifest } from '../store/manifest.js';
import { ModelStore } from '../store/model-store.js';
import type { ModelLocation } from '../store/uri.js';

/** NOT_FOUND when there is none; `otherwise` finishes the message with what the user can do instead. */
export async function readPublishedManifest(location: ModelLocation, otherwise = ''): Promise<Manifest> {
  const store = new ModelStore();
  let manifest: Manifest | undefined;
  try {
    manifest = await store.readManifest(location);
  } finally {
    store.close();
  }
  if (!manifest)
    throw new MindletError(
      'NOT_FOUND',
      `no mindlet.json beside ${location.uri}: publish the model with \`mindlet publish\`${otherwise}`,
    );
  return manifest;
}
