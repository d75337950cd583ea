{{- define "paynotify.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "paynotify.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "paynotify.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "paynotify.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "paynotify.keysSecret" -}}
{{ .Values.antom.existingSecret | default (printf "%s-antom-keys" (include "paynotify.fullname" .)) }}
{{- end -}}

{{/* The services' Kafka client Secret: part of the release, so `helm uninstall` removes it. */}}
{{- define "paynotify.kafkaSecret" -}}
{{ .Values.kafka.existingSecret | default (printf "%s-kafka-properties" (include "paynotify.fullname" .)) }}
{{- end -}}

{{/* The topics Job's copy, a pre-install hook like the Job (release resources come after the
     hooks). Its name is the one older charts gave their hook Secret, so the first upgrade
     deletes that leftover before it makes this one (before-hook-creation). */}}
{{- define "paynotify.topicsKafkaSecret" -}}
{{ .Values.kafka.existingSecret | default (printf "%s-kafka-client" (include "paynotify.fullname" .)) }}
{{- end -}}

{{- define "paynotify.kafkaSecretData" -}}
stringData:
  {{- range $name, $value := .Values.kafka.properties }}
  PAYNOTIFY_KAFKA_PROP_{{ $name | replace "." "_" | upper }}: {{ $value | quote }}
  {{- end }}
{{- end -}}

{{/* Plain TCP to Redis and plain HTTP to the order service carry the Redis password and every
     payment event unencrypted: refused unless allowPlaintext says the network protects them. */}}
{{- define "paynotify.refusePlaintext" -}}
{{- if not .Values.allowPlaintext }}
{{- if not (hasPrefix "rediss://" (lower .Values.redis.address)) }}
{{- fail "redis.address is plain TCP (host:port or redis://): the Redis password and the payments' state would cross the network unencrypted. Use rediss:// (README \"Redis security\"), or set allowPlaintext: true where the network already encrypts (a service mesh with mutual TLS) or for a test cluster" }}
{{- end }}
{{- if not (hasPrefix "https://" (lower .Values.orderService.url)) }}
{{- fail "orderService.url is plain http://: every payment event would cross the network unencrypted. Use https:// (orderService.tls), or set allowPlaintext: true where the network already encrypts (a service mesh with mutual TLS) or for a test cluster" }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "paynotify.redisSecret" -}}
{{ .Values.redis.existingSecret | default (printf "%s-redis" (include "paynotify.fullname" .)) }}
{{- end -}}

{{/* Kafka client properties (SASL, TLS) for every container that talks to Kafka. */}}
{{- define "paynotify.kafkaEnvFrom" -}}
{{- if or .Values.kafka.existingSecret .Values.kafka.properties }}
envFrom:
  - secretRef:
      name: {{ include "paynotify.kafkaSecret" . }}
{{- end }}
{{- end -}}

{{- define "paynotify.podSpecCommon" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets: {{ toYaml . | nindent 2 }}
{{- end }}
securityContext: {{ toYaml .Values.podSecurityContext | nindent 2 }}
automountServiceAccountToken: false
{{- with .Values.nodeSelector }}
nodeSelector: {{ toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations: {{ toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "paynotify.topologySpread" -}}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels: {{ include "paynotify.selector" . | nindent 8 }}
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels: {{ include "paynotify.selector" . | nindent 8 }}
{{- end -}}

{{- define "paynotify.probes" -}}
livenessProbe:
  httpGet: {path: /healthz, port: admin}
  periodSeconds: 10
  failureThreshold: 3
readinessProbe:
  httpGet: {path: /readyz, port: admin}
  periodSeconds: 5
  failureThreshold: 2
{{- end -}}
