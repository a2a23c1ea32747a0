/** Where a command writes (process.stdout/stderr, or a buffer in tests). */
export interface Writable {
  write(text: string): unknown;
}
