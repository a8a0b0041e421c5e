#!/usr/bin/env bash
# Provides a real Apptainer for the e2e tests on a Debian host that has no
# apptainer package. It builds a Debian sid root folder that contains
# Apptainer 1.4 into a cache folder, once, and checks that the wrapper in ./bin
# runs it.
#
# Running it again reuses an existing, complete root.
#
# Environment:
#   NX_PEPPY_APPTAINER_ROOT    where the root lives
#                              (default /var/cache/nx-peppy/apptainer-root)
#   NX_PEPPY_DEBIAN_MIRROR     Debian mirror for debootstrap
#                              (default: the first one in the host's apt sources)
#   NX_PEPPY_APPTAINER_SUITE   Debian suite for the root (default sid)
#   NX_PEPPY_APPTAINER_REBUILD set to 1 to throw the root away and build it anew
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
wrapper="$here/bin/apptainer"
root=${NX_PEPPY_APPTAINER_ROOT:-/var/cache/nx-peppy/apptainer-root}
suite=${NX_PEPPY_APPTAINER_SUITE:-sid}
marker_name=.nx-peppy-apptainer-ready
host_packages=(bubblewrap debootstrap busybox-static)
root_packages=apptainer,ca-certificates,debootstrap,squashfuse,fuse3,busybox-static

say() { printf '[apptainer setup] %s\n' "$*"; }
fail() {
  printf '[apptainer setup] failed: %s\n' "$*" >&2
  exit 1
}

case $root in
  /*) ;;
  *) fail "NX_PEPPY_APPTAINER_ROOT must be an absolute path, got '$root'" ;;
esac
root=${root%/}
[[ -n $root && $root != / ]] || fail "NX_PEPPY_APPTAINER_ROOT must not be /"

# 1. A native apptainer (not this wrapper) makes the rest unnecessary.
if native=$(command -v apptainer 2>/dev/null) && [[ -n $native ]]; then
  # Every copy of this wrapper, in this clone or another, contains the name
  # of its root variable, so the grep recognizes it.
  if [[ $(readlink -f "$native") != "$(readlink -f "$wrapper")" ]] &&
    ! grep -q NX_PEPPY_APPTAINER_ROOT "$native" 2>/dev/null; then
    say "native apptainer found at $native ($("$native" --version 2>/dev/null || echo 'version unknown')); nothing to do"
    exit 0
  fi
fi

# 2. Host packages.
missing=()
for pkg in "${host_packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$pkg")
done
if ((${#missing[@]})); then
  ((EUID == 0)) || fail "host packages missing (${missing[*]}) and not running as root: install them with apt-get first"
  say "installing host packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_log=$(mktemp)
  if ! apt-get update -qq </dev/null >"$apt_log" 2>&1; then
    cat "$apt_log" >&2
    fail "apt-get update (output above)"
  fi
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >>"$apt_log" 2>&1; then
    cat "$apt_log" >&2
    fail "apt-get install ${missing[*]} (output above)"
  fi
  rm -f "$apt_log"
else
  say "host packages present: ${host_packages[*]}"
fi

# Prints the Debian mirror that the host's apt uses: the first URI of a
# deb822 .sources file, else of a one-line .list file, else deb.debian.org.
find_mirror() {
  local file uri
  for file in /etc/apt/sources.list.d/*.sources; do
    [[ -f $file ]] || continue
    uri=$(awk 'tolower($1) == "uris:" { print $2; exit }' "$file")
    if [[ $uri == http*://* && $uri != *security* ]]; then
      printf '%s\n' "${uri%/}"
      return
    fi
  done
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $file ]] || continue
    uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\//) { print $i; exit } }' "$file")
    if [[ -n $uri && $uri != *security* ]]; then
      printf '%s\n' "${uri%/}"
      return
    fi
  done
  printf '%s\n' http://deb.debian.org/debian
}

root_ready() { [[ -f $root/$marker_name && -x $root/usr/bin/apptainer ]]; }

# Removes a folder without crossing into mounts below it. An interrupted
# debootstrap can leave proc or sys mounted there, so these are unmounted first.
remove_tree() {
  local dir=$1 mnt
  [[ -e $dir ]] || return 0
  while read -r mnt; do
    umount -l "$mnt" 2>/dev/null || true
  done < <(awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts | sort -r)
  rm -rf --one-file-system "$dir"
}

# 3. The root. A lock file keeps two runs from building at the same time.
mkdir -p "$(dirname "$root")" || fail "cannot create $(dirname "$root")"
exec 9>"$root.lock" || fail "cannot write the lock file $root.lock"
if ! flock -n 9; then
  say "another setup run is building the root; waiting for it"
  flock 9
fi

if [[ ${NX_PEPPY_APPTAINER_REBUILD:-} == 1 && -e $root ]]; then
  say "rebuild requested: removing $root"
  ((EUID == 0)) || fail "removing $root needs root"
  remove_tree "$root"
fi

if root_ready; then
  say "root ready at $root ($(cat "$root/$marker_name"))"
else
  ((EUID == 0)) || fail "the Apptainer root $root is missing, and building it (debootstrap) needs root: run this script as root"
  # Interrupted runs leave half-made roots without the marker file.
  for stale in "$root".partial.*; do
    [[ -e $stale ]] || continue
    say "removing leftover $stale"
    remove_tree "$stale"
  done
  if [[ -e $root ]]; then
    say "removing incomplete root $root"
    remove_tree "$root"
  fi

  mirror=${NX_PEPPY_DEBIAN_MIRROR:-$(find_mirror)}
  work="$root.partial.$$"
  started=$SECONDS
  say "building the Debian $suite root with Apptainer from $mirror (about half a minute)"
  trap 'remove_tree "$work"; rm -f "$work.log"' EXIT
  if ! debootstrap --variant=minbase --include="$root_packages" "$suite" "$work" "$mirror" \
    </dev/null >"$work.log" 2>&1; then
    tail -n 30 "$work.log" >&2
    [[ -f $work/debootstrap/debootstrap.log ]] && tail -n 30 "$work/debootstrap/debootstrap.log" >&2
    rm -f "$work.log"
    fail "debootstrap of Debian $suite into $work (output above); check the mirror $mirror or set NX_PEPPY_DEBIAN_MIRROR"
  fi
  rm -f "$work.log"

  say "configuring the root"
  cp -L /etc/hosts "$work/etc/hosts" || fail "copying /etc/hosts into the root"
  rm -f "$work/etc/resolv.conf"
  cp -L /etc/resolv.conf "$work/etc/resolv.conf" || fail "copying /etc/resolv.conf into the root"
  # Subordinate ids so that `apptainer build --fakeroot` works as root.
  for idfile in subuid subgid; do
    grep -q '^root:' "$work/etc/$idfile" 2>/dev/null || echo 'root:100000:65536' >>"$work/etc/$idfile"
  done
  conf="$work/etc/apptainer/apptainer.conf"
  [[ -f $conf ]] || fail "$conf is missing, so the apptainer package did not install from Debian $suite; try another NX_PEPPY_APPTAINER_SUITE"
  # By default Apptainer requests every capability for root. The bounding set
  # of these machines lacks CAP_SYS_RESOURCE, so `apptainer run` would fail.
  if grep -q '^root default capabilities' "$conf"; then
    sed -i 's/^root default capabilities.*/root default capabilities = no/' "$conf"
  else
    echo 'root default capabilities = no' >>"$conf"
  fi
  # The root's binaries need its newer C library, so read the version from
  # its dpkg database instead of running them.
  version=$(dpkg-query --admindir="$work/var/lib/dpkg" -W -f='apptainer ${Version}' apptainer 2>/dev/null) ||
    version="apptainer (version unknown)"
  printf '%s, Debian %s, built %s\n' "$version" "$suite" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    >"$work/$marker_name"
  mv -T "$work" "$root" || fail "renaming $work to $root"
  trap - EXIT
  say "root built in $((SECONDS - started)) s: $root"
fi

# The wrapper binds this repository at its own path. bwrap (as root) would
# create the missing mount point with mode 0700 parents, which an unprivileged
# caller cannot enter. Created here, they get mode 0755.
repo=$(cd "$here/../../.." && pwd)
if ((EUID == 0)) && [[ $repo != /tmp/* && ! -d $root$repo ]]; then
  (umask 022 && mkdir -p "$root$repo") || fail "creating the mount point $root$repo"
fi

# 4. Check that the wrapper runs it.
if ! out=$(NX_PEPPY_APPTAINER_ROOT=$root "$wrapper" --version 2>&1); then
  printf '%s\n' "$out" >&2
  fail "'$wrapper --version' (output above); rebuild the root with NX_PEPPY_APPTAINER_REBUILD=1"
fi
say "ready: $out"
say "use $wrapper, or put $(dirname "$wrapper") first on PATH"
