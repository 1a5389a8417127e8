import { type Read, windowEndsOf } from './client';
import { forEachConcurrently } from './concurrency';
import { walkBackDays } from './partitions';
import type { ReadCql } from './reads';
import type { LatestChanges } from './writes';

const PARALLEL_READS = 16;

/**
 * Keeps topic_latest_window exact, so the recommender finds a topic's latest window in one read.
 * Writing window E: a topic of E whose latest is older (or absent) moves up to E; a topic an earlier
 * write of E had and this one lacks, whose latest was E, falls back to its latest window before E
 * (walking topic_windows back a bounded number of days), or loses its row. Read-then-write is sound
 * because one sink writes a keyspace's windows, one window at a time.
 */
export async function latestChanges(
  read: Read,
  cql: ReadCql,
  windowEnd: number,
  topics: readonly string[],
  previousTopics: readonly string[],
): Promise<LatestChanges> {
  const present = new Set(topics);
  const dropped = previousTopics.filter((topic) => !present.has(topic));
  const changes = new Map<string, number | null>();
  const latestOf = async (topic: string): Promise<number | null> =>
    windowEndsOf(await read(cql.latestWindowOfTopic, [topic]))[0] ?? null;
  await forEachConcurrently(topics, PARALLEL_READS, async (topic) => {
    const latest = await latestOf(topic);
    if (latest === null || latest < windowEnd) changes.set(topic, windowEnd);
  });
  await forEachConcurrently(dropped, PARALLEL_READS, async (topic) => {
    if ((await latestOf(topic)) !== windowEnd) return;
    const [before] = await walkBackDays(windowEnd, 1, async (day, limit) =>
      windowEndsOf(await read(cql.topicWindowsBefore, [topic, day, windowEnd, limit])));
    changes.set(topic, before ?? null);
  });
  return changes;
}
