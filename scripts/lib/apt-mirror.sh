# shellcheck shell=bash
# Prints the Debian archive mirror this machine's apt is configured with (deb822 .sources files or
# the one-line sources.list format), skipping the security archive. The project never writes a mirror
# name into its files: it asks the machine every time.
apt_mirror() {
  local f uri=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
    [[ -n $uri ]] && break
  done
  if [[ -z $uri && -f /etc/apt/sources.list ]]; then
    uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($i !~ /security/) { print $i; exit } break } }' /etc/apt/sources.list)
  fi
  [[ -n $uri ]] || return 1
  printf '%s\n' "${uri%/}"
}
