#!/bin/sh
# TAP: the fleet as a file (trunkctl(1), THE FLEET FILE): export --format
# yaml, plan and its exit statuses, apply (all or nothing, prune asked for),
# a promotion from a staging carrier to an empty production one, and diff
# across the two profiles, against two fake Carrier APIs on 127.0.0.1.
# usage: fleet-contract.sh TRUNKCTL FAKE_API
set -u
bin=$1 fake=$2
T=$(mktemp -d)
stage_pid= prod_pid=
cleanup() {
	[ -n "$stage_pid" ] && kill "$stage_pid" 2>/dev/null && wait "$stage_pid" 2>/dev/null
	[ -n "$prod_pid" ] && kill "$prod_pid" 2>/dev/null && wait "$prod_pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
. "$(dirname "$0")/tap.sh"

# Two carriers: staging with sample trunks, production empty.
mkfifo "$T/ready1" "$T/ready2"
"$fake" --port 0 --any-host --sample 5 --seed 7 >"$T/ready1" 2>"$T/fake1.log" &
stage_pid=$!
read -r _ _ stage_port <"$T/ready1"
"$fake" --port 0 --any-host --seed 8 >"$T/ready2" 2>"$T/fake2.log" &
prod_pid=$!
read -r _ _ prod_port <"$T/ready2"

mkdir -p "$T/home"
printf 'fake-token\n' >"$T/token"
chmod 600 "$T/token"
cat >"$T/config.ini" <<EOF
[default]
token_file = $T/token

[profile staging]
api_url = http://127.0.0.1:$stage_port
data_dir = $T/staging

[profile production]
api_url = http://127.0.0.1:$prod_port
data_dir = $T/production
EOF
san="${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} ${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS}"
san="$san ${LSAN_OPTIONS:+LSAN_OPTIONS=$LSAN_OPTIONS}"
tc() {
	env -i HOME="$T/home" PATH=/usr/bin:/bin LC_ALL=C.UTF-8 $san "$bin" --config "$T/config.ini" "$@"
}
s() { tc -p staging "$@"; }
p() { tc -p production "$@"; }

# ---- export yaml, plan ----
expect 0 "staging pulls its sample" s sync
expect 0 "export --format yaml" s export --format yaml -o "$T/fleet.yaml"
check "the file starts with what it is" has "^# trunkctl fleet file" "$T/fleet.yaml"
check "the password is masked" [ "$(grep -c '^  password: "\*\*\*\*\*\*\*\*"' "$T/fleet.yaml")" -ge 1 ]
expect 0 "export yaml -> plan: no changes" s plan -f "$T/fleet.yaml"
check "the summary line" has "^Plan: 0 to create, 0 to update, 0 to delete, 5 unchanged\.$" "$T/out"
s export --format json >"$T/fleet.json"
expect 0 "a JSON export from stdin: no changes" sh -c "cat '$T/fleet.json' | env -i HOME='$T/home' PATH=/usr/bin:/bin $san '$bin' --config '$T/config.ini' -p staging plan -f -"
s export --format csv >"$T/fleet.csv"
expect 0 "a CSV export: no changes" s plan -f "$T/fleet.csv"
check "CSV plans every trunk" has "5 unchanged" "$T/out"

sed -e 's/^  max_channels: 10$/  max_channels: 12/' -e 's/"Sample trunk 3"/"Renamed 3"/' \
	"$T/fleet.yaml" >"$T/changed.yaml"
cat >>"$T/changed.yaml" <<'EOF'
- name: "Brand new"
  authentication_mode: ip_address
  region: hydrogen
  inbound_source_ips: ["203.0.113.9"]
EOF
expect 8 "changes planned: exit 8" s plan -f "$T/changed.yaml"
check "a create line" has "^+ create    Brand new$" "$T/out"
check "an update names the field old -> new" has "^    max_channels: 10 -> 12$" "$T/out"
check "a rename by id" has "^    name: Sample trunk 3 -> Renamed 3$" "$T/out"
check "the summary" has "^Plan: 1 to create, 2 to update, 0 to delete, 3 unchanged\.$" "$T/out"
expect 8 "plan --json" s plan -f "$T/changed.yaml" --json
check "--json summary" [ "$(jq -c .summary "$T/out")" = '{"create":1,"update":2,"delete":0,"unchanged":3}' ]
check "--json changes old and new" \
	[ "$(jq -c '[.trunks[] | select(.changes.max_channels)][0].changes.max_channels' "$T/out")" = '{"old":"10","new":"12"}' ]
expect 8 "--prune plans the deletes" s plan -f "$T/changed.yaml" --prune
check "nothing to delete: the file names every trunk" has "0 to delete" "$T/out"
head -20 "$T/fleet.yaml" >"$T/one.yaml"
expect 8 "--prune with one trunk" s plan -f "$T/one.yaml" --prune
check "four deletes" has "^Plan: 0 to create, 0 to update, 4 to delete, 1 unchanged\.$" "$T/out"

# ---- errors ----
printf -- '- name: A\n  max_channels: lots\n' >"$T/bad.yaml"
expect 3 "a bad value is refused" s plan -f "$T/bad.yaml"
check "the message names file, line and field" has "bad.yaml:2: max_channels must be an integer" "$T/err"
printf -- '- name: X\n- name: X\n' >"$T/twice.yaml"
expect 2 "a name twice in the file" s plan -f "$T/twice.yaml"
check "the message names the name" has '"X" is given twice' "$T/err"
expect 2 "no -f" s plan
expect 2 "a missing file" s plan -f "$T/nope.yaml"
printf -- '- name: "\033]0;pwned\007evil"\n  authentication_mode: ip_address\n  region: hydrogen\n' >"$T/esc.yaml"
s plan -f "$T/esc.yaml" >"$T/out" 2>&1
check "file text is sanitised before the terminal" [ "$(grep -c "$(printf '\033')" "$T/out")" = 0 ]

# ---- apply ----
printf -- '- name: "Broken"\n  authentication_mode: ip_address\n  region: nowhere\n' >"$T/invalid.yaml"
cat "$T/changed.yaml" "$T/invalid.yaml" | sed '/^#/d' >"$T/mixed.yaml"
expect 3 "apply with an invalid trunk stages nothing" s apply -f "$T/mixed.yaml"
check "the message names the trunk" has 'create of "Broken"' "$T/err"
check "nothing queued" [ "$(s pending --json | jq length)" = 0 ]
expect 2 "a prune without --yes and no terminal is refused" s apply -f "$T/one.yaml" --prune </dev/null
check "the refusal says --yes" has "give --yes" "$T/err"
check "still nothing queued" [ "$(s pending --json | jq length)" = 0 ]
expect 0 "apply stages the plan" s apply -f "$T/changed.yaml"
check "three entries queued" [ "$(s pending --json | jq length)" = 3 ]
expect 0 "after apply, plan: no changes" s plan -f "$T/changed.yaml"
expect 0 "sync pushes them" s sync
expect 0 "after the push, still no changes" s plan -f "$T/changed.yaml"

# ---- promotion to an empty carrier, and diff ----
expect 0 "production starts empty" p sync
s export --format yaml >"$T/promote.yaml"
expect 3 "a masked password cannot make an outbound_registration trunk" p apply -f "$T/promote.yaml"
check "the message names the trunk and the field" has 'create of "Renamed 3": password is required' "$T/err"
expect 0 "export -p staging | apply -f - -p production --push" \
	sh -c "env -i HOME='$T/home' PATH=/usr/bin:/bin $san '$bin' --config '$T/config.ini' -p staging export --format yaml --reveal | env -i HOME='$T/home' PATH=/usr/bin:/bin $san '$bin' --config '$T/config.ini' -p production apply -f - --push"
check "six creates planned" has "6 to create" "$T/out"
check "production has six trunks" [ "$(p list --json | jq '[.[] | select(.sync_state == "synced")] | length')" = 6 ]
expect 0 "the staging file against production: no changes" p plan -f "$T/promote.yaml"
check "matched by name" has "6 unchanged" "$T/out"
check "client_credentials trunks got their own credentials" \
	[ "$(p list --json --reveal | jq -r '[.[] | select(.authentication_mode == "client_credentials") | .username] | sort | join(",")')" != \
	"$(s list --json --reveal | jq -r '[.[] | select(.authentication_mode == "client_credentials") | .username] | sort | join(",")')" ]
expect 0 "diff: the same by name" s diff --against production
check "diff summary" has "0 only in staging, 0 only in production, 0 differ, 6 the same" "$T/out"
p update "Brand new" --set max_channels=3 >/dev/null 2>&1
expect 8 "diff: a difference, exit 8" s diff --against production
check "diff names the field" has "^    max_channels: 3 -> null$" "$T/out"
expect 2 "diff without --against" s diff

# ---- a file written before an offline create was pushed ----
s --offline create --set name=Offline1 --set authentication_mode=ip_address \
	--set region=hydrogen --set inbound_source_ips=203.0.113.50 >/dev/null 2>&1
s export --format yaml >"$T/offline.yaml"
check "the export names the create by its local id" has '^- id: "local-' "$T/offline.yaml"
s sync >/dev/null 2>&1
sed 's/"Offline1"/"Offline renamed"/' "$T/offline.yaml" >"$T/renamed.yaml"
expect 8 "the local id is taken as the server id it moved to" s plan -f "$T/renamed.yaml"
check "a rename, not a create" has "^    name: Offline1 -> Offline renamed$" "$T/out"
check "one update" has "^Plan: 0 to create, 1 to update," "$T/out"

echo "1..$n"
exit $failed
