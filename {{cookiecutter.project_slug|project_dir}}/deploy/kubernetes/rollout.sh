#!/bin/sh
{%- set name = cookiecutter.project_slug[:50].rstrip("-") %}
# Deploy a release: deploy/kubernetes/rollout.sh [KUSTOMIZATION_DIR]
# (default: this base; give your overlay's directory instead). NAMESPACE, when set, is
# passed to every kubectl command; KUBECTL names another kubectl.
#
# The migrations run before the rollout, once: the configuration and the migration Job are
# applied alone, and the Deployment (with the rest) only once the Job has completed. A
# failed migration stops here (within the Job's activeDeadlineSeconds), the old pods still
# serving.
set -eu

dir="${1:-$(dirname "$0")}"
migration="app.kubernetes.io/name={{ name }},app.kubernetes.io/component=migration"
api="app.kubernetes.io/name={{ name }},app.kubernetes.io/component=api"

k() {
    if [ -n "${NAMESPACE:-}" ]; then
        set -- --namespace "$NAMESPACE" "$@"
    fi
    "${KUBECTL:-kubectl}" "$@"
}

# A Job's pod template cannot change: the previous release's Job goes first.
k delete job --selector "$migration" --ignore-not-found --wait=true
k apply -k "$dir" --selector "app.kubernetes.io/component in (config,migration)"
while :; do
    done_as=$(k get job --selector "$migration" \
        -o jsonpath='{range .items[*].status.conditions[?(@.status=="True")]}{.type} {end}')
    case " $done_as " in
        *" Complete "*) break ;;
        *" Failed "*)
            k logs --selector "$migration" --tail=50 >&2 || true
            echo "rollout.sh: the migration failed; nothing else was applied" >&2
            exit 1
            ;;
    esac
    sleep 2
done
k apply -k "$dir"
k rollout status deployment --selector "$api" --timeout=600s
