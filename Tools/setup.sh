#!/usr/bin/env bash
# Installs what Augur needs on a fresh Debian 12 machine: the Vulkan loader and headers, Mesa's
# lavapipe CPU device, and the static shaderc/glslang/SPIRV-Tools libraries the build links.
# Safe to run again: it installs only what is missing.
set -euo pipefail
packages=(libvulkan-dev glslang-dev libshaderc-dev glslc spirv-tools mesa-vulkan-drivers vulkan-tools)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
