import { fileUrlsOf } from '../../src/files/dto/file.dto';
import type { SearchDocument } from '../../src/search/search-document';
import { randomSource, zipf } from '../common/random';

/**
 * A synthetic but realistically shaped corpus of posts: word frequencies follow Zipf's law (as in any natural
 * text), owners and shakes are Zipf-distributed too (a few very active users), likes are heavy-tailed (most
 * posts have none, a few have thousands), and posts spread over two years. Seeded, so every run indexes the
 * same corpus and asks the same queries.
 */

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ne',
  'ru',
  'sa',
  'ti',
  'vo',
  'ber',
  'dan',
  'fel',
  'gor',
  'hil',
  'jun',
  'kor',
  'lin',
  'mar',
  'nor',
  'pel',
  'quin',
  'ros',
  'sel',
  'tor',
  'ul',
  'ven',
  'wil',
  'yor',
  'zan',
  'bri',
  'cha',
  'dre',
  'esk',
  'fro',
  'gla',
  'ith',
  'ost',
  'pra',
  'sto',
  'tha',
  'ume',
];

/**
 * Distinct word-like strings of 1-4 syllables, most frequent first; about one in twenty carries an accent
 * (é, ü, ñ). As in real languages (Zipf's law of abbreviation), frequent words tend to be short: words are
 * ranked by length with random jitter, so length hints at rarity without deciding it.
 */
export function vocabulary(size: number, random: () => number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    const length = 1 + Math.floor(random() * 4);
    let word = '';
    for (let i = 0; i < length; i++) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    if (random() < 0.05) word = word.replace('e', 'é').replace('u', 'ü').replace('n', 'ñ');
    words.add(word);
  }
  return [...words]
    .map((word) => ({ word, order: word.length + random() * 4 }))
    .sort((a, b) => a.order - b.order)
    .map(({ word }) => word);
}

export interface Corpus {
  words: string[];
  documents(count: number): Iterable<SearchDocument>;
}

export function corpus(seed = 20260301): Corpus {
  const random = randomSource(seed);
  const words = vocabulary(20_000, random);
  const pickWord = zipf(words.length, 1.07, random);
  const users = Array.from({ length: 2_000 }, (_, i) => `user${i}`);
  const pickUser = zipf(users.length, 0.9, random);
  const groups = Array.from({ length: 200 }, (_, i) => `group${i}`);
  const pickGroup = zipf(groups.length, 0.9, random);
  const phrase = (min: number, max: number) =>
    Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () => words[pickWord()]).join(' ');
  const now = Date.UTC(2026, 2, 1);
  const twoYears = 2 * 365 * 24 * 3600 * 1000;

  function* documents(count: number): Iterable<SearchDocument> {
    for (let i = 0; i < count; i++) {
      const id = (0x65000000 + i).toString(16).padStart(24, '0');
      const owner = users[pickUser()];
      const shake = random() < 0.85 ? owner : groups[pickGroup()];
      const title = phrase(1, 6);
      const tags = random() < 0.3 ? Array.from({ length: 1 + Math.floor(random() * 3) }, () => words[pickWord() % 500]) : [];
      const description =
        random() < 0.6 ? `${phrase(3, 30)} ${tags.map((tag) => `#${tag}`).join(' ')}`.trim() : tags.map((t) => `#${t}`).join(' ');
      const altText = random() < 0.3 ? phrase(2, 10) : '';
      const likes = Math.min(50_000, Math.floor(Math.pow(1 - random(), -1 / 1.2) - 1));
      const createdAt = new Date(now - Math.floor(random() * twoYears));
      const key = id.slice(-10);
      const original = random() < 0.85;
      const nsfw = random() < 0.02;
      yield {
        kind: 'file',
        id,
        texts: [title, tags.join(' '), altText, owner, shake, description],
        filters: { from: owner, in: [shake] },
        original,
        nsfw,
        sourceId: id,
        popularity: likes,
        createdAt,
        hit: {
          key,
          title,
          description,
          altText,
          tags,
          owner: { username: owner },
          shake,
          contentType: 'image/jpeg',
          width: 1024,
          height: 768,
          frames: 1,
          likes,
          nsfw,
          urls: fileUrlsOf(key),
          createdAt: createdAt.toISOString(),
        },
      };
    }
  }

  return { words, documents };
}
