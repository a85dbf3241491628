#!/bin/sh
# Before a Redis for Serialhub starts (ExecStartPre): cut a torn AOF tail back to its last whole transaction.
# The settings run `aof-load-truncated no`, because Redis 7.0's own cut of a torn MULTI...EXEC block keeps half
# of it, which a later EXEC applies (valkey-io/valkey#4342; docs/DEPLOY.md, section 5). A tail torn by a crash
# is cut here with redis-check-aof --fix, and said on stderr (the journal); any other damage stops the start.
#   redis-aof-check.sh [dir] [appenddirname] [appendfilename]     defaults: /var/lib/redis appendonlydir appendonly.aof
# systemd drop-in for Debian's redis-server (systemctl edit redis-server), the same for a cluster node's unit:
#   [Service]
#   ExecStartPre=/usr/local/bin/redis-aof-check.sh /var/lib/redis   (installed from this file)
set -eu
dir=${1:-/var/lib/redis}
manifest="$dir/${2:-appendonlydir}/${3:-appendonly.aof}.manifest"

[ -e "$manifest" ] || exit 0   # no AOF yet
if ! command -v redis-check-aof >/dev/null 2>&1; then
  echo "redis-check-aof was not found: install the Debian package redis-tools (apt-get install redis-tools)" >&2
  exit 1
fi
if report=$(redis-check-aof "$manifest" 2>&1); then exit 0; fi
refuse() {
  printf '%s\n%s: %s; not starting. Restore a backup (docs/DEPLOY.md, section 6) or repair it by hand.\n' "$report" "$manifest" "$1" >&2
  exit 1
}
case $report in
  *"is not valid. Use the --fix option"*) ;;
  *) refuse 'damaged' ;;
esac
# Only a torn tail is cut, not damage in the middle (--fix would drop every write after it): redis-check-aof
# ran out of bytes (no error of its own, the file ended inside a MULTI block or a bulk string), or it stopped on
# the file's last, unfinished line.
error=$(printf '%s\n' "$report" | sed -n 's/^0x *\([0-9a-f]*: .*\)/\1/p' | tail -n 1)
case $error in
  "" | *"Reached EOF before reading EXEC for MULTI"* | *"Expected to read "*) ;;
  *"Expected \\r\\n"* | *"Expected prefix"*)
    at=${error%%:*}
    file=$(printf '%s\n' "$report" | sed -n 's/.*AOF analyzed: filename=\([^,]*\),.*/\1/p' | tail -n 1)
    [ -n "$file" ] || refuse 'not a torn tail'
    rest=$(tail -c +$((0x$at + 1)) "$dir/${2:-appendonlydir}/$file" | tr -cd '\n' | wc -c)
    [ "$rest" -eq 0 ] || refuse "damaged at offset $((0x$at)) of $file, not a torn tail"
    ;;
  *) refuse 'not a torn tail' ;;
esac
if ! fixed=$(echo y | redis-check-aof --fix "$manifest" 2>&1); then
  printf '%s\n%s: redis-check-aof --fix failed; not starting.\n' "$fixed" "$manifest" >&2
  exit 1
fi
echo "warning: cut a torn AOF tail (a write that never completed, so never acknowledged):" \
  "$(printf '%s\n' "$fixed" | grep 'This will shrink')" >&2
