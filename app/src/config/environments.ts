// The environments the project compares, defined once: the app's APP_ENVIRONMENT and its detection, the
// telemetry's `environment` label, and the load-test runner all take this list. (The k6 scripts run in
// k6's own sandbox and keep a copy; test/loadtests holds it equal to this one.)
export const ENVIRONMENTS = ['native', 'container', 'vm', 'kubernetes'] as const;
export type DeploymentEnvironment = (typeof ENVIRONMENTS)[number];
