/**
 * Who a subject phrase is: a name, a pronoun ("he"), a description ("the minister", "the 58-year-old",
 * "the official") or an unnamed speaker ("a senior diplomat"). Pronouns and descriptions resolve to the
 * nearest fitting speaker before them; every answer says why, for the curator's review.
 */
import { foldName } from './kb-index.js';
import type { Entities, Gender, PersonDraft, Ref } from './entities.js';
import { FEMALE_PRONOUNS, isCalendarPhrase, MALE_PRONOUNS, ROLE_HEADS, UNNAMED_HEADS } from './lexicon.js';
import type { Span } from './plain-text.js';
import { sentenceAt, type Sentence } from './tokens.js';

export type Confidence = 'HIGH' | 'MEDIUM' | 'LOW';

export interface ResolvedSpeaker {
  ref: Ref;
  confidence: Confidence;
  reason: string;
  /** The words that name the speaker in the attribution. */
  words: Span;
}

const LEADING_FILLER = /^(?:(?:and|but|then|so|also|later|earlier|meanwhile|however|reportedly|allegedly|in turn|for (?:his|her|their) part)\b[\s,]*)+/i;
const TRAILING_FILLER = /(?:\s+(?:also|reportedly|allegedly|later|then|has|had|have|was|were|is|are|would|will|once|again|previously|recently|repeatedly|publicly|privately|on \w+|last \w+|earlier \w+|(?:is|are|was|were) said to(?: have)?))+$/i;

export class Speakers {
  private readonly history: { at: number; key: string }[] = [];

  constructor(
    private readonly entities: Entities,
    private readonly text: string,
    private readonly sentences: readonly Sentence[],
  ) {}

  /** Notes that `key` spoke (or was the subject of a verb of saying) at `at`: later pronouns can refer to them. */
  record(ref: Ref, at: number): void {
    if (ref.type === 'person') this.history.push({ at, key: ref.key });
  }

  resolve(phrase: Span, at: number, exclude?: Span): ResolvedSpeaker | undefined {
    let start = phrase.start;
    let end = phrase.end;
    const raw = this.text.slice(start, end);
    const lead = LEADING_FILLER.exec(raw.replace(/^\s+/, ''));
    start += raw.length - raw.replace(/^\s+/, '').length + (lead ? lead[0].length : 0);
    while (end > start && /\s/.test(this.text[end - 1]!)) end--;
    // "Fortier, 61," / "Okafor, the EAHN's director,": the name before its apposition.
    const comma = this.text.slice(start, end).indexOf(',');
    if (comma > 0) end = start + comma;
    let words = this.text.slice(start, end);
    const trail = TRAILING_FILLER.exec(words);
    if (trail) end -= trail[0].length;
    while (end > start && /[\s,]/.test(this.text[end - 1]!)) end--;
    words = this.text.slice(start, end);
    if (words.length === 0 || words.length > 90) return undefined;
    const span = { start, end };
    // Mentions that overlap the phrase: "Trudeau" in "Justin Trudeau’s" still names him.
    const inside = this.entities.sortedMentions().filter((m) => m.start < end && start < m.end);

    const person = inside.filter((m) => m.ref.type === 'person').pop();
    // "a State Department official": an unnamed speaker, even though the phrase names an organization.
    const unnamed = /^(?:an?|another|one)\s+(.+)$/i.exec(words);
    if (unnamed && !person && unnamed[1]!.split(/\s+/).some((w) => UNNAMED_HEADS.has(w.toLowerCase()))) {
      const draft = this.entities.unnamedPerson(unnamed[1]!, { start: start + words.indexOf(unnamed[1]!), end });
      return { ref: { type: 'person', key: draft.key }, confidence: 'MEDIUM', reason: `unnamed speaker "${words}"${draft.existingId ? ` matched to ${draft.existingId} by its label` : ''}`, words: span };
    }
    if (person) {
      const draft = this.entities.persons.get(person.ref.key)!;
      return { ref: person.ref, confidence: 'HIGH', reason: `speaker named in the attribution: "${words}"${draft.matchedBy ? ` (${draft.existingId} by ${draft.matchedBy})` : ''}`, words: span };
    }
    const lower = words.toLowerCase();
    if (/^(?:he|she)$/.test(lower)) return this.pronoun(lower, span, at, exclude);
    const age = /^the (\d{1,3})-year-old$/.exec(lower);
    if (age) return this.byAge(Number(age[1]), span, at, exclude);
    const description = /^the ((?:[a-z-]+\s+){0,3}[a-z-]+)$/i.exec(words);
    if (description) {
      const resolved = this.description(description[1]!, span, at, exclude);
      if (resolved) return resolved;
    }
    const organization = inside.filter((m) => m.ref.type === 'organization' || m.ref.type === 'country').pop();
    if (organization) {
      const name = organization.ref.type === 'organization' ? this.entities.organizations.get(organization.ref.key)!.name : this.entities.countries.get(organization.ref.key)!.name;
      return { ref: organization.ref, confidence: 'MEDIUM', reason: `speaker is the ${organization.ref.type} ${name} named in the attribution`, words: span };
    }
    // A capitalised name nothing else recognised: a new person, to be checked.
    if (/^\p{Lu}[\p{L}'’-]+(?:\s+\p{Lu}[\p{L}'’-]+){0,3}$/u.test(words) && !/^(?:The|It|They|We|I|You|This|That)$/.test(words)) {
      // A month, a weekday or a place is nobody's name.
      if ((isCalendarPhrase(words) && !this.entities.calendarWordOfNamedPerson(words)) || this.entities.isPlace(words)) return undefined;
      const known = this.entities.persons.size;
      const draft = this.entities.person(words, span);
      // "…,” said Mirela Ivathornaaek, the spokeswoman for EUUD.": a person first found here has her office beside her name.
      this.entities.appositionsOf({ ...span, ref: { type: 'person', key: draft.key } });
      if (this.entities.persons.size === known || draft.existingId) {
        return { ref: { type: 'person', key: draft.key }, confidence: 'HIGH', reason: `speaker "${words}" is ${draft.name ?? draft.label}${draft.matchedBy ? ` (${draft.existingId} by ${draft.matchedBy})` : ', named before'}`, words: span };
      }
      return { ref: { type: 'person', key: draft.key }, confidence: 'LOW', reason: `"${words}" taken for a person's name because it is the subject of a verb of saying`, words: span };
    }
    return undefined;
  }

  private sentencesBetween(from: number, to: number): number {
    const a = sentenceAt(this.sentences, from)?.index ?? 0;
    const b = sentenceAt(this.sentences, to)?.index ?? 0;
    return Math.max(0, b - a);
  }

  private describe(person: PersonDraft): string {
    return person.name ?? `the unnamed ${person.label}`;
  }

  private distance(at: number, to: number): string {
    const n = this.sentencesBetween(at, to);
    return n === 0 ? 'in the same sentence' : n === 1 ? 'one sentence before' : `${n} sentences before`;
  }

  private pronoun(pronoun: string, words: Span, at: number, exclude?: Span): ResolvedSpeaker | undefined {
    const gender: Gender = MALE_PRONOUNS.has(pronoun) ? 'male' : FEMALE_PRONOUNS.has(pronoun) ? 'female' : 'male';
    const fits = (key: string) => {
      const person = this.entities.persons.get(key);
      return !!person && (!person.gender || person.gender === gender);
    };
    for (let i = this.history.length - 1; i >= 0; i--) {
      const entry = this.history[i]!;
      if (entry.at >= at || !fits(entry.key)) continue;
      const person = this.entities.persons.get(entry.key)!;
      const guessed = !person.gender;
      person.gender ??= gender;
      return {
        ref: { type: 'person', key: entry.key },
        confidence: guessed ? 'MEDIUM' : 'HIGH',
        reason: `speaker from '${pronoun}' resolved to ${this.describe(person)}, the last ${guessed ? '' : `${gender} `}named speaker ${this.distance(entry.at, at)}`,
        words,
      };
    }
    // Nobody has spoken yet: the nearest fitting person mentioned before.
    const mention = this.entities
      .sortedMentions()
      .filter((m) => m.ref.type === 'person' && m.end <= at && !(exclude && m.start >= exclude.start && m.end <= exclude.end) && fits(m.ref.key))
      .pop();
    if (!mention) return undefined;
    const person = this.entities.persons.get(mention.ref.key)!;
    person.gender ??= gender;
    return { ref: mention.ref, confidence: 'MEDIUM', reason: `speaker from '${pronoun}' resolved to ${this.describe(person)}, the last person named before (${this.distance(mention.start, at)}); no earlier speaker`, words };
  }

  private byAge(age: number, words: Span, at: number, exclude?: Span): ResolvedSpeaker | undefined {
    let person = [...this.entities.persons.values()].find((p) => p.age === age);
    // "Fortier, 61, told reporters": the age given after a name the drafter only knows by surname.
    const named = new RegExp(`(\\p{Lu}[\\p{L}'’-]+),\\s+${age},`, 'u').exec(this.text.slice(0, at));
    if (!person && named) {
      person = this.entities.person(named[1]!, { start: named.index, end: named.index + named[1]!.length });
      person.age = age;
    }
    if (person) return { ref: { type: 'person', key: person.key }, confidence: 'HIGH', reason: `speaker from 'the ${age}-year-old' resolved to ${this.describe(person)}, whose age the article gives as ${age}`, words };
    const last = this.pronoun('he', words, at, exclude);
    return last && { ...last, confidence: 'LOW', reason: `'the ${age}-year-old': no person's age is given; taken as the last speaker (${this.describe(this.entities.persons.get(last.ref.key)!)})` };
  }

  /** "the minister", "the secretary", "the official": the nearest person before whose office or label has that word. */
  private description(description: string, words: Span, at: number, exclude?: Span): ResolvedSpeaker | undefined {
    const descriptionWords = foldName(description).split(/[\s-]+/);
    // The office's head word ("secretary" in "secretary of state", "minister" in "former Norwegian prime minister").
    const head = [...descriptionWords].reverse().find((w) => ROLE_HEADS.has(w) || UNNAMED_HEADS.has(w));
    if (!head) return undefined;
    const fits = (person: PersonDraft): boolean => {
      if (person.name === null) return !!person.label && foldName(person.label).split(/\s+/).includes(head);
      const titles = person.roles.map((r) => r.title);
      const record = person.existingId ? this.entities['kb'].persons.get(person.existingId) : undefined;
      if (record) titles.push(...record.roles.map((r) => r.title));
      const forms = [...titles, ...person.descriptions];
      return forms.some((title) => descriptionWords.every((w) => foldName(title).split(/[\s-]+/).includes(w)));
    };
    const mentions = this.entities.sortedMentions().filter((m) => m.ref.type === 'person' && m.end <= at && !(exclude && m.start >= exclude.start && m.end <= exclude.end));
    for (let i = mentions.length - 1; i >= 0; i--) {
      const person = this.entities.persons.get(mentions[i]!.ref.key)!;
      if (!fits(person)) continue;
      this.entities.persons.get(person.key)!.mentions.push(words);
      this.entities.mentions.push({ ...words, ref: { type: 'person', key: person.key } });
      const what = person.name === null ? `the unnamed ${person.label}` : `${person.name}, whose office (${person.roles[0]?.title ?? 'from the knowledge base'}) fits 'the ${description}'`;
      return { ref: { type: 'person', key: person.key }, confidence: 'MEDIUM', reason: `speaker from 'the ${description}' resolved to ${what}, named ${this.distance(mentions[i]!.start, at)}`, words };
    }
    const holder = this.entities.holderOf(description);
    if (holder?.name) {
      const person = this.entities.person(holder.name, words);
      person.matchedBy ??= `role "${description}" (the only holder in the knowledge base)`;
      return { ref: { type: 'person', key: person.key }, confidence: 'MEDIUM', reason: `speaker from 'the ${description}' resolved to ${holder.name}, the only holder of that office in the knowledge base`, words };
    }
    if (UNNAMED_HEADS.has(head)) {
      const draft = this.entities.unnamedPerson(description, words);
      return { ref: { type: 'person', key: draft.key }, confidence: 'LOW', reason: `unnamed speaker 'the ${description}', not introduced before`, words };
    }
    return undefined;
  }
}
