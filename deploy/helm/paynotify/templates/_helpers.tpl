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

{{- define "paynotify.kafkaSecret" -}}
{{ .Values.kafka.existingSecret | default (printf "%s-kafka-client" (include "paynotify.fullname" .)) }}
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
