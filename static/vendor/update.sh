#!/usr/bin/env bash
# Re-vendor the front-end libraries in static/vendor/ from the npm registry
# at the pinned versions below. Writes only into the directory holding this
# script (static/vendor/); scratch work happens in a temporary directory.
#
#   bash static/vendor/update.sh          # re-download and copy, then refresh SHA256SUMS
#   bash static/vendor/update.sh --check  # only verify the committed files against SHA256SUMS
set -euo pipefail

VENDOR_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ "${1:-}" == "--check" ]]; then
  cd "$VENDOR_DIR" && exec sha256sum --quiet -c SHA256SUMS
fi

# package@version | destination dir | "src:dest" pairs (src relative to the package root)
SPECS=(
  "htmx.org@2.0.11|htmx|dist/htmx.min.js:htmx.min.js LICENSE:LICENSE"
  "htmx-ext-sse@2.2.4|htmx-ext-sse|dist/sse.js:sse.js LICENSE:LICENSE"
  "plotly.js-dist-min@4.1.2|plotly|plotly.min.js:plotly.min.js LICENSE:LICENSE"
  "sortablejs@1.15.7|sortable|Sortable.min.js:Sortable.min.js LICENSE:LICENSE"
  "axe-core@4.14.1|axe-core|axe.min.js:axe.min.js LICENSE:LICENSE LICENSE-3RD-PARTY.txt:LICENSE-3RD-PARTY.txt"
  "@utrecht/component-library-css@9.0.4|utrecht|dist/index.css:component-library.css LICENSE.md:LICENSE.md"
  "@nl-design-system-unstable/voorbeeld-design-tokens@7.4.1|nlds-voorbeeld|dist/theme.css:design-tokens.css LICENSE.md:LICENSE.md"
)

# The typeface of page and PDF: Source Sans 3 (OFL-1.1), Latin and Latin Extended subsets,
# woff2 for browsers and woff for WeasyPrint, in the weights app.css and pdf.css use.
FONT_FILES="LICENSE:LICENSE"
for subset in latin latin-ext; do
  for face in 300-normal 400-normal 400-italic 600-normal 700-normal 700-italic; do
    for format in woff2 woff; do
      f="source-sans-3-$subset-$face.$format"
      FONT_FILES="$FONT_FILES files/$f:$f"
    done
  done
done
SPECS+=("@fontsource/source-sans-3@5.3.1|source-sans-3|$FONT_FILES")

WORK="$(mktemp -d "${TMPDIR:-/tmp}/vendor-work.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

for spec in "${SPECS[@]}"; do
  IFS='|' read -r pkg dest files <<<"$spec"
  echo ">> $pkg -> static/vendor/$dest/"
  tgz="$(cd "$WORK" && npm pack --silent "$pkg" | tail -n 1)"
  unpack="$WORK/${tgz%.tgz}"
  mkdir -p "$unpack"
  tar -xzf "$WORK/$tgz" -C "$unpack"
  mkdir -p "$VENDOR_DIR/$dest"
  for pair in $files; do
    cp "$unpack/package/${pair%%:*}" "$VENDOR_DIR/$dest/${pair#*:}"
  done
done

cd "$VENDOR_DIR"
find . -type f ! -name SHA256SUMS ! -name update.sh ! -name VENDOR.md -print0 \
  | sort -z | xargs -0 sha256sum >SHA256SUMS
echo "done; checksums in static/vendor/SHA256SUMS"
