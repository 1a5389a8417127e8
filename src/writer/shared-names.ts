import { KeyReader } from '../wire/key-store';
import type { DictionaryDelta } from '../wire/emission';
import type { Names } from '../windows/window';

/**
 * One generation of a shard's names, read where the shard's worker keeps them (shared memory), as
 * strings only once a sink asks for them: a job writing to no sink holds no client_id twice, and one
 * writing to a store holds each as a string from the first window that needs it on. Topics and pages,
 * few and read at every write (the progress line's top page), are decoded as they arrive.
 * Each emission says how many names the stores hold; the arrays grow to that and never change.
 */
export class SharedNames implements Names {
  readonly topics: string[] = [];
  readonly pages: string[] = [];
  private readonly decodedClients: string[] = [];
  private clientCount = 0;
  private readonly clientKeys: KeyReader;
  private readonly pageKeys: KeyReader;

  constructor(stores: NonNullable<DictionaryDelta['stores']>) {
    this.clientKeys = new KeyReader(stores.clients);
    this.pageKeys = new KeyReader(stores.pages);
  }

  get clients(): readonly string[] {
    const decoded = this.decodedClients;
    if (decoded.length < this.clientCount) {
      this.clientKeys.forEach(decoded.length, this.clientCount, (bytes, start, end) => decoded.push(bytes.toString('utf8', start, end)));
    }
    return decoded;
  }

  /** Takes in a delta of the same generation. */
  grow(delta: DictionaryDelta): void {
    this.clientCount = delta.clients;
    const { topics, pages } = this;
    this.pageKeys.forEach(pages.length, delta.pages, (bytes, start, end, topicLength) => {
      topics.push(bytes.toString('utf8', start, start + topicLength));
      pages.push(bytes.toString('utf8', start + topicLength, end));
    });
  }
}
