{{/* The chart name, or nameOverride. */}}
{{- define "kvgw.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Objects' name: fullnameOverride, else the release name when it contains the chart name, else <release>-<chart>. */}}
{{- define "kvgw.fullname" -}}
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

{{- define "kvgw.serviceAccountName" -}}
{{- default (include "kvgw.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{- define "kvgw.leaderElectionId" -}}
{{- default (include "kvgw.fullname" .) .Values.leaderElection.id }}
{{- end }}

{{- define "kvgw.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kvgw.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "kvgw.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "kvgw.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The controller's command line (the image's entrypoint runs the controller; these are its flags). */}}
{{- define "kvgw.args" -}}
- --leader-elect={{ .Values.leaderElection.enabled }}
{{- if .Values.leaderElection.enabled }}
- --leader-election-namespace={{ .Release.Namespace }}
- --leader-election-id={{ include "kvgw.leaderElectionId" . }}
{{- end }}
- --controller-name={{ required "controllerName is required" .Values.controllerName }}
- --ipam-configmap={{ .Values.ipam.configMap.namespace }}/{{ required "ipam.configMap.name is required" .Values.ipam.configMap.name }}
- --ipam-mode={{ .Values.ipam.mode }}
- --service-behaviour={{ .Values.defaultStrategy }}
{{- with .Values.loadBalancerClass }}
- --load-balancer-class={{ . }}
{{- end }}
- --kube-vip-lease-mode={{ .Values.kubeVipLeaseMode }}
- --concurrency={{ .Values.concurrency }}
- --metrics-bind-address=:{{ .Values.metrics.port }}
- --health-probe-bind-address=:{{ .Values.probes.port }}
- --log-level={{ .Values.log.level }}
- --log-format={{ .Values.log.format }}
{{- range .Values.extraArgs }}
- {{ . | quote }}
{{- end }}
{{- end }}
