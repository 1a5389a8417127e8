import { columnsOf, type Names, type VisitRun, type WindowColumns, type WindowRows } from '../../windows/window';

/** Bytes handed to the output at once: large sequential writes, few system calls. */
const CHUNK_BYTES = 1 << 20;
/** Room a row needs beyond its copied parts: a count's digits (at most 10 below 2^32) and `}\n`. */
const ROW_SLACK = 16;

/**
 * JSON text by dictionary entry: a client's `"id"`; a page's `,"topic":"…","page":"…","visits":` for
 * client_page_visits rows and `,"topic":"…","page":"…","visitors":` for page_unique_visitors rows.
 * Clients, a hundred thousand and more, lie one after another in one buffer; an object each, read in
 * random order, cost a cache miss a row.
 */
interface EncodedNames {
  readonly clients: TextArena;
  readonly visitPages: (Uint8Array | undefined)[];
  readonly visitorPages: (Uint8Array | undefined)[];
}

/**
 * Formats windows as JSON lines straight from their columns into one reused buffer, handed to `write`
 * whenever it fills (and on `flush`). Each name is JSON-encoded once per dictionary entry — with
 * JSON.stringify, so its escaping is JSON.stringify's exactly — and each window's times once per
 * window; a row is then those bytes copied and its count's digits: no object or string per row. The
 * bytes are those of JSON.stringify-built lines with the fields in SPEC order (jsonl-sink test).
 */
export class JsonlFormatter {
  private out: Buffer;
  private at = 0;
  private readonly encoded = new WeakMap<Names, EncodedNames>();

  constructor(
    private readonly write: (bytes: Uint8Array) => void,
    chunkBytes = CHUNK_BYTES,
  ) {
    this.out = Buffer.allocUnsafe(chunkBytes);
  }

  /** The window's lines: its client_page_visits rows, its page_unique_visitors rows, its windows row. */
  window(window: WindowRows): void {
    const columns = columnsOf(window);
    const time = `"window_start":${window.windowStart},"window_end":${window.windowEnd},"window_ts":${window.windowTs}`;
    const visitPrefix = Buffer.from(`{"table":"client_page_visits",${time},"client_id":`, 'utf8');
    for (const run of columns.visits) this.visitRun(visitPrefix, run);
    this.visitorRows(Buffer.from(`{"table":"page_unique_visitors",${time}`, 'utf8'), columns.visitors);
    const last = Buffer.from(`{"table":"windows",${time},"events":${window.events}}\n`, 'utf8');
    this.reserve(last.length);
    this.out.set(last, this.at);
    this.at += last.length;
  }

  /** Hands over what is buffered. */
  flush(): void {
    if (this.at === 0) return;
    const filled = this.at;
    this.at = 0;
    this.write(this.out.subarray(0, filled));
  }

  /**
   * The hot loop, the buffer and its fill kept in locals. Per row: the window's prefix and the page's
   * JSON copied with set(), the client's JSON copied byte by byte from its arena (short, and no view
   * to make), the count's digits.
   */
  private visitRun(prefix: Uint8Array, { names, rows, from, to }: VisitRun): void {
    const { clients, visitPages } = this.encodedOf(names);
    const fixed = prefix.length + ROW_SLACK;
    let out = this.out;
    let at = this.at;
    let spans = clients.spans;
    for (let r = 3 * from; r < 3 * to; r += 3) {
      const id = rows[r];
      if (spans[2 * id + 1] === 0) {
        clients.add(id, JSON.stringify(names.clients[id]));
        spans = clients.spans;
      }
      const start = spans[2 * id];
      const end = spans[2 * id + 1];
      const page = visitPages[rows[r + 1]] ?? this.encodePages(names, rows[r + 1]).visit;
      const need = fixed + end - start + page.length;
      if (at + need > out.length) {
        this.at = at;
        this.reserve(need);
        out = this.out;
        at = this.at;
      }
      out.set(prefix, at);
      at += prefix.length;
      const bytes = clients.bytes;
      for (let i = start; i < end; i++) out[at++] = bytes[i];
      out.set(page, at);
      at = writeCount(out, at + page.length, rows[r + 2]);
    }
    this.at = at;
  }

  private visitorRows(prefix: Uint8Array, { names, run, pageIds, visitors }: WindowColumns['visitors']): void {
    const encoded = names.map((of) => this.encodedOf(of).visitorPages);
    for (let i = 0; i < pageIds.length; i++) {
      const page = encoded[run[i]][pageIds[i]] ?? this.encodePages(names[run[i]], pageIds[i]).visitor;
      this.reserve(prefix.length + page.length + ROW_SLACK);
      const { out } = this;
      out.set(prefix, this.at);
      out.set(page, this.at + prefix.length);
      this.at = writeCount(out, this.at + prefix.length + page.length, visitors[i]);
    }
  }

  /** Makes room for `bytes` more: flushes when they do not fit, grows for a row longer than the buffer. */
  private reserve(bytes: number): void {
    if (this.at + bytes <= this.out.length) return;
    this.flush();
    if (bytes > this.out.length) this.out = Buffer.allocUnsafe(bytes);
  }

  /** The names' cache, as long as the names are now (kept dense: a holey array far past its end turns slow). */
  private encodedOf(names: Names): EncodedNames {
    let encoded = this.encoded.get(names);
    if (encoded === undefined) this.encoded.set(names, (encoded = { clients: new TextArena(), visitPages: [], visitorPages: [] }));
    const { clients, visitPages, visitorPages } = encoded;
    clients.reserveIds(names.clients.length);
    while (visitPages.length < names.pages.length) {
      visitPages.push(undefined);
      visitorPages.push(undefined);
    }
    return encoded;
  }

  private encodePages(names: Names, id: number): { visit: Uint8Array; visitor: Uint8Array } {
    const encoded = this.encoded.get(names)!;
    const page = `,"topic":${JSON.stringify(names.topics[id])},"page":${JSON.stringify(names.pages[id])},`;
    const visit = (encoded.visitPages[id] = Buffer.from(`${page}"visits":`, 'utf8'));
    const visitor = (encoded.visitorPages[id] = Buffer.from(`${page}"visitors":`, 'utf8'));
    return { visit, visitor };
  }
}

/** Texts by id, UTF-8, one after another in one buffer: id's bytes are [spans[2 id], spans[2 id + 1]), an empty span until added. */
class TextArena {
  bytes = Buffer.allocUnsafe(1 << 16);
  spans = new Uint32Array(1 << 10);
  private end = 0;

  reserveIds(count: number): void {
    if (2 * count <= this.spans.length) return;
    const spans = new Uint32Array(Math.max(2 * count, 2 * this.spans.length));
    spans.set(this.spans);
    this.spans = spans;
  }

  add(id: number, text: string): void {
    const length = Buffer.byteLength(text, 'utf8');
    if (this.end + length > this.bytes.length) {
      const bytes = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.end + length));
      bytes.set(this.bytes.subarray(0, this.end));
      this.bytes = bytes;
    }
    this.bytes.write(text, this.end, 'utf8');
    this.spans[2 * id] = this.end;
    this.end += length;
    this.spans[2 * id + 1] = this.end;
  }
}

/** A count's digits (an integer in [0, 2^32), as `${n}` writes it) and `}\n` at `at`; returns where they end. */
function writeCount(out: Uint8Array, at: number, n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = (rest / 10) >>> 0) digits++;
  const end = at + digits;
  out[end] = 0x7d; // }
  out[end + 1] = 0x0a; // \n
  let rest = n;
  for (let i = end - 1; i >= at; i--) {
    const next = (rest / 10) >>> 0;
    out[i] = 0x30 + rest - next * 10;
    rest = next;
  }
  return end + 2;
}
