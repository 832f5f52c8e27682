# zsh -f complete-zsh.zsh SCRIPT WORD...: what SCRIPT (_trunkctl) offers for
# the command line WORD..., the last under the cursor, one a line. compadd
# and _files stand in for zsh's completion system: the script's own logic
# runs, and "FILES" marks a fall back to file names.
compadd() {
	local -a names
	while (( $# )); do
		case $1 in
		-S) shift 2 ;;
		-a) shift ;;
		*) names+=$1; shift ;;
		esac
	done
	local a
	for a in $names; do print -l -- ${(P)a}; done
}
_files() { print FILES }
script=$1
shift
words=("$@")
CURRENT=$#
source $script
