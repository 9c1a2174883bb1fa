import { describe, expect, it } from 'vitest';
import { fileNameFrom, svgDataUrl } from './files';

describe('files from the API', () => {
  it('takes the file name of a Content-Disposition header', () => {
    expect(fileNameFrom('attachment; filename="attendees-e1.csv"', 'x.csv')).toBe('attendees-e1.csv');
    expect(fileNameFrom('inline; filename=tickets-b1.pdf', 'x.pdf')).toBe('tickets-b1.pdf');
    expect(fileNameFrom("attachment; filename*=UTF-8''caf%C3%A9.csv; filename=\"cafe.csv\"", 'x.csv')).toBe('café.csv');
  });

  it('falls back to the given name, and keeps folders out of a name', () => {
    expect(fileNameFrom(null, 'orders.csv')).toBe('orders.csv');
    expect(fileNameFrom('attachment', 'orders.csv')).toBe('orders.csv');
    expect(fileNameFrom('attachment; filename="../../etc/passwd"', 'x')).toBe('.._.._etc_passwd');
  });

  it('makes an SVG a data: URL an <img> can show under the app’s CSP', () => {
    const url = svgDataUrl('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><title>#1 & "2"</title></svg>');
    expect(url.startsWith('data:image/svg+xml;charset=utf-8,')).toBe(true);
    expect(decodeURIComponent(url.split(',')[1])).toContain('<title>#1 & "2"</title>');
    expect(url).not.toMatch(/[#"<>]/);
  });
});
