#!/bin/sh
# TAP: update and delete --where (trunkctl(1) COMMANDS and FILTERS): the
# trunks a filter selects, --dry-run listing them and the changes, the empty
# filter refused without --all, --confirm COUNT, and all or nothing, against
# the fake Carrier API on 127.0.0.1.
# usage: bulk-contract.sh TRUNKCTL FAKE_API
set -u
bin=$1 fake=$2
. "$(dirname "$0")/fake.sh"

# 12 samples: 1, 4, 7 and 10 are ip_address; 4-6 and 10-12 are in helium
start_fake --sample 12 --seed 7
t() {
	env -i HOME="$T/home" PATH=/usr/bin:/bin LC_ALL=C.UTF-8 $san "$bin" \
		--api-url "$url" --data-dir "$T/data" --token-file "$T/token" "$@"
}
channels() { t list --json --filter "$1" | jq -c '[.[].max_channels]'; }

expect 0 "sync pulls the sample" t sync
before=$(t list --json | jq -c '[.[] | [.name, .max_channels]]')
check "list sorts names naturally: trunk 2 before trunk 10" \
	[ "$(t list --json | jq -r '[.[].name | sub("Sample trunk "; "")] | join(",")')" = "1,2,3,4,5,6,7,8,9,10,11,12" ]
check "and backwards" \
	[ "$(t list --json --sort name:desc | jq -r '.[0:3] | [.[].name | sub("Sample trunk "; "")] | join(",")')" = "12,11,10" ]

expect 0 "update --where --dry-run" t update --where 'mode:ip region:helium' --set max_channels=7 --dry-run
check "the dry run lists the selected trunks, naturally sorted" \
	[ "$(grep -c '^[0-9a-f-]*  Sample trunk' "$T/out")" = 2 ]
check "the dry run shows each change old -> new" has "^    max_channels: .* -> 7$" "$T/out"
check "the dry run says nothing changed" has "dry run: 2 trunks selected" "$T/err"
check "a dry run changes nothing" [ "$(t list --json | jq -c '[.[] | [.name, .max_channels]]')" = "$before" ]
expect 0 "update --dry-run needs no token" env -i HOME="$T/home" PATH=/usr/bin:/bin $san "$bin" \
	--api-url "$url" --data-dir "$T/data" update --where x --set max_channels=3 --dry-run

expect 2 "update with an empty --where" t update --where '' --set max_channels=7
check "an empty filter is refused and --all named" has "give --all" "$T/err"
expect 2 "update with a blank --where" t update --where '  ' --set max_channels=7
expect 2 "update with ID and --where" t update 'Sample trunk 1' --where x --set max_channels=7
expect 2 "update --where with a bad filter" t update --where 'mode:sip' --set max_channels=7
check "the filter's error names the rule" has "not a mode" "$T/err"
expect 2 "single update --dry-run" t update 'Sample trunk 1' --dry-run --set max_channels=7

expect 0 "update --where" t update --where 'mode:ip region:helium' --set max_channels=7
check "updated and pushed" has "updated 2 trunks; pushed 2" "$T/err"
check "the selected trunks changed" [ "$(channels 'mode:ip region:helium')" = "[7,7]" ]
check "the others did not" [ "$(channels '-region:helium mode:ip' | grep -c 7)" = 0 ]

expect 3 "update --where with a value one trunk refuses" t update --where 'mode:ip' --set max_channels=0
check "nothing was saved, the trunk named" has "nothing was saved: trunk .* (Sample trunk 1) refused" "$T/err"
check "all or nothing: the others kept their values" [ "$(channels 'mode:ip region:helium')" = "[7,7]" ]

expect 0 "update --all --dry-run" t update --all --set max_channels=9 --dry-run
check "--all selects every trunk" has "dry run: 12 trunks selected" "$T/err"

expect 0 "delete --where --dry-run" t delete --where 'name:~"trunk 1[12]$"' --dry-run
check "the dry run lists the trunks" [ "$(grep -c 'Sample trunk 1[12]$' "$T/out")" = 2 ]
check "nothing deleted by the dry run" [ "$(t list --json | jq length)" = 12 ]
expect 2 "delete --where without --confirm, stdin not a terminal" t delete --where 'name:~"trunk 1[12]$"' </dev/null
check "it names the count to confirm" has "give --confirm 2" "$T/err"
expect 2 "delete --where with the wrong count" t delete --where 'name:~"trunk 1[12]$"' --confirm 3
check "a wrong count deletes nothing" [ "$(t list --json | jq length)" = 12 ]
expect 2 "delete with an empty --where" t delete --where '' --confirm 12
expect 0 "delete --where --confirm COUNT" t delete --where 'name:~"trunk 1[12]$"' --confirm 2
check "deleted and pushed" has "deleted 2 trunks; pushed 2" "$T/err"
check "the two are gone" [ "$(t list --json | jq length)" = 10 ]
expect 0 "delete --where that matches nothing" t delete --where 'name:nothing-here' --confirm 0
check "it says so" has "no trunk matches" "$T/err"

echo "1..$n"
exit $failed
