#!/bin/sh
# Lays out the root file system of the journeybot image in OUT: the static
# binary, CA certificates, and a non-root user (65532, "nonroot") with a
# home for the embedded store file. Both Dockerfiles copy it into an image
# FROM scratch: deploy/Dockerfile builds the binary in a golang stage first
# (for a registry), `make image` builds it on this machine (no registry).
#
#   sh deploy/rootfs.sh OUT BINARY [CA_BUNDLE]
set -eu
out=$1
bin=$2
ca=${3:-/etc/ssl/certs/ca-certificates.crt}
[ -x "$bin" ] || { echo "rootfs: $bin is not an executable" >&2; exit 1; }
[ -s "$ca" ] || { echo "rootfs: no CA bundle at $ca (install ca-certificates)" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/etc/ssl/certs" "$out/home/nonroot" "$out/tmp"
cp "$bin" "$out/journeybot"
cp "$ca" "$out/etc/ssl/certs/ca-certificates.crt"
echo 'root:x:0:0:root:/root:/sbin/nologin' >"$out/etc/passwd"
echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >>"$out/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$out/etc/group"
chmod 1777 "$out/tmp"
