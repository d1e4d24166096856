{{/* The release's name prefix for every object (63 characters at most, as DNS labels must be). */}}
{{- define "cb.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels every object carries (Kubernetes' recommended app.kubernetes.io set). */}}
{{- define "cb.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selector labels of one component ("app" or "collector"). */}}
{{- define "cb.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The Collector's Service name. */}}
{{- define "cb.collector" -}}
{{ include "cb.fullname" . }}-collector
{{- end -}}

{{/* Where the app sends OTLP. */}}
{{- define "cb.otlpEndpoint" -}}
{{- if .Values.otlpEndpoint -}}
{{ .Values.otlpEndpoint }}
{{- else if .Values.collector.enabled -}}
http://{{ include "cb.collector" . }}:4318
{{- end -}}
{{- end -}}

{{/* A hardened container: no privilege escalation, no capabilities, read-only root, the runtime's seccomp. */}}
{{- define "cb.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}
