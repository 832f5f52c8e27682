# bash completion for trunkctl(1). The candidates come from the hidden
# `trunkctl __complete WORDS...`, which reads the command, option and field
# tables, the configuration's profiles and the local store, offline; nothing
# here knows a command or an option. An empty answer falls back to file names.
_trunkctl()
{
	local i w glued=0
	local -a words=() found=()
	# bash splits "--set key=value" at the "="; __complete wants it whole
	for ((i = 1; i <= COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if ((${#words[@]})) && [[ $w == = ]]; then
			words[${#words[@]} - 1]+=$w
			glued=1
		elif ((${#words[@]})) && ((glued)); then
			words[${#words[@]} - 1]+=$w
			glued=0
		else
			words+=("$w")
			glued=0
		fi
	done
	((${#words[@]})) || words=("")
	# the word as typed, without the backslashes that quote its spaces
	local cur=${words[${#words[@]} - 1]//\\/}
	words[${#words[@]} - 1]=$cur
	# bash replaces only its own current word: what precedes it in cur stays
	local keep=${cur%"${COMP_WORDS[COMP_CWORD]//\\/}"}
	[[ ${COMP_WORDS[COMP_CWORD]} == = ]] && keep=${cur%=}
	local IFS=$'\n'
	found=($(command trunkctl __complete "${words[@]}" 2>/dev/null))
	COMPREPLY=()
	for w in "${found[@]}"; do
		w=${w#"$keep"}
		[[ -n $w ]] && COMPREPLY+=("$(printf '%q' "$w")")
	done
	# "key=" waits for its value
	if ((${#found[@]} == 1)) && [[ ${found[0]} == *= ]]; then
		compopt -o nospace 2>/dev/null
	fi
	return 0
}
complete -o default -F _trunkctl trunkctl
