#!/usr/bin/env bash
# System packages for PDF rendering (Chromium) and Chinese text: a CJK font for charts,
# and the faces Chinese reports are set in (GB/T 9704): Noto Serif CJK SC (宋体-like body
# and title) and Noto Sans CJK SC (黑体-like headings) from fonts-noto-cjk, AR PL UKai
# (楷体-like second-level headings) from fonts-arphic-ukai; libcairo2 draws the charts as
# PNG for Word (cairosvg); poppler-utils (pdftoppm, pdftotext, pdffonts) lets the tests
# read the PDFs as paper: a page drawn, its text, its embedded faces.
# Installs them with apt-get when missing and we are root or have sudo; otherwise says in
# one line what to install, and the demo goes on with HTML only.
set -u

have_chromium() {
  if [ -n "${SIPM_CHROMIUM:-}" ]; then command -v "$SIPM_CHROMIUM" >/dev/null 2>&1 || [ -x "$SIPM_CHROMIUM" ]; return; fi
  for b in chromium chromium-browser google-chrome google-chrome-stable; do
    command -v "$b" >/dev/null 2>&1 && return 0
  done
  return 1
}
have_cjk_font() {
  command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh family 2>/dev/null | grep -q .
}
have_font() {
  command -v fc-list >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qF "$1"
}
have_cairo() {
  command -v ldconfig >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q 'libcairo\.so\.2'
}

missing=()
have_chromium || missing+=(chromium)
have_cjk_font || missing+=(fonts-wqy-microhei)
have_font "Noto Serif CJK SC" || missing+=(fonts-noto-cjk)
have_font "AR PL UKai CN" || missing+=(fonts-arphic-ukai)
have_cairo || missing+=(libcairo2)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
[ ${#missing[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then sudo_cmd=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo_cmd="sudo"; else sudo_cmd="none"; fi
  if [ "$sudo_cmd" != "none" ]; then
    echo "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" fontconfig >/dev/null; then
      exit 0
    fi
    echo "could not install ${missing[*]} with apt-get; reports will be HTML only (see README)"
    exit 0
  fi
fi
echo "missing system packages: ${missing[*]} (Debian/Ubuntu: sudo apt-get install ${missing[*]}); without Chromium reports are HTML only, set SIPM_CHROMIUM to use another Chrome"
exit 0
