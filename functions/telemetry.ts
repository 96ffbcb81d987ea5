/**
 * Powertools logger, metrics and tracer for one function, and the work every invoke does around its handler: the
 * request context on log lines, the cold-start metric and annotation, a `## <handler>` subsegment, failures logged
 * and attached to the trace, metrics flushed and the segment restored whatever happens.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';

export interface Telemetry {
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
  /**
   * Runs one invoke. A failure is logged ("invoke failed") and added to the trace, then `onError` decides: return
   * an answer (the HTTP function's JSON 500) or throw (the batch function's retry).
   */
  invoke<T>(context: Context, run: () => Promise<T>, onError: (error: unknown) => T): Promise<T>;
}

export function createTelemetry(defaultServiceName: string): Telemetry {
  const serviceName = process.env.POWERTOOLS_SERVICE_NAME || defaultServiceName;
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({ namespace: 'mindlet', serviceName });
  const tracer = new Tracer({ serviceName });
  return {
    logger,
    metrics,
    tracer,
    async invoke(context, run, onError) {
      logger.addContext(context);
      metrics.captureColdStartMetric();
      const segment = tracer.getSegment();
      const subsegment = segment?.addNewSubsegment(`## ${process.env._HANDLER ?? 'handler'}`);
      if (subsegment) tracer.setSegment(subsegment);
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
      try {
        return await run();
      } catch (error) {
        tracer.addErrorAsMetadata(error as Error);
        logger.error('invoke failed', { error: error as Error });
        return onError(error);
      } finally {
        if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
        subsegment?.close();
        if (segment) tracer.setSegment(segment);
      }
    },
  };
}
