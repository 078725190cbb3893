/** A secret resolver that answers `value-of-<ref>` and records which references were asked for. */
export function recordingResolver() {
  const asked: string[] = [];
  const resolveSecret = async (ref: string) => {
    asked.push(ref);
    return `value-of-${ref}`;
  };
  return { asked, resolveSecret };
}
