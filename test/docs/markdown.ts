/** Reading the project's Markdown (README.md and docs/*.md) for the tests that check it against the code. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import GithubSlugger from 'github-slugger';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** README.md and every docs/*.md, as paths relative to the checkout. */
export function markdownFiles(): string[] {
  return ['README.md', ...readdirSync(`${ROOT}docs`).filter(name => name.endsWith('.md')).sort().map(name => `docs/${name}`)];
}

export function readDoc(path: string): string {
  return readFileSync(`${ROOT}${path}`, 'utf8');
}

export interface CodeBlock {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The info string after the fence, e.g. `ts runnable`. */
  readonly info: string;
  readonly code: string;
}

/** The fenced code blocks of a Markdown text. */
export function codeBlocks(file: string, text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(```+)(.*)$/.exec(lines[i] ?? '');
    if (!open) continue;
    const fence = open[1] ?? '```';
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j] ?? '').startsWith(fence)) body.push(lines[j++] ?? '');
    blocks.push({ file, line: i + 1, info: (open[2] ?? '').trim(), code: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** The text with fenced code blocks and inline code blanked out (links inside them are not links). */
function proseOf(text: string): string {
  let inFence = false;
  return text
    .split('\n')
    .map(line => {
      if (line.startsWith('```')) {
        inFence = !inFence;
        return '';
      }
      return inFence ? '' : line.replace(/`[^`]*`/g, '``');
    })
    .join('\n');
}

/** Every link target written as `[text](target)` outside code. */
export function linkTargets(text: string): string[] {
  return [...proseOf(text).matchAll(/\]\(([^)\s]+)\)/g)].map(m => m[1] ?? '');
}

/** The anchors GitHub gives the headings of a Markdown text. */
export function headingAnchors(text: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  let inFence = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const heading = inFence ? null : /^#{1,6} (.*)$/.exec(line);
    if (heading) anchors.add(slugger.slug((heading[1] ?? '').replace(/`/g, '')));
  }
  return anchors;
}

/** The rows (cells, trimmed) of the first Markdown table after `heading` (a whole heading line), header rows left out. */
export function tableUnder(text: string, heading: string): string[][] {
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no heading ${heading}`);
  return tables(text.slice(start + heading.length + 2))[0]?.rows ?? [];
}

/** The cells of a table row; an escaped pipe (`\|`) stays inside its cell. */
const cellsOf = (line: string): string[] =>
  line
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map(cell => cell.replaceAll('\\|', '|').trim());

/** Every Markdown table of a text: its header cells and its body rows' cells. */
export function tables(text: string): { header: string[]; rows: string[][] }[] {
  const found: { header: string[]; rows: string[][] }[] = [];
  let current: string[][] | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('|')) (current ??= []).push(cellsOf(line));
    else if (current) {
      found.push({ header: current[0] ?? [], rows: current.slice(2) });
      current = null;
    }
  }
  if (current) found.push({ header: current[0] ?? [], rows: current.slice(2) });
  return found;
}

/** The names in backticks of a table cell: `` `a`, `b` `` → a, b. */
export function codeNames(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map(m => m[1] ?? '');
}
