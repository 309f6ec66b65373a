import {
  contentDisposition,
  contentMatchesType,
  contentTypeAllowed,
  normalizeContentType,
  sanitizeFileName,
} from './attachment-files';

describe('attachment files', () => {
  it('keeps only the base name, without control or quoting characters', () => {
    expect(sanitizeFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFileName('C:\\Users\\me\\report "final".pdf')).toBe('report _final_.pdf');
    expect(sanitizeFileName('a\u0000b\u202ec.txt')).toBe('a_b_c.txt');
    expect(sanitizeFileName('...hidden')).toBe('hidden');
    expect(sanitizeFileName('  ')).toBe('file');
    expect(sanitizeFileName(undefined)).toBe('file');
    expect([...sanitizeFileName('é'.repeat(300))]).toHaveLength(200);
  });

  it('matches content types against the allowed list, families included', () => {
    const allowed = ['text/*', 'application/json', 'image/png'];
    expect(normalizeContentType('Text/Markdown; charset=UTF-8')).toBe('text/markdown');
    expect(contentTypeAllowed('text/markdown', allowed)).toBe(true);
    expect(contentTypeAllowed('application/json', allowed)).toBe(true);
    expect(contentTypeAllowed('image/jpeg', allowed)).toBe(false);
    expect(contentTypeAllowed('', allowed)).toBe(false);
    expect(contentTypeAllowed('text/', allowed)).toBe(false);
  });

  it('checks the bytes of images, PDF and text', () => {
    expect(contentMatchesType('image/gif', Buffer.from('GIF89a....'))).toBe(true);
    expect(contentMatchesType('image/jpeg', Buffer.from('GIF89a....'))).toBe(false);
    expect(contentMatchesType('application/pdf', Buffer.from('%PDF-1.4'))).toBe(true);
    expect(contentMatchesType('text/plain', Buffer.from('héllo'))).toBe(true);
    expect(contentMatchesType('text/plain', Buffer.from([0xc3, 0x28]))).toBe(false);
  });

  it('writes a Content-Disposition with an ASCII fallback and the UTF-8 name', () => {
    expect(contentDisposition('a "b".txt')).toBe(`attachment; filename="a _b_.txt"; filename*=UTF-8''a%20%22b%22.txt`);
    expect(contentDisposition("l'été.txt")).toBe(
      `attachment; filename="l'_t_.txt"; filename*=UTF-8''l%27%C3%A9t%C3%A9.txt`,
    );
  });
});
