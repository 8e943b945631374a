#!/usr/bin/env bash
# Makes sure pdftoppm and pdftotext are on PATH, installing Debian's
# poppler-utils with apt-get when they are missing. The PDF export's tests
# render its pages with pdftoppm and read its text with pdftotext.
#
# Tests call it too, from several packages at once: a lock keeps two runs
# from fighting over apt-get, and sudo never asks for a password (-n), so a
# test never hangs on a prompt.
set -euo pipefail

have() { command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; }

if have; then
	echo "poppler: $(command -v pdftoppm) and $(command -v pdftotext)"
	exit 0
fi
exec 9>"${TMPDIR:-/tmp}/journeybot-poppler.lock"
flock -w 600 9 || { echo "poppler: another install did not finish in 10 minutes" >&2; exit 1; }
if have; then # installed by whoever held the lock
	echo "poppler: $(command -v pdftoppm) and $(command -v pdftotext)"
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "poppler: pdftoppm/pdftotext missing and no apt-get here; install poppler-utils (or poppler) by hand" >&2
	exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "poppler: pdftoppm/pdftotext missing; installing poppler-utils needs root or sudo" >&2
		exit 1
	fi
	sudo="sudo -n"
fi
echo "poppler: not installed; installing poppler-utils with apt-get"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends poppler-utils >/dev/null
if ! have; then
	echo "poppler: no pdftoppm/pdftotext after installing poppler-utils" >&2
	exit 1
fi
echo "poppler: installed $(command -v pdftoppm) and $(command -v pdftotext)"
