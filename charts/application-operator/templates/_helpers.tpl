{{/* The release's full name, at most 63 characters. */}}
{{- define "application-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "application-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "application-operator.labels" -}}
{{ include "application-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "application-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "application-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The operator's permissions: what it reconciles and what it writes, nothing else. It never
     deletes (the garbage collector removes an Application's objects) and writes only the
     Application's status; finalizers/update lets it set blockOwnerDeletion on owner references. */}}
{{- define "application-operator.rules" -}}
- apiGroups: [example.com]
  resources: [applications]
  verbs: [get, list, watch]
- apiGroups: [example.com]
  resources: [applications/status]
  verbs: [get, update, patch]
- apiGroups: [example.com]
  resources: [applications/finalizers]
  verbs: [update]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, update, patch]
- apiGroups: [""]
  resources: [services, configmaps]
  verbs: [get, list, watch, create, update, patch]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end -}}
