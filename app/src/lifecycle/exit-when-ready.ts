// EXIT_WHEN_READY=true: start, answer one request on each of a few routes through the whole stack
// (admission, Express, validation, telemetry, metrics, access log), then stop as on SIGTERM. The image
// build runs the service once this way, as its own user and with its own flags, so that the V8 code
// cache (NODE_COMPILE_CACHE) already holds the bundle's modules, compiled, when a container starts:
// without it every `docker run` compiles them again. (Node caches what V8 compiles with a module, not
// what runs later: the requests are a check that the image serves, and it fails the build if not.)
import type { Logger } from '../logging/logger.ts';

/** The routes asked once: the probes and the mix's lightest route. */
export const OWN_ROUTES = ['/ready', '/health', '/api/json?items=1'] as const;

/** Asks each of OWN_ROUTES once; true when every one answered 200. */
export async function answerOwnRoutes(url: string, logger: Logger): Promise<boolean> {
  let ok = true;
  for (const route of OWN_ROUTES) {
    try {
      const res = await fetch(`${url}${route}`, { signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      if (res.status !== 200) {
        ok = false;
        logger.error({ route, status: res.status }, 'EXIT_WHEN_READY: a route did not answer 200');
      }
    } catch (error) {
      ok = false;
      logger.error({ route, err: error }, 'EXIT_WHEN_READY: a route did not answer');
    }
  }
  return ok;
}
