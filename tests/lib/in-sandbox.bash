# in-sandbox.bash - sourced first by a root-only bash script of scripts/
# that drives the tests' private Postfix (bench-postfix.sh, soak.sh):
# outside the sandbox it runs the script again inside tests/sandbox.sh
# with the same arguments, so the host's mail system is never touched;
# inside it, it does nothing. TOP must be set.
if [ -z "${DKIMPIPE_SANDBOX:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "$(basename "$0" .sh): run as root" >&2; exit 1; }
	exec sh "$TOP/tests/sandbox.sh" bash "$0" "$@"
fi
