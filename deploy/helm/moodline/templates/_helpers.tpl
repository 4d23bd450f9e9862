{{/*
Naming, labels and the workload list. Every template builds its names and labels from here,
so a workload is described once (values.yaml) and rendered by one generic template.
*/}}

{{- define "moodline.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "moodline.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "moodline.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Name of one component's objects: (dict "root" $ "component" "customer") */}}
{{- define "moodline.componentName" -}}
{{- printf "%s-%s" (include "moodline.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: stable, never change them on a running release. */}}
{{- define "moodline.selectorLabels" -}}
app.kubernetes.io/name: {{ include "moodline.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Standard labels on every object: (dict "root" $ "component" "customer") */}}
{{- define "moodline.labels" -}}
helm.sh/chart: {{ include "moodline.chart" .root }}
{{ include "moodline.selectorLabels" . }}
app.kubernetes.io/part-of: moodline
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Image reference: (dict "root" $ "image" $w.image "default" "moodline-customer") */}}
{{- define "moodline.image" -}}
{{- $registry := .root.Values.image.registry -}}
{{- $repo := default .default .image.repository -}}
{{- $tag := default (default .root.Chart.AppVersion .root.Values.image.tag) .image.tag -}}
{{- if .image.digest -}}
{{- printf "%s/%s@%s" $registry $repo .image.digest | trimPrefix "/" -}}
{{- else -}}
{{- printf "%s/%s:%s" $registry $repo $tag | trimPrefix "/" -}}
{{- end -}}
{{- end -}}

{{/*
Deep merge that, unlike sprig's mergeOverwrite, lets false/0/"" override a default.
Mutates .dst: (dict "dst" $copy "src" $overrides)
*/}}
{{- define "moodline.merge" -}}
{{- $dst := .dst -}}
{{- range $k, $v := .src -}}
{{- if and (kindIs "map" $v) (kindIs "map" (get $dst $k)) -}}
{{- include "moodline.merge" (dict "dst" (get $dst $k) "src" $v) -}}
{{- else -}}
{{- $_ := set $dst $k $v -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Every application workload as YAML (name -> spec): the gateway, each enabled gRPC service
and the Celery worker/beat of services that have them. serviceDefaults are merged under
each entry. kind is one of http | grpc | celery-worker | celery-beat.
*/}}
{{- define "moodline.workloads" -}}
{{- $root := . -}}
{{- $out := dict -}}
{{- if .Values.gateway.enabled -}}
{{- $w := deepCopy .Values.serviceDefaults -}}
{{- include "moodline.merge" (dict "dst" $w "src" (deepCopy (omit .Values.gateway "ingress"))) -}}
{{- $_ := set $w "kind" "http" -}}
{{- $_ := set $w "service" "gateway" -}}
{{- $_ := set $out "gateway" $w -}}
{{- end -}}
{{- range $name, $svc := .Values.services -}}
{{- if $svc.enabled -}}
{{- $w := deepCopy $root.Values.serviceDefaults -}}
{{- include "moodline.merge" (dict "dst" $w "src" (deepCopy (omit $svc "celery"))) -}}
{{- $_ := set $w "kind" "grpc" -}}
{{- $_ := set $w "service" $name -}}
{{- $_ := set $out $name $w -}}
{{- range $role := list "worker" "beat" -}}
{{- $c := get (default dict $svc.celery) $role -}}
{{- if and $c $c.enabled -}}
{{- $cw := deepCopy (get $root.Values.celeryDefaults $role) -}}
{{- include "moodline.merge" (dict "dst" $cw "src" (deepCopy $c)) -}}
{{- $_ := set $cw "kind" (printf "celery-%s" $role) -}}
{{- $_ := set $cw "service" $name -}}
{{- $_ := set $cw "secretEnv" (get $w "secretEnv") -}}
{{- $_ := set $cw "calledBy" list -}}
{{- if eq $role "beat" -}}{{- $_ := set $cw "replicas" 1 -}}{{- $_ := set $cw "autoscaling" (dict "enabled" false) -}}{{- end -}}
{{- $_ := set $out (printf "%s-%s" $name $role) $cw -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* Pod security context shared by every pod of the chart. */}}
{{- define "moodline.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container security context shared by every container of the chart. */}}
{{- define "moodline.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* Name of the Secret holding DATABASE_URLs, REDIS_URL and other secret settings */}}
{{- define "moodline.secretName" -}}
{{- if eq .Values.secrets.mode "existing" -}}
{{- required "secrets.existingSecret is required when secrets.mode=existing" .Values.secrets.existingSecret -}}
{{- else -}}
{{- include "moodline.componentName" (dict "root" . "component" "secrets") -}}
{{- end -}}
{{- end -}}

{{/* env entries read from the Secret: (dict "root" $ "secretEnv" map) */}}
{{- define "moodline.secretEnv" -}}
{{- $secret := include "moodline.secretName" .root -}}
{{- range $env, $key := .secretEnv }}
- name: {{ $env }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $key }}
{{- end }}
{{- end -}}

{{/* The hook annotations of objects that must exist before the migration Jobs run. */}}
{{- define "moodline.preHookAnnotations" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: {{ .weight | quote }}
helm.sh/hook-delete-policy: before-hook-creation
{{- end -}}

{{/* Workloads plus Triton: what Services, SAs, HPAs, PDBs and NetworkPolicies loop over. */}}
{{- define "moodline.components" -}}
{{- $all := include "moodline.workloads" . | fromYaml -}}
{{- if .Values.triton.enabled -}}
{{- $t := deepCopy .Values.triton -}}
{{- $_ := set $t "kind" "triton" -}}
{{- $_ := set $t "service" "triton" -}}
{{- $_ := set $all "triton" $t -}}
{{- end -}}
{{- toYaml $all -}}
{{- end -}}

{{/* Service ports of a component kind: (dict "kind" "grpc") */}}
{{- define "moodline.servicePorts" -}}
{{- if eq .kind "grpc" }}
- {name: grpc, port: 50051, targetPort: grpc, protocol: TCP, appProtocol: grpc}
- {name: metrics, port: 9464, targetPort: metrics, protocol: TCP}
{{- else if eq .kind "http" }}
- {name: http, port: 8080, targetPort: http, protocol: TCP, appProtocol: http}
- {name: metrics, port: 9464, targetPort: metrics, protocol: TCP}
{{- else if eq .kind "triton" }}
- {name: http, port: 8000, targetPort: http, protocol: TCP, appProtocol: http}
- {name: grpc, port: 8001, targetPort: grpc, protocol: TCP, appProtocol: grpc}
- {name: metrics, port: 8002, targetPort: metrics, protocol: TCP}
{{- end }}
{{- end -}}
