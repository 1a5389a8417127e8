import { AliasTable, zipfWeights } from './alias';
import { bytesOf, packFragments, type FragmentTable } from './fragments';
import type { Profile, ProfileName } from './profiles';
import { Random } from './random';
import { GENRES, makeTitle } from './titles';

/**
 * A profile's web site: its users and pages, as precomputed JSON fragments an event is spliced
 * from, with skewed popularity. The catalog is the same for every seed (one site, many days of
 * traffic); the seed only chooses the events.
 */
export interface Catalog {
  /** Client i's id, 16 ASCII digits, at [16 i, 16 i + 16): fixed width, so no offset to look up. */
  readonly clientIds: DataView;
  /** `","url":{"topic":…,"page":…}}` for each (topic, page). */
  readonly pageTails: FragmentTable;
  readonly clients: AliasTable;
  readonly pages: AliasTable;
}

const CATALOG_SEED = 20170125;
export const CLIENT_ID_DIGITS = 16;

const catalogs = new Map<ProfileName, Catalog>();

/** Built once per profile: the production catalog takes a moment and is shared by every generator. */
export function catalogOf(profile: Profile): Catalog {
  let catalog = catalogs.get(profile.name);
  if (catalog === undefined) {
    catalog = buildCatalog(profile);
    catalogs.set(profile.name, catalog);
  }
  return catalog;
}

function buildCatalog(profile: Profile): Catalog {
  const random = new Random(CATALOG_SEED);
  const clientIds = makeClientIds(random, profile.clients);
  const pageTails: string[] = [];
  const pageWeights: number[] = [];
  const topicWeights = zipfWeights(profile.topics, profile.topicSkew);
  const rankWeights = zipfWeights(profile.pagesPerTopic, profile.pageSkew);
  for (let t = 0; t < profile.topics; t++) {
    const { topic, classics } = GENRES[t];
    makePageNames(random, classics, profile.pagesPerTopic).forEach((page, rank) => {
      pageTails.push(`","url":{"topic":${JSON.stringify(topic)},"page":${JSON.stringify(page)}}}`);
      pageWeights.push(topicWeights[t] * rankWeights[rank]);
    });
  }
  return {
    clientIds: bytesOf(clientIds.join('')),
    pageTails: packFragments(pageTails),
    clients: new AliasTable(zipfWeights(profile.clients, profile.clientSkew)),
    pages: new AliasTable(pageWeights),
  };
}

/** Distinct 16-digit numeric strings without a leading zero, like the ids of the original click data. */
function makeClientIds(random: Random, count: number): string[] {
  const ids = new Set<string>();
  while (ids.size < count) {
    // Two halves of eight digits: one 32-bit draw cannot cover sixteen.
    const high = 10_000_000 + random.below(90_000_000);
    ids.add(`${high}${String(random.below(100_000_000)).padStart(8, '0')}`);
  }
  return [...ids];
}

/** The topic's classics first (the most popular ranks), then distinct generated titles. */
function makePageNames(random: Random, classics: readonly string[], count: number): string[] {
  const names = new Set(classics.slice(0, count));
  while (names.size < count) names.add(makeTitle(random));
  return [...names];
}
