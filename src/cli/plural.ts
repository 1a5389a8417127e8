/** `n` and the noun that goes with it: "1 window", "2 windows", "1,024 events". */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? singular : plural}`;
}
