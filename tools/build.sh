#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# usage: tools/build.sh BUILDDIR [meson options...]
# Configures BUILDDIR (or reconfigures it when it exists) and builds it.
set -euo pipefail
dir=$1
shift
if [ -f "$dir/build.ninja" ]; then
	meson setup --reconfigure "$dir" "$@" >/dev/null
else
	meson setup "$dir" "$@"
fi
ninja -C "$dir"
