/**
 * The keys a draft finds knowledge-base records by, when the knowledge base is not in memory
 * (PostgreSQL keeps them in `draft_keys`, migration 0008): one word per name form, chosen the same way
 * from a stored name and from the name a draft looks up, so that a lookup needs the records of one key;
 * persons' surnames; the words of unnamed persons' labels; the stems of events' name words; countries'
 * ISO codes. Each kind
 * answers one lookup of kb-index.ts exactly: a record it would return has the key the lookup asks for.
 */
import type { RecordsByCollection } from '../../kb/knowledge-base.js';
import { significantWords } from '../../kb/slugs.js';
import { foldText, foldedWords } from '../../kb/text.js';

/** A name folded for lookups: case, accents, quotation marks and a trailing possessive ignored. */
export function foldName(name: string): string {
  return foldText(name)
    .replace(/['’]s$/, '')
    .replace(/[“”"]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The stem events.ts compares event names by ("talks" and "talk", "assault" and "attack"). */
export function nameStem(word: string): string {
  return word.replace(/(?:ies)$/, 'y').replace(/(?:es|s)$/, '').replace(/^assault$/, 'attack');
}

/** The words of a text a record is looked for by: its folded words, and the parts of those joined by an apostrophe or a hyphen. */
export function indexedWords(text: string): string[] {
  const words = new Set<string>();
  for (const word of foldedWords(text)) {
    words.add(word);
    if (word.includes('-') || word.includes("'")) for (const part of word.split(/['-]/)) if (part) words.add(part);
  }
  return [...words];
}

/** Of some words, the one that keys them: the longest (short words are in many names), the first in order among equals. */
export function keyWordOf(words: Iterable<string>): string | undefined {
  let key: string | undefined;
  for (const word of words) if (key === undefined || word.length > key.length || (word.length === key.length && word < key)) key = word;
  return key;
}

/** The key of a name form: the key word of its folded name's words. Two forms equal when folded have the same key. */
export function nameKeyOf(name: string): string | undefined {
  return keyWordOf(foldedWords(foldName(name)));
}

/** How a person's surname is looked up: the folded last word of a name of several words. */
export function surnameKeyOf(name: string): string | undefined {
  const words = name.split(/\s+/);
  return words.length > 1 ? foldName(words.at(-1)!) : undefined;
}

/** The words of an unnamed person's label, as the draft matches them ("state department official (unnamed)"). */
export function labelWordsOf(label: string): string[] {
  return foldName(label)
    .split(/[\s()]+/)
    .filter(Boolean);
}

/** The stems of an event name's significant words. */
export function nameStemsOf(name: string): string[] {
  return significantWords(name).map(nameStem);
}

export type DraftKeyKind = 'name' | 'surname' | 'label' | 'stem' | 'iso2';

/**
 * The keys of the records in force (`visible`): a `name` key for each name and alias of a person,
 * country, organization or event and for each title of a person's office in force; a person's `surname`;
 * each word of an unnamed person's `label`; each `stem` of an event's names; a country's ISO code
 * (`iso2`: a draft finds countries by demonym through it). Rows of kind, key, record id.
 */
export function draftKeysOf(visible: Pick<RecordsByCollection, 'persons' | 'countries' | 'organizations' | 'events'>): [DraftKeyKind, string, string][] {
  const rows = new Map<string, [DraftKeyKind, string, string]>();
  const add = (kind: DraftKeyKind, key: string | undefined, id: string) => {
    if (key) rows.set(`${kind}\0${key}\0${id}`, [kind, key, id]);
  };
  for (const person of visible.persons) {
    for (const form of [...(person.name ? [person.name] : []), ...person.aliases, ...person.roles.map((role) => role.title)]) add('name', nameKeyOf(form), person.id);
    if (person.name) add('surname', surnameKeyOf(person.name), person.id);
    else if (person.label) for (const word of labelWordsOf(person.label)) add('label', word, person.id);
  }
  for (const record of [...visible.countries, ...visible.organizations]) for (const form of [record.name, ...record.aliases]) add('name', nameKeyOf(form), record.id);
  for (const country of visible.countries) add('iso2', country.isoAlpha2, country.id);
  for (const event of visible.events) {
    for (const form of [event.name, ...event.aliases]) {
      add('name', nameKeyOf(form), event.id);
      for (const stem of nameStemsOf(form)) add('stem', stem, event.id);
    }
  }
  return [...rows.values()];
}
