import { fileUrlOf } from '../files/dto/file.dto';
import { SHORT_MEDIA_PATHS } from '../files/delivery/short-media-paths';

/** What a client configuration is made of: where the site is and the upload-only token it uploads with. */
export interface UploadClientTarget {
  siteName: string;
  /** PUBLIC_URL, without a trailing slash. */
  publicUrl: string;
  username: string;
  /** The secret of a `files:write` token made for this configuration. */
  token: string;
  /** The name the token is listed under (GET /api/v1/me/tokens). */
  tokenName: string;
}

/** The upload route, absolute. */
const uploadUrlOf = (target: UploadClientTarget): string => `${target.publicUrl}${fileUrlOf('').replace(/\/$/, '')}`;

/**
 * A ShareX custom uploader (`.sxcu`, the format of ShareX 13+: `{json:path}` reads the answer). ShareX posts the
 * image as multipart `file` and takes the direct link to the bytes, the short `/r/<key>`, as the URL.
 */
export function shareXConfig(target: UploadClientTarget): ShareXConfig {
  const host = new URL(target.publicUrl).host;
  return {
    Version: '15.0.0',
    Name: `${target.siteName} (${host})`,
    DestinationType: 'ImageUploader',
    RequestMethod: 'POST',
    RequestURL: uploadUrlOf(target),
    Headers: { Authorization: `Bearer ${target.token}` },
    Body: 'MultipartFormData',
    FileFormName: 'file',
    URL: `${target.publicUrl}{json:urls.short.raw}`,
    ThumbnailURL: `${target.publicUrl}{json:urls.short.thumbnail}`,
    ErrorMessage: '{json:message}',
  };
}

export interface ShareXConfig {
  Version: string;
  Name: string;
  DestinationType: 'ImageUploader';
  RequestMethod: 'POST';
  RequestURL: string;
  Headers: { Authorization: string };
  Body: 'MultipartFormData';
  FileFormName: 'file';
  URL: string;
  ThumbnailURL: string;
  ErrorMessage: string;
}

/** A string as one single-quoted shell word. */
const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * A bash script for Linux screenshot tools: it uploads the image it is given (an argument or MALTED_UPLOAD_FILE),
 * or else a screenshot from flameshot (X11 and Wayland) or grim + slurp (wlroots Wayland), with curl, then prints
 * the link (and copies it to the clipboard and shows a notification where it can).
 */
export function screenshotScript(target: UploadClientTarget): string {
  return `#!/usr/bin/env bash
# Uploads a screenshot to ${target.siteName} (${target.publicUrl}) as ${target.username} and prints its link.
#
#   ${scriptFileName(target)} [image]         no image: take one with flameshot, or grim + slurp
#   MALTED_UPLOAD_FILE=image ${scriptFileName(target)}
#
# Flameshot: bind a key to this script, or pipe to it yourself (flameshot gui --raw > shot.png).
# It uses an upload-only token named "${target.tokenName}": revoking it (DELETE /api/v1/me/tokens/:id)
# disables this script and nothing else. Needs bash and curl.
set -euo pipefail

MALTED_URL=${shellQuote(target.publicUrl)}
MALTED_TOKEN=${shellQuote(target.token)}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

file="\${1:-\${MALTED_UPLOAD_FILE:-}}"
if [ -z "$file" ]; then
  file="$work/screenshot.png"
  if command -v flameshot >/dev/null 2>&1; then
    flameshot gui --raw >"$file"
  elif command -v grim >/dev/null 2>&1 && command -v slurp >/dev/null 2>&1; then
    grim -g "$(slurp)" "$file"
  elif command -v grim >/dev/null 2>&1; then
    grim "$file"
  else
    echo "malted: install flameshot, or grim and slurp, or pass an image file" >&2
    exit 1
  fi
fi
if [ ! -s "$file" ]; then
  echo "malted: no image to upload (was the screenshot cancelled?)" >&2
  exit 1
fi

# curl -F reads a comma, semicolon or quote in a path as syntax: it uploads a copy with a plain name.
cp -- "$file" "$work/upload"
status="$(curl --silent --show-error --output "$work/body" --dump-header "$work/headers" --write-out '%{http_code}' \\
  --header "Authorization: Bearer $MALTED_TOKEN" --form "file=@$work/upload" "$MALTED_URL${fileUrlOf('').replace(/\/$/, '')}")"
if [ "$status" != 201 ]; then
  echo "malted: upload failed ($status): $(cat "$work/body")" >&2
  exit 1
fi
key="$(tr -d '\\r' <"$work/headers" | sed -n 's|^[Ll]ocation: .*/files/\\([A-Za-z0-9]*\\)$|\\1|p')"
if [ -z "$key" ]; then
  echo "malted: the answer named no file" >&2
  exit 1
fi
link="$MALTED_URL/${SHORT_MEDIA_PATHS.raw}/$key"

if command -v wl-copy >/dev/null 2>&1 && [ -n "\${WAYLAND_DISPLAY:-}" ]; then
  printf '%s' "$link" | wl-copy || true
elif command -v xclip >/dev/null 2>&1 && [ -n "\${DISPLAY:-}" ]; then
  printf '%s' "$link" | xclip -selection clipboard || true
fi
if command -v notify-send >/dev/null 2>&1 && [ -n "\${DISPLAY:-}\${WAYLAND_DISPLAY:-}" ]; then
  notify-send "${target.siteName.replace(/["$`\\]/g, '')}" "$link" || true
fi
echo "$link"
`;
}

export const shareXFileName = (target: UploadClientTarget): string =>
  `${new URL(target.publicUrl).host.replace(/[^A-Za-z0-9.-]/g, '-')}.sxcu`;
export const scriptFileName = (target: UploadClientTarget): string =>
  `${new URL(target.publicUrl).host.replace(/[^A-Za-z0-9.-]/g, '-')}-upload.sh`;
