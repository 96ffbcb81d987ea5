/** The protocols: one fetch app (KServe v2, MindSpore Serving REST) over a repository of served models. */

export { ServingError, type ServingErrorCode, type ServingStatus, toServingError } from '../errors.js';
export { latestVersion } from '../repository/resolve.js';
export {
  type ServedModelOptions,
  StaticModelRepository,
  servedModelFromSession,
} from '../repository/served-model.js';
export {
  type LoadReport,
  type ModelSource,
  type RepositoryEvent,
  StoreModelRepository,
  type StoreRepositoryOptions,
} from '../repository/store-repository.js';
export { createServingApp, type ServingAppOptions, servingLimits } from './app.js';
export {
  type ForwardEvent,
  type ForwardOptions,
  type ForwardProtocol,
  parseTaskRoutes,
  TASK_ROUTES_ENV,
  TaskForwarder,
  type TaskRoutes,
} from './forwarder.js';
export { kserveRoutes } from './kserve.js';
export { MINDSPORE_SERVING_METHOD, mindsporeServingRoutes } from './mindspore-serving.js';
export { emptyRepository, modelOfPath, type TaskRouteOptions, withTaskRoutes } from './task-front.js';
export * from './types.js';
