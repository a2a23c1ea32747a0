import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headingAnchors, linkTargets, markdownFiles, readDoc, ROOT } from './markdown.js';

describe('relative links of README.md and docs/', () => {
  const files = markdownFiles();

  it('finds the reference pages', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files)('%s: every relative link names a file of the checkout, and an anchor of it', file => {
    const broken: string[] = [];
    const targets = linkTargets(readDoc(file)).filter(target => !/^[a-z][a-z0-9+.-]*:/i.test(target));
    for (const target of targets) {
      const [path = '', anchor] = target.split('#');
      const resolved = path === '' ? file : normalize(join(dirname(file), decodeURI(path)));
      if (resolved.startsWith('..') || !existsSync(join(ROOT, resolved))) {
        broken.push(`${target}: no file ${resolved}`);
        continue;
      }
      if (anchor === undefined) continue;
      if (!resolved.endsWith('.md') || statSync(join(ROOT, resolved)).isDirectory()) broken.push(`${target}: an anchor into a file that is not Markdown`);
      else if (!headingAnchors(readDoc(resolved)).has(anchor)) broken.push(`${target}: no heading #${anchor} in ${resolved}`);
    }
    expect(broken).toEqual([]);
  });

  it.each(files.filter(file => file.startsWith('docs/')))('%s starts with a title and a two-line summary', file => {
    const [title, blank, first, second, after] = readDoc(file).split('\n');
    expect(title).toMatch(/^# \S/);
    expect([blank, after]).toEqual(['', '']);
    expect(first?.trim()).not.toBe('');
    expect(second?.trim()).not.toBe('');
  });
});
