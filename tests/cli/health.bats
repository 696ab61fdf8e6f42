#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# notify: `skiff run --health-cmd ...`: the monitor runs the check in the container at each interval,
# `inspect` shows State.Health (starting, unhealthy after --health-retries failures, healthy at the
# first success) and Config.Healthcheck; bad values are refused with the option named; --sdnotify=healthy
# needs a check. As root, with the busybox image of container-helpers.bash.

load helpers
load container-helpers

setup_file() {
        container_setup_file
}

teardown_file() {
        container_teardown_file
}

setup() {
        require_spawn
}

health_of() {
        "$SKIFF" inspect --format json "$1" | python3 -c '
import json, sys
h = json.load(sys.stdin)[0]["State"].get("Health")
print(h["Status"], h["FailingStreak"]) if h else print("none")'
}

@test "--health-cmd: starting, unhealthy after the retries, healthy at the first success" {
        run_ctr run -d --name hc --health-cmd 'test -e /tmp/ok' --health-interval 500ms --health-retries 2 \
                "$CTR_IMAGE" sh -c 'sleep 3; touch /tmp/ok; exec sleep 1000'
        is "$status" 0
        is "$(health_of hc)" "starting 0"
        local i seen_unhealthy= h
        for ((i = 0; i < 100; i++)); do
                h=$(health_of hc)
                [[ $h == unhealthy* ]] && seen_unhealthy=1
                [[ $h == "healthy 0" ]] && break
                sleep 0.1
        done
        [[ -n $seen_unhealthy ]] || die "never unhealthy before the file existed"
        is "$h" "healthy 0"
        run_skiff inspect --format json hc
        python3 -c '
import json, sys
hc = json.load(sys.stdin)[0]["Config"]["Healthcheck"]
assert hc["Test"] == ["/bin/sh", "-c", "test -e /tmp/ok"], hc
assert hc["Interval"] == 500000000 and hc["Retries"] == 2 and hc["Timeout"] == 30000000000, hc' <<<"$output"
        run_skiff rm -f hc
        is "$status" 0
}

@test "--health-cmd: a check that outlives --health-timeout fails; exec form" {
        run_ctr run -d --name hct --health-cmd '["CMD", "sleep", "5"]' --health-interval 200ms \
                --health-timeout 300ms --health-retries 1 "$CTR_IMAGE" sleep 1000
        is "$status" 0
        local i h
        for ((i = 0; i < 60; i++)); do
                h=$(health_of hct)
                [[ $h == unhealthy* ]] && break
                sleep 0.1
        done
        is "$h" "unhealthy 1"
        # the timed-out checks were killed: no "sleep 5" is left in the container (only the one that
        # may have started since, younger than the timeout)
        sleep 0.5
        run_skiff exec hct ps -o pid,args
        local n
        n=$(grep -c 'sleep 5' <<<"$output" || true)
        ((n <= 1)) || die "$n health checks still run: the timed-out ones were not killed"
        run_skiff rm -f hct
}

@test "--health-* and --sdnotify=healthy: bad values are refused, naming the option" {
        run_skiff '?' run --health-interval 0 "$CTR_IMAGE" true
        is "$status" 125
        [[ $output == *"--health-interval 0: expected a duration"* ]]
        run_skiff '?' run --health-timeout 5 "$CTR_IMAGE" true
        [[ $output == *"--health-timeout 5: expected a duration"* ]]
        run_skiff '?' run --health-retries 0 "$CTR_IMAGE" true
        [[ $output == *"--health-retries 0: expected a number of 1 or more"* ]]
        run_skiff '?' run --health-cmd '["CMD-SHELL"]' "$CTR_IMAGE" true
        [[ $output == *'--health-cmd ["CMD-SHELL"]: a JSON array'* ]]
        run_skiff '?' run --sdnotify=healthy "$CTR_IMAGE" true
        [[ $output == *"--sdnotify=healthy needs a health check (--health-cmd)"* ]]
        run_skiff '?' run --sdnotify=healthy --health-cmd none "$CTR_IMAGE" true
        [[ $output == *"--sdnotify=healthy needs a health check"* ]]
        # nothing was created
        run_skiff ps -a --format json
        is "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <<<"$output")" 0
}
