/** The package's entry points resolve from the built dist/ (as an installed package's would) and export the API. */
import { describe, expect, it } from 'vitest';

describe('package exports', () => {
  it.each([
    ['mindlet', ['loadSession', 'loadModel', 'MindletError']],
    [
      'mindlet/store',
      [
        'ModelStore',
        'parseModelUri',
        'publishModel',
        'resolveKeyRef',
        'parseManifest',
        'openObjectSource',
        'openObjectSink',
      ],
    ],
    [
      'mindlet/serving',
      [
        'createServingApp',
        'StoreModelRepository',
        'StaticModelRepository',
        'servedModelFromSession',
        'parseTaskRoutes',
        'withTaskRoutes',
      ],
    ],
    ['mindlet/client', ['KServeClient']],
    ['mindlet/server', ['startModelServer']],
    [
      'mindlet/infra',
      [
        'ModelRegistry',
        'NativeRuntimeLayer',
        'ModelEndpoint',
        'BatchPrediction',
        'AcceleratedService',
        'modelMemoryMb',
      ],
    ],
    [
      'mindlet/batch',
      ['BatchPipeline', 'runBatch', 'listBatchStatus', 'codecForKey', 'isPermanentBatchError', 'EcsTaskRunner'],
    ],
    ['mindlet/placement', ['placeModel', 'placementOfManifest', 'profileFromModel', 'estimateTargets']],
    ['mindlet/graph', ['profileModel', 'inferShapes', 'tensorView', 'elementCount']],
    ['mindlet/tensor', ['decodeNpy', 'encodeNpz', 'float16BitsToNumber', 'readZip']],
    ['mindlet/tasks', ['SqsWorker', 'runTaskJob', 'parseTaskJobSpec', 'startHealthServer']],
    ['mindlet/worker', ['SqsWorker', 'runTaskJob', 'parseTaskJobSpec', 'startHealthServer']],
  ])('%s exports %j', async (specifier, names) => {
    const module = (await import(specifier)) as Record<string, unknown>;
    for (const name of names) expect(typeof module[name], `${specifier}.${name}`).toBe('function');
  });
});
