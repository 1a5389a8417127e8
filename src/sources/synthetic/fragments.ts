/**
 * Many short byte strings packed back to back in one array: copying fragment i touches one
 * contiguous region instead of a Buffer object per fragment, which keeps random picks among
 * 100,000 of them in cache.
 */
export interface FragmentTable {
  readonly bytes: DataView;
  /** Fragment i is bytes[starts[i], starts[i + 1]). */
  readonly starts: Uint32Array;
  readonly longest: number;
}

export function packFragments(texts: readonly string[]): FragmentTable {
  const encoded = texts.map((text) => Buffer.from(text));
  const starts = new Uint32Array(encoded.length + 1);
  let longest = 0;
  encoded.forEach((fragment, i) => {
    starts[i + 1] = starts[i] + fragment.length;
    longest = Math.max(longest, fragment.length);
  });
  const bytes = new Uint8Array(starts[encoded.length]);
  encoded.forEach((fragment, i) => bytes.set(fragment, starts[i]));
  return { bytes: new DataView(bytes.buffer), starts, longest };
}

/** The UTF-8 bytes of `text`, in the form SlabWriter copies from. */
export function bytesOf(text: string): DataView {
  const encoded = Buffer.from(text);
  return new DataView(encoded.buffer, encoded.byteOffset, encoded.length);
}
