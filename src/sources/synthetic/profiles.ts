/** The two topics of the original click stream, dev-stream and production, as synthetic workloads. */
export interface Profile {
  readonly name: ProfileName;
  /** Event-time spacing of consecutive events: the topic's nominal rate. */
  readonly intervalMs: number;
  readonly clients: number;
  readonly topics: number;
  readonly pagesPerTopic: number;
  /** Zipf exponents of popularity (0 = uniform). */
  readonly clientSkew: number;
  readonly topicSkew: number;
  readonly pageSkew: number;
}

export type ProfileName = 'dev' | 'production';

const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  // dev-stream: ~4 events/s over a pool so small that every client revisits pages within a window.
  dev: {
    name: 'dev',
    intervalMs: 250,
    clients: 20,
    topics: 3,
    pagesPerTopic: 8,
    clientSkew: 0.3,
    topicSkew: 0.3,
    pageSkew: 0.6,
  },
  // production: several hundred events/s, large pools, a long tail of rarely seen pages and users.
  production: {
    name: 'production',
    intervalMs: 2,
    clients: 100_000,
    topics: 10,
    pagesPerTopic: 1000,
    clientSkew: 0.6,
    topicSkew: 0.8,
    pageSkew: 1.0,
  },
};

export function profileNamed(name: ProfileName): Profile {
  return PROFILES[name];
}

/** Events per second of event time: the rate the real topic delivers, and --rate's default. */
export function nominalRate(profile: Profile): number {
  return 1000 / profile.intervalMs;
}
