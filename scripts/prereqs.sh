#!/usr/bin/env bash
# Makes sure this machine has what Ferry needs to run and test: PostgreSQL 15 server programs (Debian's), npm (for
# the extra majors), Chromium (browser tests). As root it installs what is missing with apt-get; as another user it
# says what to install and fails. Usage: scripts/prereqs.sh [--run | --test]
set -euo pipefail

mode=${1:---test}
need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
command -v psql >/dev/null || need+=(postgresql-client-15)
if [ "$mode" = --test ]; then
    command -v npm >/dev/null || need+=(npm)
    [ -x /usr/bin/chromium ] || need+=(chromium)
fi

if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "Installing ${need[*]} ..."
        export DEBIAN_FRONTEND=noninteractive
        # Ferry runs clusters of its own: don't let Debian's package create and start one on port 5432.
        if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
            mkdir -p /etc/postgresql-common
            echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf
        fi
        apt-get update -q >/dev/null
        apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
    else
        echo "Missing: ${need[*]}. Install them as root: sudo apt-get install ${need[*]}" >&2
        exit 1
    fi
fi
