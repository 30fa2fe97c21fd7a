#!/usr/bin/env bash
# The tools that check deploy/ offline (tests/unit/test_deploy.py): check-jsonschema (the
# Compose file against the compose-spec schema) and kubernetes-validate (the rendered
# Kubernetes manifests) in a venv of their own, .venv-deploy: they need a newer jsonschema than
# the 4.17 the pinned Rasa needs in .venv. So does schemathesis (`st`), which checks the web
# service against its OpenAPI document (tests/integration/test_openapi.py). Also kubectl
# (`kubectl kustomize` renders deploy/kubernetes): this kind of machine has kubectl 1.32
# (Kustomize 5); when it is missing, Debian's kubernetes-client is installed with apt-get, but
# that is kubectl 1.20, whose Kustomize 2.0 cannot render deploy/kubernetes (a folder under
# `resources`): the test then fails saying so. HAProxy (`haproxy -c`) comes from
# scripts/ensure-haproxy.sh. Each step checks first.
#
#   scripts/ensure-deploy-tools.sh        # prints the venv's bin directory
#
# Needs root (or sudo) the first time, to install kubectl.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
VENV=.venv-deploy
TOOLS="check-jsonschema==0.39.0 kubernetes-validate==1.37.0 schemathesis==4.32.5"

# Only the directory goes to stdout (callers capture it).
prepare() {
  # The stamp names the versions: changing them above reinstalls.
  if [ "$(cat "$VENV/.tools" 2>/dev/null)" != "$TOOLS" ]; then
    echo "==> creating $VENV ($TOOLS)" >&2
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    # shellcheck disable=SC2086 # one word per package
    "$VENV/bin/pip" install --quiet --disable-pip-version-check $TOOLS
    echo "$TOOLS" >"$VENV/.tools"
  fi
  if ! command -v kubectl >/dev/null && [ ! -x /usr/bin/kubectl ]; then
    scripts/apt-install.sh kubernetes-client
  fi
}
prepare >&2
echo "$(pwd)/$VENV/bin"
