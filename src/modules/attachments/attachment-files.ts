import { isUtf8 } from 'node:buffer';

/** Rules about files themselves: names, types, and what of them a model gets. */

/** A file name safe to store and to send back in Content-Disposition: no path, no control characters. */
export function sanitizeFileName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[/\\]/).pop() ?? '';
  const clean = base
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}"<>|:*?]/gu, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  return [...(clean || 'file')].slice(0, 200).join('');
}

/** `Type/Sub; charset=x` → `type/sub`. */
export function normalizeContentType(raw: string | undefined): string {
  return (raw ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Whether `type` is in `allowed` (entries `type/sub` or `type/*`). */
export function contentTypeAllowed(type: string, allowed: readonly string[]): boolean {
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type)) return false;
  const family = `${type.split('/')[0]}/*`;
  return allowed.includes(type) || allowed.includes(family);
}

/** Types a model gets as text: text/*, JSON. */
export function isTextLike(type: string): boolean {
  return type.startsWith('text/') || type === 'application/json' || type.endsWith('+json');
}

const SIGNATURES: Record<string, (bytes: Buffer) => boolean> = {
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => ['GIF87a', 'GIF89a'].includes(b.subarray(0, 6).toString('latin1')),
  'image/webp': (b) =>
    b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  'application/pdf': (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
};

/**
 * Whether the bytes are what the declared type says, for the types a model or a browser would
 * interpret by their bytes (images, PDF); text must be UTF-8. Other types are not checked.
 */
export function contentMatchesType(type: string, bytes: Buffer): boolean {
  const check = SIGNATURES[type];
  if (check) return check(bytes);
  if (isTextLike(type)) return isUtf8(bytes);
  return true;
}

/** `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266). */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
