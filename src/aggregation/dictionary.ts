/**
 * A shard's interned client_ids and (topic, page) pairs. Panes and windows hold small integer ids,
 * and a window's rows cross to the writer as ids; the names go across once, as a delta of the
 * entries added since the last emission, and the writer keeps a mirror. When most entries no longer
 * occur in any open pane, the dictionary is rebuilt from the live ones (and the mirror reset), so it
 * stays proportional to the keys of the open windows, not to every client ever seen.
 */
export class ShardDictionary {
  private clientIds = new Map<string, number>();
  private pageIds = new Map<string, Map<string, number>>();
  clients: string[] = [];
  topics: string[] = [];
  pages: string[] = [];
  /** Entries the writer's mirror already holds. */
  private sentClients = 0;
  private sentPages = 0;
  private isReset = true;

  clientId(clientId: string): number {
    let id = this.clientIds.get(clientId);
    if (id === undefined) {
      id = this.clients.length;
      this.clientIds.set(clientId, id);
      this.clients.push(clientId);
    }
    return id;
  }

  pageId(topic: string, page: string): number {
    let byPage = this.pageIds.get(topic);
    if (byPage === undefined) this.pageIds.set(topic, (byPage = new Map()));
    let id = byPage.get(page);
    if (id === undefined) {
      id = this.pages.length;
      byPage.set(page, id);
      this.topics.push(topic);
      this.pages.push(page);
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
    const clients = this.clients;
    const topics = this.topics;
    const pages = this.pages;
    const clientMap = new Int32Array(clients.length).fill(-1);
    const pageMap = new Int32Array(pages.length).fill(-1);
    this.clientIds = new Map();
    this.pageIds = new Map();
    this.clients = [];
    this.topics = [];
    this.pages = [];
    for (const id of liveClients) clientMap[id] = this.clientId(clients[id]);
    for (const id of livePages) pageMap[id] = this.pageId(topics[id], pages[id]);
    this.sentClients = 0;
    this.sentPages = 0;
    this.isReset = true;
    return { clients: clientMap, pages: pageMap };
  }
}

/** Dictionary entries for the writer's mirror of one shard; `reset` drops what it held before. */
export interface DictionaryDelta {
  readonly reset: boolean;
  readonly clients: string[];
  readonly topics: string[];
  readonly pages: string[];
}
