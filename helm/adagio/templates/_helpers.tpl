{{/*
Chart name, truncated to the 63 characters a DNS label allows.
*/}}
{{- define "adagio.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: also the control-plane Service name agents connect to.
*/}}
{{- define "adagio.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "adagio.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "adagio.agentsName" -}}
{{- printf "%s-agent" (include "adagio.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "adagio.etcdName" -}}
{{- printf "%s-etcd" (include "adagio.fullname" .) | trunc 52 | trimSuffix "-" }}
{{- end }}

{{- define "adagio.etcdHeadlessName" -}}
{{- printf "%s-headless" (include "adagio.etcdName" .) }}
{{- end }}

{{/*
Common labels; pass a dict with "ctx" (root context) and "component".
*/}}
{{- define "adagio.labels" -}}
helm.sh/chart: {{ include "adagio.chart" .ctx }}
{{ include "adagio.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: adagio
{{- end }}

{{- define "adagio.selectorLabels" -}}
app.kubernetes.io/name: {{ include "adagio.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "adagio.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "adagio.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "adagio.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion (toString .Values.image.tag)) }}
{{- end }}

{{/*
Effective backend ("memory" or "etcd"), with the consistency checks that make a
wrong combination fail at render time instead of at run time.
*/}}
{{- define "adagio.backend" -}}
{{- $deploy := .Values.etcd.deploy.enabled }}
{{- $external := gt (len .Values.etcd.endpoints) 0 }}
{{- if and $deploy $external }}
{{- fail "etcd: set either etcd.endpoints (external etcd) or etcd.deploy.enabled=true (etcd deployed by this chart), not both" }}
{{- end }}
{{- $backend := .Values.backend | default (ternary "etcd" "memory" (or $deploy $external)) }}
{{- if eq $backend "memory" }}
{{- if or $deploy $external }}
{{- fail "backend=memory but etcd is configured (etcd.endpoints or etcd.deploy.enabled): set backend=etcd or drop the etcd settings" }}
{{- end }}
{{- else if eq $backend "etcd" }}
{{- if not (or $deploy $external) }}
{{- fail "backend=etcd needs etcd.endpoints (external etcd) or etcd.deploy.enabled=true" }}
{{- end }}
{{- else }}
{{- fail (printf "backend must be \"memory\" or \"etcd\", got %q" $backend) }}
{{- end }}
{{- $backend }}
{{- end }}

{{/*
Effective control-plane replicas. The memory backend keeps all state in one JVM:
a second replica would be a second, diverging engine, so it is refused.
*/}}
{{- define "adagio.controlPlaneReplicas" -}}
{{- $backend := include "adagio.backend" . }}
{{- $r := .Values.controlPlane.replicas }}
{{- if kindIs "invalid" $r }}
{{- $r = ternary 2 1 (eq $backend "etcd") }}
{{- end }}
{{- if and (eq $backend "memory") (gt (int $r) 1) }}
{{- fail (printf "controlPlane.replicas=%v with backend=memory: the in-memory backend holds all state in a single pod and cannot be replicated; use replicas 1 or backend=etcd" $r) }}
{{- end }}
{{- int $r }}
{{- end }}

{{- define "adagio.controlPlaneMode" -}}
{{- $mode := .Values.controlPlane.mode | default (ternary "api" "all" (eq (include "adagio.backend" .) "etcd")) }}
{{- if not (has $mode (list "all" "api")) }}
{{- fail (printf "controlPlane.mode must be \"all\" or \"api\", got %q" $mode) }}
{{- end }}
{{- $mode }}
{{- end }}

{{/*
Client URLs of the etcd members: the deployed StatefulSet's pods through its headless
Service, or the external endpoints.
*/}}
{{- define "adagio.etcdEndpoints" -}}
{{- if .Values.etcd.deploy.enabled }}
{{- $urls := list }}
{{- $sts := include "adagio.etcdName" . }}
{{- $svc := include "adagio.etcdHeadlessName" . }}
{{- range $i := until (int .Values.etcd.deploy.replicas) }}
{{- $urls = append $urls (printf "http://%s-%d.%s.%s.svc.%s:%d" $sts $i $svc $.Release.Namespace $.Values.clusterDomain (int $.Values.etcd.deploy.clientPort)) }}
{{- end }}
{{- join "," $urls }}
{{- else }}
{{- join "," .Values.etcd.endpoints }}
{{- end }}
{{- end }}

{{- define "adagio.agentServerUrl" -}}
{{- if .Values.agents.serverUrl }}
{{- .Values.agents.serverUrl }}
{{- else if .Values.controlPlane.enabled }}
{{- printf "http://%s:%d" (include "adagio.fullname" .) (int .Values.service.port) }}
{{- else }}
{{- fail "agents.serverUrl is required when controlPlane.enabled=false (agents need a control plane to connect to)" }}
{{- end }}
{{- end }}

{{/*
Agent-pool settings, for the agents Deployment and for a control plane in mode "all".
*/}}
{{- define "adagio.agentEnv" -}}
{{- $exec := .Values.agents.exec }}
{{- if and $exec.enabled (not $exec.allowedCommands) }}
{{- fail "agents.exec.enabled=true needs a non-empty agents.exec.allowedCommands allow-list" }}
{{- end -}}
- name: ADAGIO_AGENT_CONCURRENCY
  value: {{ .Values.agents.concurrency | quote }}
- name: ADAGIO_AGENT_SLOTS
  value: {{ .Values.agents.slots | quote }}
- name: ADAGIO_AGENT_RUNTIMES
  value: {{ join "," .Values.agents.runtimes | quote }}
- name: ADAGIO_AGENT_EXEC_ENABLED
  value: {{ $exec.enabled | quote }}
- name: ADAGIO_AGENT_EXEC_ALLOWEDCOMMANDS
  value: {{ join "," $exec.allowedCommands | quote }}
- name: ADAGIO_AGENT_EXEC_TIMEOUT
  value: {{ $exec.timeout | quote }}
{{- end }}

{{- define "adagio.commonEnv" -}}
- name: ADAGIO_LEASES_TTL
  value: {{ .Values.config.leasesTtl | quote }}
- name: ADAGIO_SSE_HEARTBEAT
  value: {{ .Values.config.sseHeartbeat | quote }}
- name: ADAGIO_SSE_WRITETIMEOUT
  value: {{ .Values.config.sseWriteTimeout | quote }}
- name: ADAGIO_LIMITS_MAXNODES
  value: {{ .Values.config.maxNodes | int64 | quote }}
- name: ADAGIO_LIMITS_MAXOUTPUTSIZE
  value: {{ .Values.config.maxOutputSize | quote }}
- name: ADAGIO_LIMITS_MAXMETADATASIZE
  value: {{ .Values.config.maxMetadataSize | quote }}
- name: ADAGIO_LIMITS_MAXRUNSIZE
  value: {{ .Values.config.maxRunSize | quote }}
{{- with .Values.config.retentionFinished }}
- name: ADAGIO_RETENTION_FINISHED
  value: {{ . | quote }}
{{- end }}
{{- end }}

{{/*
Probes, preStop and /tmp shared by the control plane and the agents (both serve actuator on "http").
*/}}
{{- define "adagio.probes" -}}
startupProbe:
  httpGet:
    path: {{ .Values.probes.startup.path }}
    port: http
  periodSeconds: {{ .Values.probes.startup.periodSeconds }}
  failureThreshold: {{ .Values.probes.startup.failureThreshold }}
livenessProbe:
  httpGet:
    path: {{ .Values.probes.liveness.path }}
    port: http
  periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.liveness.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
readinessProbe:
  httpGet:
    path: {{ .Values.probes.readiness.path }}
    port: http
  periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.readiness.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
{{- end }}

{{/*
The Secret with the API tokens: the one given, or the one this chart generates.
*/}}
{{- define "adagio.tokensSecret" -}}
{{- default (printf "%s-tokens" (include "adagio.fullname" .)) .Values.security.existingSecret }}
{{- end }}

{{/*
The control plane's tokens (hashes only) as ADAGIO_SECURITY_TOKENS_* variables.
*/}}
{{- define "adagio.securityEnv" -}}
{{- if .Values.security.enabled }}
- name: ADAGIO_SECURITY_TOKENS_AGENTS_SHA256
  valueFrom:
    secretKeyRef:
      name: {{ include "adagio.tokensSecret" . | quote }}
      key: agent-token-sha256
- name: ADAGIO_SECURITY_TOKENS_AGENTS_ROLES
  value: "agent"
- name: ADAGIO_SECURITY_TOKENS_AGENTS_AGENTS
  value: {{ printf "%s-*" (include "adagio.agentsName" .) | quote }}
- name: ADAGIO_SECURITY_TOKENS_ADMIN_SHA256
  valueFrom:
    secretKeyRef:
      name: {{ include "adagio.tokensSecret" . | quote }}
      key: admin-token-sha256
- name: ADAGIO_SECURITY_TOKENS_ADMIN_ROLES
  value: "admin"
- name: ADAGIO_SECURITY_SESSION_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "adagio.tokensSecret" . | quote }}
      key: session-secret
      optional: true    # an existingSecret without one: each replica signs its own sessions
- name: ADAGIO_SECURITY_SESSION_SECURE
  value: {{ .Values.security.session.secureCookie | quote }}
{{- range $name, $t := .Values.security.tokens }}
{{- $env := upper (regexReplaceAll "[^A-Za-z0-9]" $name "") }}
- name: {{ printf "ADAGIO_SECURITY_TOKENS_%s_SHA256" $env }}
  value: {{ $t.sha256 | lower | quote }}
- name: {{ printf "ADAGIO_SECURITY_TOKENS_%s_ROLES" $env }}
  value: {{ $t.roles | quote }}
{{- with $t.agents }}
- name: {{ printf "ADAGIO_SECURITY_TOKENS_%s_AGENTS" $env }}
  value: {{ . | quote }}
{{- end }}
{{- with $t.startsPerMinute }}
- name: {{ printf "ADAGIO_SECURITY_TOKENS_%s_STARTSPERMINUTE" $env }}
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
