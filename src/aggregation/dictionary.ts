import { ByteInterner } from './byte-interner';
import type { DictionaryDelta } from '../wire/emission';
import { keyHashOf } from '../hashing/fnv1a';

/**
 * A shard's interned client_ids and (topic, page) pairs. Panes and windows hold small integer ids,
 * and a window's rows cross to the writer as ids; the names go across once, as a delta of the
 * entries added since the last emission, and the writer keeps a mirror. When most entries no longer
 * occur in any open pane, the dictionary is rebuilt from the live ones (and the mirror reset), so it
 * stays proportional to the keys of the open windows, not to every client ever seen.
 */
export class ShardDictionary {
  private clientIds = new ByteInterner();
  private pageIds = new ByteInterner();
  clients: string[] = [];
  topics: string[] = [];
  pages: string[] = [];
  /** Entries the writer's mirror already holds. */
  private sentClients = 0;
  private sentPages = 0;
  private isReset = true;

  /** The id of the client_id in bytes[start, end) (UTF-8), with keyHashOf `hash`; its name is decoded only when new. */
  clientId(bytes: Buffer, start: number, end: number, hash: number): number {
    const id = this.clientIds.intern(bytes, start, end, 0, hash);
    if (this.clientIds.isNew) this.clients.push(bytes.toString('utf8', start, end));
    return id;
  }

  /** The id of the topic in bytes[start, topicEnd) with the page in bytes[topicEnd, end), tagged with the topic's length. */
  pageId(bytes: Buffer, start: number, topicEnd: number, end: number, hash: number): number {
    const id = this.pageIds.intern(bytes, start, end, topicEnd - start, hash);
    if (this.pageIds.isNew) {
      this.topics.push(bytes.toString('utf8', start, topicEnd));
      this.pages.push(bytes.toString('utf8', topicEnd, end));
    }
    return id;
  }

  size(): number {
    return this.clients.length + this.pages.length;
  }

  /** What the writer's mirror lacks; afterwards it is considered sent. */
  takeDelta(): DictionaryDelta {
    const delta: DictionaryDelta = {
      reset: this.isReset,
      clients: this.clients.slice(this.sentClients),
      topics: this.topics.slice(this.sentPages),
      pages: this.pages.slice(this.sentPages),
    };
    this.sentClients = this.clients.length;
    this.sentPages = this.pages.length;
    this.isReset = false;
    return delta;
  }

  /**
   * Starts over with only the given live ids; returns the old → new id maps so the caller can
   * renumber what it holds.
   */
  rebuild(liveClients: Iterable<number>, livePages: Iterable<number>): { clients: Int32Array; pages: Int32Array } {
    const { clients, topics, pages } = this;
    const clientMap = new Int32Array(clients.length).fill(-1);
    const pageMap = new Int32Array(pages.length).fill(-1);
    this.clientIds = new ByteInterner();
    this.pageIds = new ByteInterner();
    this.clients = [];
    this.topics = [];
    this.pages = [];
    for (const id of liveClients) {
      const bytes = Buffer.from(clients[id], 'utf8');
      clientMap[id] = this.clientId(bytes, 0, bytes.length, keyHashOf(bytes, 0, bytes.length, 0));
    }
    for (const id of livePages) {
      const topic = Buffer.from(topics[id], 'utf8');
      const bytes = Buffer.concat([topic, Buffer.from(pages[id], 'utf8')]);
      pageMap[id] = this.pageId(bytes, 0, topic.length, bytes.length, keyHashOf(bytes, 0, bytes.length, topic.length));
    }
    this.sentClients = 0;
    this.sentPages = 0;
    this.isReset = true;
    return { clients: clientMap, pages: pageMap };
  }
}
