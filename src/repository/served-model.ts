/**
 * Engine sessions as served models: public tensor names, and a repository over models already in memory (for
 * library users who load their own sessions, and for tests).
 */

import { ServingError } from '../errors.js';
import type { TensorInfo } from '../graph/types.js';
import type { Session } from '../runtime/types.js';
import { publicTensorNames } from '../store/manifest.js';
import type { Tensor } from '../tensor/types.js';
import { pickVersion } from './resolve.js';
import type { ModelIndexEntry, ModelRepository, ServedModel, ServedPlatform } from './types.js';

export interface ServedModelOptions {
  name: string;
  version: string;
  platform: ServedPlatform;
  /** Public input names in graph order (a manifest's signature). Default: the graph's, shortened by `publicTensorNames`. */
  inputNames?: readonly string[];
  /** Public output names in graph order. Default: the graph's, shortened by `publicTensorNames`. */
  outputNames?: readonly string[];
  /** Class labels per output in graph order (classification extension). Default: none. */
  outputLabels?: readonly (readonly string[] | undefined)[];
}

export function servedModelFromSession(session: Session, options: ServedModelOptions): ServedModel {
  const rename = (infos: readonly TensorInfo[], names: readonly string[] | undefined, what: string): TensorInfo[] => {
    const chosen = names ?? publicTensorNames(infos.map((info) => info.name));
    if (chosen.length !== infos.length)
      throw new ServingError(
        'INTERNAL',
        `model ${options.name}: ${chosen.length} ${what} names for ${infos.length} ${what}s in the graph`,
      );
    return infos.map((info, index) => ({ name: chosen[index]!, dtype: info.dtype, shape: [...info.shape] }));
  };
  const inputs = rename(session.inputs, options.inputNames, 'input');
  const outputs = rename(session.outputs, options.outputNames, 'output');
  return {
    name: options.name,
    version: options.version,
    platform: options.platform,
    inputs,
    outputs,
    ...(options.outputLabels ? { outputLabels: options.outputLabels } : {}),
    async run(tensors: Tensor[]): Promise<Tensor[]> {
      const results = await session.run(tensors);
      return results.map(({ dtype, shape, data }) => ({ dtype, shape, data }));
    },
  };
}

/** A repository of models already loaded; the highest version (numeric when all are numbers) is the default. */
export class StaticModelRepository implements ModelRepository {
  private readonly models: ServedModel[];

  constructor(models: readonly ServedModel[]) {
    this.models = [...models];
  }

  index(): ModelIndexEntry[] {
    return this.models.map((m) => ({ name: m.name, version: m.version, state: 'READY' }));
  }

  async resolve(name: string, version?: string): Promise<ServedModel> {
    return pickVersion(
      name,
      version,
      this.models.filter((m) => m.name === name),
    );
  }

  ready(): boolean {
    return true;
  }
}
