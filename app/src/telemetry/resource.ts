// The OpenTelemetry resource shared by traces and logs: who emits, which version, where.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  detectResources,
  envDetector,
  resourceFromAttributes,
  type Resource,
} from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { DeploymentEnvironment } from '../config/config.ts';
import { SERVICE_VERSION } from '../config/version.ts';

/** One id per process, also used by logs and /status so all signals name the same instance. */
export const SERVICE_INSTANCE_ID = randomUUID();

export function buildResource(serviceName: string, environment: DeploymentEnvironment): Resource {
  const own = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: serviceName,
    [ATTR_SERVICE_VERSION]: SERVICE_VERSION,
    // Incubating semantic-convention keys are written out, as upstream recommends, not imported.
    'service.instance.id': SERVICE_INSTANCE_ID,
    'deployment.environment.name': environment,
    'host.name': hostname(),
    'process.pid': process.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
  });
  // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME win, as the specification requires.
  return own.merge(detectResources({ detectors: [envDetector] }));
}
