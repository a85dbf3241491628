/** Search words for the lexical indexes: lower-case, Unicode-aware, short. */
const MAX_WORD = 40;
const MAX_WORDS = 24;

export function searchWords(...texts: (string | undefined)[]): string[] {
  const words = new Set<string>();
  for (const text of texts) {
    if (!text) continue;
    const lower = text.normalize('NFKC').toLowerCase();
    for (const w of lower.split(/[^\p{L}\p{N}]+/u)) if (w) words.add(w.slice(0, MAX_WORD));
  }
  return [...words].slice(0, MAX_WORDS);
}

/** The query's words: every one must prefix-match some indexed word. */
export function queryWords(q: string): string[] {
  return searchWords(q).slice(0, 4);
}
