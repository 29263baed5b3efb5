#!/bin/sh
# Waits for the Temporal frontend, creates the namespace when missing (a new
# server has none) and registers Switchboard's Sb* search attributes, as
# devenv.StartTemporalServer does. `switchboard migrate` registers the same
# attributes; the list is internal/temporalx/searchattrs.go (a test keeps
# this file in step with it).
#
# Environment: TEMPORAL_ADDRESS (127.0.0.1:7233), TEMPORAL_NAMESPACE
# (default), TEMPORAL_RETENTION (168h: how long closed conversations'
# histories are kept), TEMPORAL_CLI (temporal).
set -eu
CLI=${TEMPORAL_CLI:-temporal}
ADDR=${TEMPORAL_ADDRESS:-127.0.0.1:7233}
NS=${TEMPORAL_NAMESPACE:-default}

i=0
until "$CLI" operator cluster health --address "$ADDR" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ "$i" -ge 120 ]; then
		echo "setup-namespace: no Temporal frontend at $ADDR after 2 minutes" >&2
		exit 1
	fi
	sleep 1
done

if ! "$CLI" operator namespace describe --address "$ADDR" -n "$NS" >/dev/null 2>&1; then
	"$CLI" operator namespace create --address "$ADDR" -n "$NS" --retention "${TEMPORAL_RETENTION:-168h}"
fi

# A new namespace can take a moment to be usable everywhere: retry.
i=0
until "$CLI" operator search-attribute create --address "$ADDR" -n "$NS" \
	--name SbAccount --type Keyword \
	--name SbNumber --type Keyword \
	--name SbCustomer --type Keyword \
	--name SbQueue --type Keyword \
	--name SbAgent --type Keyword \
	--name SbState --type Keyword \
	--name SbMode --type Keyword \
	--name SbWindowExpiresAt --type Datetime \
	--name SbSlaDeadline --type Datetime; do
	i=$((i + 1))
	if [ "$i" -ge 30 ]; then
		echo "setup-namespace: could not register the Sb* search attributes in $NS" >&2
		exit 1
	fi
	sleep 1
done
echo "setup-namespace: namespace $NS ready at $ADDR"
