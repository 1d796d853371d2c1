#!/usr/bin/env bash
# Leader election between three application-operator processes sharing one Lease in
# kop-apiserver: exactly one leads; SIGKILL of the leader (no release) hands over within the
# lease duration plus the retry period; SIGTERM (release) within about one retry period;
# Applications are reconciled throughout. Prints the measured failover times.
#
#   leader_election_test.sh OPERATOR KOP_APISERVER CRDS_DIR
# LEASE, RENEW, RETRY (milliseconds; default 2000, 1500, 250) set the timings, e.g. client-go's
# defaults: LEASE=15000 RENEW=10000 RETRY=2000.
set -uo pipefail
operator=$1
apiserver=$2
crds=$3
lease_ms=${LEASE:-2000}
renew_ms=${RENEW:-1500}
retry_ms=${RETRY:-250}
work=$(mktemp -d)
source "$(dirname "$0")/lib.sh"
start_apiserver "$apiserver" "$work/kubeconfig" "$crds"
lease="$server/apis/coordination.k8s.io/v1/namespaces/default/leases/app-leader"
holder() { curl -s "$lease" | jq -r '.spec.holderIdentity // ""'; }
now_ms() { date +%s%3N; }

declare -A proc  # identity -> pid
start() {  # start N: an operator whose identity is its pid
  spawn "$operator" --kubeconfig "$work/kubeconfig" --metrics-bind-address 0 --health-probe-bind-address 0 \
    --simulate-deployments --leader-elect --leader-election-id app-leader --leader-election-namespace default \
    --leader-election-lease-duration ${lease_ms}ms --leader-election-renew-deadline ${renew_ms}ms \
    --leader-election-retry-period ${retry_ms}ms --log-format json 2>"$work/op-$1.log"
  proc[$1]=${spawned[-1]}
}
for n in 1 2 3; do start $n; done
has_holder() { [ -n "$(holder)" ]; }
wait_seconds=$((lease_ms / 1000 + 20)) wait_for has_holder
check "one of three becomes leader" has_holder
# Which process leads: its log says "became leader".
leader_n() { for n in "${!proc[@]}"; do
  kill -0 "${proc[$n]}" 2>/dev/null && grep -q '"became leader"' "$work/op-$n.log" && ! grep -q '"stopping leading"\|"lost leadership"' "$work/op-$n.log" && echo "$n"; done; }
one_leader() { [ "$(leader_n | wc -l)" = 1 ]; }
wait_for one_leader
check "exactly one process says it leads" one_leader

# An Application is reconciled by whoever leads.
app() {
  curl -s -X POST -H 'Content-Type: application/json' "$server/apis/example.com/v1/namespaces/default/applications" \
    -d "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Application\",\"metadata\":{\"name\":\"$1\"},\"spec\":{\"image\":\"x\"}}" >/dev/null
}
deployed() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$server/apis/apps/v1/namespaces/default/deployments/$1")" = 200 ]; }
app first
wait_for deployed first
check "the leader reconciles" deployed first

# SIGKILL: nobody releases the Lease; a standby takes it after it expires.
old=$(holder)
n=$(leader_n)
t0=$(now_ms)
kill -9 "${proc[$n]}"
unset "proc[$n]"
changed() { local h; h=$(holder); [ -n "$h" ] && [ "$h" != "$old" ]; }
wait_seconds=$((lease_ms * 2 / 1000 + 15)) wait_for changed
t1=$(now_ms)
check "after SIGKILL another process takes the lease" changed
kill_ms=$((t1 - t0))
echo "failover after SIGKILL: ${kill_ms} ms (lease ${lease_ms} ms, retry ${retry_ms} ms)"
# A standby notices within its jittered retry period (at most 2.2 x) after the lease expired.
check "within lease duration + retry period (+1 s slack)" test "$kill_ms" -le $((lease_ms + retry_ms * 22 / 10 + 1000))
app second
wait_for deployed second
check "the new leader reconciles" deployed second

# SIGTERM: the leader releases the Lease on the way out.
wait_for one_leader
old=$(holder)
n=$(leader_n)
t0=$(now_ms)
kill -TERM "${proc[$n]}"
wait_seconds=$((lease_ms * 2 / 1000 + 15)) wait_for changed
t1=$(now_ms)
check "after SIGTERM another process takes the lease" changed
term_ms=$((t1 - t0))
echo "failover after SIGTERM: ${term_ms} ms"
check "within about one retry period (+1 s slack)" test "$term_ms" -le $((retry_ms * 22 / 10 + 1000))
wait "${proc[$n]}"
check "the stopped leader exited 0" test $? = 0
unset "proc[$n]"
check "it released the lease" grep -q '"released the lease"' "$work/op-$n.log"
app third
wait_for deployed third
check "the last process reconciles" deployed third
check "exactly one leads at the end" one_leader
finish
