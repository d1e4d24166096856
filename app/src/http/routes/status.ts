// GET /status: what is running where, with which resources — the evidence that the container, the VM
// and the host process were given the same limits.
import { availableParallelism, hostname } from 'node:os';
import { SERVICE_VERSION } from '../../config/version.ts';
import { readCgroupLimits } from '../../runtime/cgroup-limits.ts';
import { SERVICE_INSTANCE_ID } from '../../telemetry/resource.ts';
import type { AppContext } from '../context.ts';
import type { RouteDef } from './route.ts';

export function statusRoutes(ctx: AppContext): RouteDef[] {
  return [
    {
      method: 'get',
      path: '/status',
      summary: 'Environment and why, host, Node, memory, cgroup limits, start-up duration',
      observed: true,
      handlers: [
        (_req, res) => {
          const memory = process.memoryUsage();
          const startup = ctx.startupSeconds();
          const limits = readCgroupLimits(); // per request: `docker update` can change them at run time
          res.json({
            service: ctx.config.telemetry.serviceName,
            version: SERVICE_VERSION,
            instance_id: SERVICE_INSTANCE_ID,
            environment: ctx.environment.environment,
            environment_reason: ctx.environment.reason,
            hostname: hostname(),
            node_version: process.versions.node,
            pid: process.pid,
            uptime_seconds: process.uptime(),
            phase: ctx.readiness.phase,
            startup_duration_seconds: startup,
            cpu_count: availableParallelism(),
            memory: {
              rss_bytes: memory.rss,
              heap_used_bytes: memory.heapUsed,
              heap_total_bytes: memory.heapTotal,
              external_bytes: memory.external,
            },
            limits: { cgroup: limits.version, cpus: limits.cpus, memory_bytes: limits.memoryBytes },
            telemetry: { tracing: ctx.tracing },
          });
        },
      ],
    },
  ];
}
