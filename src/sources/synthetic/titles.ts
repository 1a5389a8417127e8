import type { Random } from './random';

/**
 * Movie-genre topics, each led by a few well-known titles. Some names are not ASCII (accents,
 * CJK, Korean, an emoji) so every stage handles multi-byte UTF-8, and one has a comma.
 */
export const GENRES: ReadonlyArray<{ readonly topic: string; readonly classics: readonly string[] }> = [
  { topic: 'Action', classics: ['Die Hard', 'Léon', 'Mad Max: Fury Road'] },
  { topic: 'Comedy', classics: ['Amélie', 'Groundhog Day', 'Y tu mamá también'] },
  { topic: 'Drama', classics: ['The Shawshank Redemption', 'Das Boot', 'Cinema Paradiso'] },
  { topic: 'Sci-Fi', classics: ['Blade Runner', 'Solaris', 'Metropolis'] },
  { topic: 'Horror', classics: ['The Shining', 'Låt den rätte komma in', 'Nosferatu'] },
  { topic: 'Romance', classics: ['Casablanca', 'Before Sunrise', 'Roman Holiday'] },
  { topic: 'Thriller', classics: ['Se7en', 'Oldboy (올드보이)', 'Vertigo'] },
  { topic: 'Animation', classics: ['千と千尋の神隠し', 'WALL·E', 'The Emoji Movie 😀'] },
  { topic: 'Documentary', classics: ['Man on Wire', 'Nanook of the North', 'Hoop Dreams'] },
  { topic: 'Western', classics: ['The Good, the Bad and the Ugly', 'High Noon', '¡Three Amigos!'] },
];

const ADJECTIVES = [
  'Last', 'Silent', 'Hidden', 'Broken', 'Golden', 'Lost', 'Dark', 'Eternal', 'Crimson', 'Forgotten',
  'Wild', 'Final', 'Burning', 'Frozen', 'Invisible', 'Midnight', 'Electric', 'Distant', 'Fearless',
  'Little', 'Great', 'Lonely', 'Savage', 'Quiet', 'Strange', 'Endless', 'Brave', 'Cold', 'Perfect',
  'Sweet', 'Bitter', 'Iron', 'Velvet', 'Wicked', 'Fragile', 'Restless', 'Blue', 'Scarlet', 'Naïve',
];

const NOUNS = [
  'Moon', 'River', 'Shadow', 'Garden', 'Storm', 'Heart', 'Ghost', 'Empire', 'Secret', 'Promise',
  'Machine', 'Winter', 'Summer', 'Kingdom', 'Letter', 'Island', 'Detective', 'Stranger', 'Dragon',
  'Station', 'Mirror', 'Ocean', 'Harvest', 'Train', 'Soldier', 'Queen', 'King', 'Thief', 'Witness',
  'Engine', 'Forest', 'Lantern', 'Voyage', 'Dream', 'Horizon', 'Fortress', 'Melody', 'Night', 'Road',
  'Tower', 'Window', 'Wolf', 'Bridge', 'Café', 'Circus', 'Desert', 'Frontier', 'Orchard', 'Carnival',
  'Labyrinth', 'Signal', 'Planet', 'Prophecy', 'Rebel', 'Crown', 'Game', 'Legacy', 'Mission', 'Hunter',
];

const NAMES = [
  'Amélie', 'Zoë', 'José', 'Björn', 'Søren', 'François', 'Łucja', 'Chloé', 'Ingrid', 'Marco',
  'Nadia', 'Oscar', 'Rosa', 'Kenji', 'Aiko', 'Dmitri', 'Mateo', 'Lena', 'Hugo', 'Noémie', 'Tomás',
  'Yusuf', 'Emma', 'Jack', 'Harry', 'Frida', 'Raúl', 'Siobhán', 'Ana', 'Max',
];

const PLACES = [
  'Paris', 'Zürich', 'São Paulo', 'Kraków', 'Montréal', 'Reykjavík', 'Tōkyō', 'Málaga', 'Berlin',
  'Istanbul', 'Cairo', 'Lagos', 'Mumbai', 'Havana', 'Rome', 'Vienna', 'Nairobi', 'Lima', 'Oslo',
  'Seoul', 'Kyiv', 'Marseille', 'Göteborg', 'Dublin', 'Chicago',
];

function pick<T>(random: Random, words: readonly T[]): T {
  return words[random.below(words.length)];
}

const TEMPLATES: ReadonlyArray<(random: Random) => string> = [
  (r) => `The ${pick(r, ADJECTIVES)} ${pick(r, NOUNS)}`,
  (r) => `${pick(r, NOUNS)} of the ${pick(r, NOUNS)}`,
  (r) => `${pick(r, NAMES)}'s ${pick(r, NOUNS)}`,
  (r) => `The ${pick(r, NOUNS)} from ${pick(r, PLACES)}`,
  (r) => `${pick(r, NAMES)} and the ${pick(r, ADJECTIVES)} ${pick(r, NOUNS)}`,
  (r) => `A ${pick(r, ADJECTIVES)} ${pick(r, NOUNS)} in ${pick(r, PLACES)}`,
];

const SEQUELS = [' II', ' III', ': Part Two', ' Returns'];

/** A title-like page name; now and then a sequel. */
export function makeTitle(random: Random): string {
  const title = pick(random, TEMPLATES)(random);
  return random.below(12) === 0 ? title + pick(random, SEQUELS) : title;
}
