/**
 * Edit distance with adjacent transpositions (optimal string alignment): the fewest one-character
 * insertions, deletions, substitutions or swaps of two neighbours from a to b. Swaps count once
 * because "sned" for "send" is the commonest typo, and plain Levenshtein would count it twice.
 */
export function editDistance(a: string, b: string): number {
  // Three rows of the dynamic-programming table: cell j of row i is the distance from a[0..i) to b[0..j).
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, (before[j - 2] ?? 0) + 1);
      row.push(best);
    }
    before = previous;
    previous = row;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate closest to what was typed, when it is close enough to be a typo (at most a third
 * of the word's characters wrong, and at least one allowed); undefined otherwise.
 */
export function closestMatch(typed: string, candidates: readonly string[]): string | undefined {
  const input = typed.toLowerCase();
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(input, candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(input.length, best.candidate.length) / 3));
  return best.distance <= allowed ? best.candidate : undefined;
}

/**
 * ` (did you mean x?)` when one candidate is close, else the empty string: for the names commander
 * does not know (help topics, sources, destinations), worded as its own suggestions are.
 */
export function didYouMean(typed: string, candidates: readonly string[]): string {
  const match = closestMatch(typed, candidates);
  return match ? ` (did you mean ${match}?)` : '';
}
