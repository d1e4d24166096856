// What is inside each official image the compose file runs: which programs a health check, entrypoint
// or one-shot command may call there. Each fact is read from the image's own build file at the pinned
// release (the evidence: docs/upstream-evidence.md, section "Image facts"). image-facts.test.ts checks
// the resolved compose file against these, and the local stand-in images against them (a stand-in must
// not carry a program users' image lacks).

/** BusyBox programs the project calls in images built on BusyBox or Alpine (BusyBox's own names). */
export const BUSYBOX_PROGRAMS_USED = [
  'sh',
  'wget',
  'chown',
  'printf',
  'od',
  'tr',
  'cut',
  'cat',
  'rm',
  'sha256sum',
];

export interface ImageFacts {
  /** The versions.env key of the official image. */
  readonly key: string;
  /** How the image is built: its final stage's base. */
  readonly base: 'busybox' | 'alpine' | 'scratch' | 'distroless-static';
  /** Programs besides BusyBox's, by absolute path (and, for bare names, where PATH finds them). */
  readonly programs: readonly string[];
  /** Where the evidence is: upstream file and lines at the pinned tag. */
  readonly evidence: string;
  /** The local stand-in's name (scripts/images/<name>), where one is built here. */
  readonly standIn?: string;
}

export const IMAGE_FACTS: readonly ImageFacts[] = [
  {
    key: 'PROMETHEUS_IMAGE',
    base: 'busybox',
    programs: ['/bin/prometheus', '/bin/promtool'],
    evidence: 'prometheus Dockerfile:3,17-18,29 @ v3.16.0',
    standIn: 'prometheus',
  },
  {
    key: 'NODE_EXPORTER_IMAGE',
    base: 'busybox',
    programs: ['/bin/node_exporter'],
    evidence: 'node_exporter Dockerfile:3,17,21 @ v1.12.1',
    standIn: 'node-exporter',
  },
  {
    key: 'JAEGER_IMAGE',
    base: 'alpine',
    programs: ['/cmd/jaeger/jaeger-linux'],
    evidence: 'jaeger cmd/jaeger/Dockerfile:9,45,49 + scripts/build/docker/base/Dockerfile:7 @ v2.13.0',
    standIn: 'jaeger',
  },
  {
    key: 'OTELCOL_IMAGE',
    base: 'scratch',
    programs: ['/otelcol-contrib'],
    evidence: 'opentelemetry-collector-releases distributions/otelcol-contrib/Dockerfile:4,11,13',
    standIn: 'otelcol',
  },
  {
    key: 'LOKI_IMAGE',
    base: 'distroless-static',
    programs: ['/usr/bin/loki'],
    evidence: 'loki cmd/loki/Dockerfile:20,22,31 @ v3.7.6',
  },
  {
    key: 'GRAFANA_IMAGE',
    base: 'alpine',
    programs: ['/run.sh', '/usr/share/grafana/bin/grafana', 'grafana', 'bash', 'curl'],
    evidence: 'grafana Dockerfile (BASE_IMAGE alpine, apk add bash curl, bin/ on PATH, /run.sh)',
  },
  {
    key: 'CADVISOR_IMAGE',
    base: 'alpine',
    programs: ['/usr/bin/cadvisor', '/usr/bin/entrypoint.sh', '/usr/bin/healthcheck.sh'],
    evidence: 'cadvisor deploy/Dockerfile:53,64,66,69,76-80 @ v0.60.5',
  },
  {
    key: 'K6_IMAGE',
    base: 'alpine',
    programs: ['/usr/bin/k6', 'k6'],
    evidence: 'k6 Dockerfile:9,12,17 @ v2.2.0',
  },
];

/** Whether `program` (a path or a bare name found on PATH) exists in an image with these facts. */
export function imageHas(facts: ImageFacts, program: string): boolean {
  if (facts.programs.includes(program)) return true;
  if (facts.base !== 'busybox' && facts.base !== 'alpine') return false;
  const name = program.replace(/^\/(usr\/)?(s?bin)\//, '');
  return !name.includes('/') && BUSYBOX_PROGRAMS_USED.includes(name);
}
