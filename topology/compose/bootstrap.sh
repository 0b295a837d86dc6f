#!/usr/bin/env bash
# The one-shot steps of docker-compose.yml (docs/operations.md explains them):
#   bootstrap.sh init         before any tetherd starts: the three clusters' CAs
#                             and roles, the hub users, and in /bootstrap every
#                             device's tetherd config (join token, CA pin) and
#                             each leaf's trusted_cluster.yaml (trust token, hub pin)
#   bootstrap.sh trust LEAF   once hub and LEAF run: LEAF trusts hub
# Both find finished work and exit 0, so `docker compose up` can run again.
# shellcheck disable=SC2034  # the @NAME@ placeholders are read by render via ${!NAME}
set -euo pipefail
# Placeholders of topology/msp for the containers: service names, in-container ports.
RUN=/var/lib/tether
HUB_ADDR=hub ACME_ADDR=acme-dallas GLOBEX_ADDR=globex-plant SITE_SERVER_ADDR=site-server
GLOBEX_AUTH_PORT=3025
HUB_PROXY_PORT=3080 ACME_PROXY_PORT=3080 GLOBEX_PROXY_PORT=3080 SITE_SERVER_PORT=3022
# shellcheck source=../render.sh
source /topology/render.sh
msp=/topology/msp
out=/bootstrap
leaves=(acme-dallas globex-plant)
users=(alice:acme-support bob:globex-support carol:msp-admin)
LOGIN=root  # the account sessions run as inside the device containers
TTL=1h      # devices must join within this long after init

ctl() {  # CLUSTER ARGS...
    local cluster="$1"; shift
    tetherctl "$@" --config "/topology/compose/$cluster.yaml"
}

pin_of() {
    ctl "$1" status --format json | sed -n 's/.*"tls_ca_pin" *: *"\(sha256:[0-9a-f]*\)".*/\1/p' | head -n1
}

init() {
    if [ -f "$out/done" ]; then
        echo "already bootstrapped; the hub CA pin is $(cat "$out/hub.pin")"
        return 0
    fi
    local password="${TETHER_DEMO_PASSWORD:?set TETHER_DEMO_PASSWORD to the password of the hub users}"
    local cluster entry leaf template TOKEN PIN HUB_TOKEN HUB_PIN
    for cluster in hub "${leaves[@]}"; do
        ctl "$cluster" create "$msp/$cluster/roles.yaml"
    done
    for entry in "${users[@]}"; do
        ctl hub users add "${entry%%:*}" --roles "${entry#*:}" --logins "$LOGIN"
        printf '%s\n' "$password" | ctl hub users set-password "${entry%%:*}" --password-stdin
    done
    HUB_PIN="$(pin_of hub)"
    for leaf in "${leaves[@]}"; do
        mkdir -p "$out/$leaf"
        PIN="$(pin_of "$leaf")"
        for template in "$msp/$leaf"/nodes/*.yaml.in; do
            TOKEN="$(ctl "$leaf" tokens add --type node --ttl "$TTL" --format text)"
            render "$template" >"$out/$leaf/$(basename "$template" .yaml.in).yaml"
        done
        HUB_TOKEN="$(ctl hub tokens add --type trusted_cluster --ttl "$TTL" --format text)"
        render "$msp/$leaf/trusted_cluster.yaml.in" >"$out/$leaf/trusted_cluster.yaml"
    done
    echo "$HUB_PIN" >"$out/hub.pin"
    touch "$out/done"
    echo "bootstrapped; log in with: tether login --proxy localhost:3080 --user alice --password-stdin --ca-pin $HUB_PIN"
}

trust() {  # LEAF
    if ctl "$1" get trusted_clusters hub >/dev/null 2>&1; then
        echo "$1 already trusts hub"
        return 0
    fi
    ctl "$1" create "$out/$1/trusted_cluster.yaml"
}

case "${1:-}" in
    init) init ;;
    trust) trust "${2:?usage: bootstrap.sh trust LEAF}" ;;
    *) echo "usage: bootstrap.sh init | trust LEAF" >&2; exit 2 ;;
esac
