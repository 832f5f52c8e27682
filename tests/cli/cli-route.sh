#!/bin/sh
# TAP: trunkctl route and lint (trunkctl(1), doc/routing.md) against trunks
# pushed to the fake Carrier API: the JSON shapes, the exit statuses, queued
# changes seen by default and not with --server, and server text sanitised.
# usage: cli-route.sh TRUNKCTL FAKE_API
set -u
bin=$1 fake=$2
. "$(dirname "$0")/fake.sh"

# A frozen clock, moved between creates: created_at has whole seconds, and
# trunks created in the same second are ambiguous (doc/routing.md).
start_fake --sample 0 --seed 7 --clock 1770000000

t() {
	env -i HOME="$T/home" PATH=/usr/bin:/bin LC_ALL=C.UTF-8 $san "$bin" \
		--api-url "$url" --data-dir "$T/data" --token-file "$T/token" "$@"
}
jqis() { [ "$(jq -r "$1" "$T/out")" = "$2" ]; }

expect 0 "route --help" t route --help
expect 2 "route needs --to or --from-ip" t route
expect 0 "sync an empty carrier" t sync
# A first: the oldest on the shared IP
expect 0 "create A" t create --set name=A --set authentication_mode=ip_address \
	--set outbound_host=pbx.example.com:5060 --set outbound_route_prefixes=855 \
	--set outbound_national_dialing=true --set inbound_source_ips=10.0.0.1 \
	--set inbound_country=KH --set region=hydrogen
check "the fake's clock moves on" curl -sf -X POST -d '{"advance":60}' "$url/_fake/clock"
expect 0 "create B" t create --set name=B --set authentication_mode=ip_address \
	--set outbound_host=sip.example.com --set inbound_source_ips=10.0.0.1 --set region=hydrogen
expect 0 "route --to by prefix" t route --to 855715100970 --from 85523238265 --json
check "match is prefix 855" jqis '.match + " " + .prefix' "prefix 855"
check "the trunk is A" jqis '.trunk.name' A
check "candidates is an empty list" jqis '.candidates | length' 0
check "the dial string is national, port kept" jqis .dial_string \
	"{sofia_suppress_url_encoding=true,sip_invite_domain=pbx.example.com}sofia/nat_gateway/0715100970@pbx.example.com:5060"
check "the caller ID is national" jqis .caller_id 023238265
expect 0 "route --to the fallback" t route --to 61434333222 --json
check "match is fallback to B" jqis '.match + " " + .trunk.name' "fallback B"
check "no caller_id without --from" jqis 'has("caller_id")' false
expect 0 "route --to in text" t route --to 61434333222
check "text names the trunk" grep -q "^trunk: *B (" "$T/out"
expect 0 "route --via" t route --to 855715100970 --via B --json
check "match is via B" jqis '.match + " " + .trunk.name' "via B"
expect 0 "route --pinned" t route --to 855715100970 --pinned B --json
check "match is pinned B" jqis '.match + " " + .trunk.name' "pinned B"
expect 5 "route --via an unknown trunk" t route --to 855715100970 --via nosuch
expect 3 "route --to without digits" t route --to abc
expect 0 "route --to a SIP address" t route --to sip:example.com:5080 --json
check "a SIP address takes no trunk" jqis '.match + " " + (.trunk | tostring)' "none null"
expect 0 "route --from-ip" t route --from-ip 10.0.0.1 --to 068308531 --from 1294 --json
check "the oldest trunk wins" jqis .trunk.name A
check "the newer one is shadowed" jqis '[.shadowed[].name] | join(",")' B
check "to is normalised with KH" jqis .to 85568308531
check "a short code stays" jqis .from 1294
check "from_ip is echoed" jqis .from_ip 10.0.0.1
expect 0 "route --from-ip of no trunk" t route --from-ip 10.0.0.9 --json
check "no trunk, nothing shadowed" jqis '(.trunk | tostring) + " " + (.shadowed | length | tostring)' "null 0"
expect 2 "route --from-ip with a bad IP" t route --from-ip 10.0.0
expect 2 "route --from-ip with --via" t route --from-ip 10.0.0.1 --via A
expect 8 "lint finds the shared IP (error)" t lint --json
check "shared-inbound-ip lists A first" \
	jqis '[.[] | select(.rule == "shared-inbound-ip") | .trunks[0].name] | join(",")' A
check "each finding has rule, severity, trunks, message, hint" \
	jqis '[.[] | has("rule") and has("severity") and has("trunks") and has("message") and has("hint")] | all' true
expect 0 "lint --rule with no finding" t lint --json --rule duplicate-route-prefix
check "no findings is an empty list" jqis length 0
expect 2 "lint --rule unknown" t lint --rule no-such-rule

# A queued change is seen by default and not with --server.
expect 0 "queue a prefix on B" t --offline update B --set outbound_route_prefixes=855
expect 0 "route sees the queued change" t route --to 855715100970 --json
check "the shared prefix is ambiguous" jqis '.match + " " + ([.candidates[].name] | join(","))' "ambiguous A,B"
expect 0 "route --server does not" t route --to 855715100970 --json --server
check "--server: A by prefix" jqis '.match + " " + .trunk.name' "prefix A"
expect 8 "lint sees the queued duplicate" t lint --json --rule duplicate-route-prefix
expect 0 "lint --server does not" t lint --json --rule duplicate-route-prefix --server
expect 0 "pending shows what the change does to routing" t pending
check "pending: 855 goes from A to A and B" grep -Eq "routing: destinations under 855: A -> (A, B|B, A) \\(undefined which\\)" "$T/err"
check "pending: the duplicate prefix is a new error" grep -q "routing: new error duplicate-route-prefix" "$T/err"
check "pending: B no longer takes unmatched destinations" grep -q "routing: destinations no prefix matches: B -> no trunk" "$T/err"
check "pending: the routing lines are on stderr" sh -c "! grep -q routing \"$T/out\""
expect 0 "sync --dry-run shows it too" t sync --dry-run
check "dry run: 855 goes from A to A and B" grep -Eq "routing: destinations under 855: A -> (A, B|B, A)" "$T/err"
expect 0 "sync --dry-run --json keeps its shape" t sync --dry-run --json
check "dry run --json: no routing lines" sh -c "! grep -q routing \"$T/err\""
expect 0 "queue a delete of B" t --offline delete B --yes
expect 0 "route --from-ip without the deleted trunk" t route --from-ip 10.0.0.1 --json
check "nothing shadowed once B is deleted here" jqis '.shadowed | length' 0

# Names are server text: escape sequences never reach the terminal.
esc=$(printf '\033]0;owned\007evil')
expect 0 "create a trunk with an escape in its name" t --offline create --set "name=$esc" \
	--set authentication_mode=ip_address --set outbound_host=h.example.com \
	--set outbound_route_prefixes=855 --set region=hydrogen
expect 0 "route prints its name" t route --to 855715100970
check "no escape character in route's text" sh -c "! grep -q \"$(printf '\033')\" \"$T/out\""
expect 8 "lint prints it too" t lint
check "no escape character in lint's text" sh -c "! grep -q \"$(printf '\033')\" \"$T/out\""

echo "1..$n"
exit $failed
