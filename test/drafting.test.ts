/**
 * The article drafter (`draftArticle`): each rule on a small invented snippet, then the seed article and
 * the three invented fixture articles against their answer keys. Knowledge bases: the test dataset
 * (`test/fixtures/dataset`) and an empty one; never `data/`.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { previewArticles } from '../src/authoring/apply-articles.js';
import { articleFileSchema, type ArticleFileInput, type StatementEntry } from '../src/authoring/draft-file.js';
import { draftArticle, type DraftInput } from '../src/authoring/draft/index.js';
import { KbIndex } from '../src/authoring/draft/kb-index.js';
import { findKnown } from '../src/authoring/draft/known-statements.js';
import { SlugAllocator, shortSlug } from '../src/kb/slugs.js';
import type { KnowledgeBase } from '../src/kb/knowledge-base.js';
import { loadKnowledgeBase } from '../src/kb/load.js';
import { foldedWords } from '../src/kb/text.js';
import { dataDir, loadDataset, projectRoot } from './helpers.js';

const fixtureDir = path.join(projectRoot, 'test/fixtures/drafting');
let dataset: KnowledgeBase;
let empty: KnowledgeBase;
let emptyDir: string;

beforeAll(async () => {
  dataset = await loadDataset();
  emptyDir = mkdtempSync(path.join(os.tmpdir(), 'newsgraph-drafting-empty-'));
  for (const file of ['sources', 'persons', 'countries', 'organizations', 'events', 'statements']) writeFileSync(path.join(emptyDir, `${file}.json`), '[]\n');
  empty = await loadKnowledgeBase(emptyDir);
});
afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));

/** Drafts, checks the file against the schema and every offset against the text, and returns it. */
function draft(input: DraftInput, kb: KnowledgeBase = dataset): ArticleFileInput {
  const file = draftArticle(input, kb);
  articleFileSchema.parse(file);
  expectOffsetsMatch(file);
  return file;
}

/** Every `{ text, start }` in the file (evidence, attributions, statement starts) is the source's text at that offset. */
function expectOffsetsMatch(file: ArticleFileInput): void {
  const text = file.source.text;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (typeof record['text'] === 'string' && typeof record['start'] === 'number' && record !== (file.source as unknown)) {
        expect(text.slice(record['start'], record['start'] + (record['text'] as string).length)).toBe(record['text']);
      }
      Object.values(record).forEach(visit);
    }
  };
  visit({ ...file, source: undefined });
}

function statementWith(file: ArticleFileInput, words: string): StatementEntry {
  const found = (file.statements ?? []).find((s) => s.text === words);
  if (!found) throw new Error(`no statement "${words}" in: ${(file.statements ?? []).map((s) => s.text).join(' | ')}`);
  return found as StatementEntry;
}

function personOf(file: ArticleFileInput, id: string | null | undefined) {
  return (file.persons ?? []).find((p) => p.id === id);
}

function speakerName(file: ArticleFileInput, s: { speaker: string | null }): string | null | undefined {
  const person = personOf(file, s.speaker);
  return person ? (person.name ?? `(${person.label})`) : (file.organizations ?? []).find((o) => o.id === s.speaker)?.name;
}

function words(value: StatementEntry['attribution'] | undefined): string | undefined {
  return value === undefined ? undefined : typeof value === 'string' ? value : value.text;
}

describe('quotations', () => {
  it('drafts straight and curly quotes, keeps a nested quote inside, drops the joining comma and keeps a closing full stop', () => {
    // Invented snippet.
    const file = draft({ text: 'Harbour works begin\n\n"We start on Monday," Ana Ruiz said.\n\n“The crane says ‘ready’ when it is ready.” Ruiz said.', publishedOn: '2024-05-02' }, empty);
    expect(statementWith(file, 'We start on Monday').kind).toBe('QUOTE');
    expect(statementWith(file, 'The crane says ‘ready’ when it is ready.').kind).toBe('QUOTE');
  });

  it('splits a quote interrupted by its attribution into two statements, the second continuing the first', () => {
    // Invented snippet.
    const file = draft({ text: 'Port reopens\n\n“The port is open again,” Ana Ruiz said. “Ships can dock from tonight.”', publishedOn: '2024-05-02' }, empty);
    const first = statementWith(file, 'The port is open again');
    const second = statementWith(file, 'Ships can dock from tonight.');
    expect(second.continues).toBe(first.id);
    expect(second.speaker).toBe(first.speaker);
    expect(speakerName(file, first)).toBe('Ana Ruiz');
  });

  it('drafts a partial quote inside reported speech as a quote of the speaker', () => {
    // Invented snippet.
    const file = draft({ text: 'Farm plan criticised\n\nMaria Lopes, the farmers’ union leader, spoke after the vote. She said the plan would “change nothing” for farmers.', publishedOn: '2024-05-02' }, empty);
    const quote = statementWith(file, 'change nothing');
    expect(quote.kind).toBe('QUOTE');
    expect(speakerName(file, quote)).toBe('Maria Lopes');
    expect((file.statements ?? []).filter((s) => s.kind === 'PARAPHRASE' && s.text.includes('change nothing'))).toHaveLength(0);
  });

  it('skips scare quotes, the headline and the fixture marker line, saying why', () => {
    // Invented snippet.
    const file = draft({
      text: 'Leaders seek “reset” in talks\n[TEST FIXTURE: invented article]\n\nThe group declared a “caliphate” in the north. Diplomats spoke of a so-called “reset” with Moscow.\n\n“We are ready to talk,” Olga Berg said.',
      publishedOn: '2024-05-02',
    }, empty);
    const texts = (file.statements ?? []).map((s) => s.text);
    expect(texts).toEqual(['We are ready to talk']);
    const skipped = file.skipped ?? [];
    expect(skipped.find((s) => s.text === 'caliphate')?.why).toMatch(/scare quote/);
    expect(skipped.filter((s) => s.text === 'reset').map((s) => s.why).join(' ')).toMatch(/headline.*|scare quote/);
    expect(skipped.some((s) => s.why.includes('headline'))).toBe(true);
    expect(skipped.some((s) => s.why.includes('marker line'))).toBe(true);
  });
});

describe('attribution', () => {
  it('reads the attribution in either order and before the quote', () => {
    // Invented snippet.
    const file = draft({
      text: 'Bridge vote\n\n“The bridge is safe,” said Mayor Tomas Halvorsen.\n\nEngineer Lise Dahl said: “The cables need replacing.”\n\n“Traffic will move at night,” Halvorsen added.',
      publishedOn: '2024-05-02',
    }, empty);
    expect(speakerName(file, statementWith(file, 'The bridge is safe'))).toBe('Tomas Halvorsen');
    expect(speakerName(file, statementWith(file, 'The cables need replacing.'))).toBe('Lise Dahl');
    expect(speakerName(file, statementWith(file, 'Traffic will move at night'))).toBe('Tomas Halvorsen');
    expect(words(statementWith(file, 'The bridge is safe').attribution)).toBe('said Mayor Tomas Halvorsen');
  });

  it('takes the subject of the verb of saying, not a name inside the reported clause, and marks "reportedly" as a hedge', () => {
    const seed = seedDraft();
    const quote = statementWith(seed, 'make the case that we need even more; and he’ll obviously update folks on what the U.S. is doing militarily and on his strong efforts through the Vienna process to bring together a political process and a political settlement.');
    expect(quote.speaker).toBe('state-department-official');
    expect(words(quote.hedge)).toBe('reportedly');
    expect(personOf(seed, 'state-department-official')).toMatchObject({ existing: true, name: null });
  });

  it('resolves pronouns to the nearest fitting named speaker, skipping a nearer person of the other gender who never spoke', () => {
    const file = fixtureDraft('bird-flu-pact');
    const quote = statementWith(file, 'We came here with a crisis on our farms and we are going home with a plan');
    expect(speakerName(file, quote)).toBe('Owen Pritchard');
    expect(quote.review?.reasons?.join(' ')).toMatch(/speaker from 'he' resolved to Owen Pritchard/);
  });

  it('resolves descriptions by office and by age', () => {
    const file = fixtureDraft('bird-flu-pact');
    expect(speakerName(file, statementWith(file, 'It is not perfect, but it exists, and that is more than we had before'))).toBe('Helena Duarte');
    const byAge = statementWith(file, 'Farmers have done everything we asked of them. Now it is our turn');
    expect(speakerName(file, byAge)).toBe('Owen Pritchard');
    expect(byAge.review?.reasons?.join(' ')).toMatch(/58-year-old/);
  });

  it('resolves "he said" in the seed to Stoltenberg, the last named speaker', () => {
    const seed = seedDraft();
    const quote = statementWith(seed, 'Calm and de-escalation is now of the essence');
    expect(quote.speaker).toBe('jens-stoltenberg');
    expect(quote.review?.reasons?.join(' ')).toMatch(/speaker from 'he' resolved to Jens Stoltenberg, the last (male )?named speaker/);
    expect(statementWith(seed, 'And I encourage direct dialogue between Moscow and Ankara.').continues).toBe('stoltenberg-calm-de-escalation');
  });

  it('makes "according to X" the relayer when another speaker is named', () => {
    const seed = seedDraft();
    const quote = statementWith(seed, 'We don’t have the luxury of either being focused or addressing the challenges to the east or the challenges to the south, we have to do both at the same time');
    expect(quote.speaker).toBe('jens-stoltenberg');
    expect(quote.relayedBy?.id).toBe('washington-post');
  });

  it('marks "is said to have" as a hedge and makes an unnamed speaker a person with a label, reused later', () => {
    const bird = fixtureDraft('bird-flu-pact');
    const hedged = (bird.statements ?? []).find((s) => s.text.startsWith('argued behind closed doors'))!;
    expect(words(hedged.hedge)).toBe('is said to have');
    expect(speakerName(bird, hedged)).toBe('Carlo Benedetti');
    const unnamed = statementWith(bird, 'Nobody wanted to be the country that said no to this');
    expect(personOf(bird, unnamed.speaker)).toMatchObject({ name: null, label: 'senior official at the network' });
    // Invented snippet: "the official" later is the same unnamed person.
    const file = draft({ text: 'Talks stall\n\n“We are not close,” a senior diplomat said.\n\n“Nothing has moved since May,” the diplomat said.', publishedOn: '2024-05-02' }, empty);
    expect(statementWith(file, 'Nothing has moved since May').speaker).toBe(statementWith(file, 'We are not close').speaker);
    expect((file.persons ?? []).filter((p) => p.name === null)).toHaveLength(1);
  });

  it('gives every statement a review with a confidence and its reasons', () => {
    for (const s of seedDraft().statements ?? []) {
      expect(['HIGH', 'MEDIUM', 'LOW']).toContain(s.review?.confidence);
      expect(s.review?.reasons?.length).toBeGreaterThan(0);
    }
  });
});

describe('paraphrases', () => {
  it('drafts reported speech with the source’s own span, as the curated seed cuts it', () => {
    const seed = seedDraft(empty);
    const expected: [string, string][] = [
      ['called on NATO countries to pony up more resources to fight the Islamic State', 'John Kerry'],
      ['NATO countries could do more to help given that the U.S. handles the lion’s share of bombing', '(State Department official)'],
      ['Kerry sent Canada the same message', 'John Kerry'],
      ['pledged to help the coalition in other ways now that Canada would not be participating directly in the bombing campaign', 'Justin Trudeau'],
      ['the organization is acting along three lines', 'Jens Stoltenberg'],
    ];
    for (const [text, speaker] of expected) {
      const paraphrase = statementWith(seed, text);
      expect(paraphrase.kind).toBe('PARAPHRASE');
      expect(speakerName(seed, paraphrase)).toBe(speaker);
    }
    expect(personOf(seed, statementWith(seed, 'Kerry sent Canada the same message').relayedBy?.id)?.name).toBe('John Kirby');
  });

  it('inside a quotation, drafts a paraphrase only of another person\'s speech act the quoted words report, as that person\'s and at most MEDIUM', () => {
    // The seed's curated reading: Kirby's quotes hold Kerry's "urging …" and "…, which the secretary encouraged", and Cavusoglu's briefing.
    const seed = seedDraft(empty);
    const inKirbysQuotes: [string, string][] = [
      ['urging all allies to increase their contributions', 'John Kerry'],
      ['Turkish outreach to Russia, which the secretary encouraged', 'John Kerry'],
      ['Turkish outreach to Russia', 'Mevlut Cavusoglu'],
    ];
    for (const [text, speaker] of inKirbysQuotes) {
      // "Turkish outreach to Russia, which the secretary encouraged" is also Kirby's quote, word for word.
      const paraphrase = (seed.statements ?? []).find((s) => s.kind === 'PARAPHRASE' && s.text === text)!;
      expect(paraphrase, text).toBeDefined();
      expect(speakerName(seed, paraphrase)).toBe(speaker);
      expect(personOf(seed, paraphrase.relayedBy?.id)?.name).toBe('John Kirby');
      expect(paraphrase.review?.confidence).not.toBe('HIGH');
      expect(paraphrase.review?.reasons?.some((r) => /reported inside John Kirby's quote/.test(r))).toBe(true);
    }
    expect(statementWith(seed, 'The secretary made clear he was urging all allies to increase their contributions.').kind).toBe('QUOTE');
    // Where the curator has already stored those words as Kerry's paraphrase, the draft reports that statement again.
    const known = statementWith(seedDraft(), 'urging all allies to increase their contributions');
    expect(known).toMatchObject({ kind: 'PARAPHRASE', existing: 'kerry-urges-allies-to-contribute', speaker: 'john-kerry' });

    // Invented snippet: the spokesman's quote reports what the minister (another, named person) urged: her paraphrase, relayed by him.
    const reported = draft({
      text: 'Fleet plans\n\nDefence Minister Rhea Voss met the fleet on Monday.\n\n“The minister made clear she was urging all captains to double their patrols,” spokesman Ivo Brandt said.',
      publishedOn: '2024-05-02',
    }, empty);
    const urging = statementWith(reported, 'urging all captains to double their patrols');
    expect(urging.kind).toBe('PARAPHRASE');
    expect(speakerName(reported, urging)).toBe('Rhea Voss');
    expect(personOf(reported, urging.relayedBy?.id)?.name).toBe('Ivo Brandt');
    expect(['MEDIUM', 'LOW']).toContain(urging.review?.confidence);
    expect(urging.review?.reasons?.some((r) => /reported inside Ivo Brandt's quote/.test(r))).toBe(true);
    expect((reported.statements ?? []).map((s) => s.kind)).toEqual(['QUOTE', 'PARAPHRASE']);

    // Invented snippets: a quote that reports nobody else's speech act gets no paraphrase, only the quote.
    for (const text of [
      // The spokesman urges in his own words ("we"): the quote is his statement.
      'Fleet plans\n\nDefence Minister Rhea Voss met the fleet on Monday.\n\n“We are urging all captains to double their patrols,” spokesman Ivo Brandt said.',
      // The minister is named, but what she did ("called the meeting") is no speech act.
      'Fleet plans\n\nDefence Minister Rhea Voss met the fleet on Monday.\n\n“The minister called the meeting to review all patrols in the north,” spokesman Ivo Brandt said.',
      // The quote's own speaker speaks of herself as "the minister", nobody introduced before: no one else is identified.
      'Fleet plans\n\n“The minister made clear she was urging all captains to double their patrols,” Defence Minister Rhea Voss said.',
      // An organization ("it"), no person, does the urging.
      'Fleet plans\n\n“The ministry made clear it was urging all captains to double their patrols,” spokesman Ivo Brandt said.',
    ]) {
      const file = draft({ text, publishedOn: '2024-05-02' }, empty);
      expect((file.statements ?? []).map((s) => s.kind)).toEqual(['QUOTE']);
    }
    // Reported speech found inside a quote but not drafted is listed as skipped, saying why.
    const herself = draft({ text: 'Fleet plans\n\n“The minister made clear she was urging all captains to double their patrols,” Defence Minister Rhea Voss said.', publishedOn: '2024-05-02' }, empty);
    expect((herself.skipped ?? []).find((s) => s.text === 'urging all captains to double their patrols')?.why).toMatch(/no speech act of an identifiable person other than the quote's speaker: the quote itself is the statement/);
  });

  it('drafts no new paraphrase inside a quotation the knowledge base already holds: its stored reading says whom it reports', async () => {
    // The test dataset holds Kirby's quote; without Kerry's "urging …" paraphrase, the curated reading of that quote has none.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'newsgraph-drafting-no-paraphrase-'));
    try {
      cpSync(dataDir, dir, { recursive: true });
      const statementsFile = path.join(dir, 'statements.json');
      const statements = JSON.parse(readFileSync(statementsFile, 'utf8')) as { id: string }[];
      writeFileSync(statementsFile, `${JSON.stringify(statements.filter((s) => s.id !== 'kerry-urges-allies-to-contribute'), null, 2)}\n`);
      const seed = seedDraft(await loadKnowledgeBase(dir));
      expect(statementWith(seed, 'The secretary made clear he was urging all allies to increase their contributions.').existing).toBeDefined();
      expect((seed.statements ?? []).filter((s) => s.text === 'urging all allies to increase their contributions')).toHaveLength(0);
      expect((seed.skipped ?? []).find((s) => s.text === 'urging all allies to increase their contributions')?.why).toMatch(/inside the quotation .*, which is already statement .*: not drafted as a new statement/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads "said that", "added that" and "according to X,"', () => {
    const bird = fixtureDraft('bird-flu-pact');
    expect(speakerName(bird, statementWith(bird, 'laboratories in six countries had already agreed to run tests around the clock'))).toBe('Samuel Okafor');
    expect(speakerName(bird, statementWith(bird, 'British laboratories were already sending their results to the network'))).toBe('Owen Pritchard');
    expect(speakerName(bird, (bird.statements ?? []).find((s) => s.text.startsWith('the EAHN will publish a weekly map'))!)).toBe('Samuel Okafor');
  });
});

describe('entities', () => {
  it('matches persons, countries and organizations of the knowledge base by name, alias, surname and demonym', () => {
    const seed = seedDraft();
    expect(personOf(seed, 'paolo-gentiloni')).toMatchObject({ existing: true, matchedBy: expect.stringContaining('Paolo Gentiloni') });
    const italy = (seed.countries ?? []).find((c) => c.id === 'italy')!;
    expect(italy.existing).toBe(true);
    expect((italy.evidence ?? []).map((e) => (typeof e === 'string' ? e : e.text))).toContain('Italian');
    expect((seed.organizations ?? []).find((o) => o.id === 'islamic-state')?.evidence?.map((e) => (typeof e === 'string' ? e : e.text))).toEqual(expect.arrayContaining(['Daesh', 'ISIL']));
    // Invented snippet: a surname alone (the knowledge base has it as an alias too).
    const file = draft({ text: 'Talks go on\n\nStoltenberg said the alliance would meet again in spring.', publishedOn: '2016-01-10' });
    expect(personOf(file, 'jens-stoltenberg')).toMatchObject({ existing: true, matchedBy: expect.stringMatching(/(?:surname|alias) "Stoltenberg"/) });
  });

  it('matches a person by the one office they hold in the knowledge base', () => {
    // Invented snippet.
    const file = draft({ text: 'Allies meet again\n\nThe Secretary of State said the coalition would need more aircraft before winter.', publishedOn: '2015-12-03' });
    expect(statementWith(file, 'the coalition would need more aircraft before winter').speaker).toBe('john-kerry');
    expect(personOf(file, 'john-kerry')?.matchedBy).toMatch(/^role "Secretary of State"/);
  });

  it('drafts new persons with their roles as stated, demonyms as countries, ids and descriptions from the article’s words', () => {
    const seed = seedDraft(empty);
    const gentiloni = personOf(seed, 'paolo-gentiloni')!;
    expect(gentiloni.existing ?? false).toBe(false);
    expect(gentiloni.roles?.[0]).toMatchObject({ title: 'Foreign Minister', statedAs: 'Italian Foreign Minister', country: 'italy' });
    expect(gentiloni.description).toMatch(/Italian Foreign Minister/);
    const italy = (seed.countries ?? []).find((c) => c.id === 'italy')!;
    expect(italy).toMatchObject({ isoAlpha2: 'IT', isoAlpha3: 'ITA' });
    // Invented snippet: "British" is the United Kingdom.
    const file = draft({ text: 'Fishing deal\n\nThe British minister, Jane Moor, said the quota was fair.', publishedOn: '2024-05-02' }, empty);
    expect((file.countries ?? []).map((c) => c.name)).toContain('United Kingdom');
  });

  it('never drafts a month or a weekday as a person or an organization', () => {
    // Invented snippet: compromise reads "April" before a closing quote as a name, "June" and "January" after "in" and "since".
    const file = draft({
      text: 'Patrols extended\n\n“The vessels will stay until the review in April,” Venros said. In June, Venros met Ilse Marquand. “We have waited since January,” said Marquand. “Nothing moves before Monday,” said Tuesday.',
      publishedOn: '2016-05-05',
    }, empty);
    const names = [...(file.persons ?? []).map((p) => p.name), ...(file.organizations ?? []).map((o) => o.name)];
    for (const calendar of ['April', 'June', 'January', 'Monday', 'Tuesday']) expect(names).not.toContain(calendar);
    expect(names).toEqual(expect.arrayContaining(['Venros', 'Ilse Marquand']));
    expect(speakerName(file, statementWith(file, 'We have waited since January'))).toBe('Ilse Marquand');
    // A calendar word that is a name in full stays a name, and its surname refers back to it.
    const may = draft({ text: 'Brexit talks\n\nPrime Minister Theresa May met European leaders. “We will leave,” May said in May.', publishedOn: '2017-06-01' }, empty);
    expect((may.persons ?? []).map((p) => p.name)).toEqual(['Theresa May']);
    expect(speakerName(may, statementWith(may, 'We will leave'))).toBe('Theresa May');
  });

  it('never drafts a city as an organization: a city an event is drafted in is its location, otherwise it is left out', () => {
    // Invented snippet: a dateline in capitals (read as an acronym before), a city that is no capital, and one that is.
    const file = draft({
      text: 'Talks in Milan\n\nMILAN, July 16 — Ana Ruiz met Olga Berg in Milan on Tuesday. The NATO meeting in Milan ran late. Both will go on to Lyon and to Rome.\n\n“We made progress,” Ruiz said.',
      publishedOn: '2016-07-16',
    }, empty);
    const organizations = (file.organizations ?? []).map((o) => o.name);
    expect(organizations).toEqual(['NATO']);
    expect((file.persons ?? []).map((p) => p.name)).toEqual(['Ana Ruiz', 'Olga Berg']);
    const meeting = (file.events ?? []).find((e) => e.name === 'NATO meeting in Milan')!;
    expect(meeting.locations?.[0]).toMatchObject({ city: 'Milan' });
    // Rome is a capital (world-countries): named for its country, never an organization.
    expect((file.countries ?? []).map((c) => c.name)).toContain('Italy');
  });

  it('links an office to the organization or country it is "for" or "of", and to the demonym before it', () => {
    // Invented snippet.
    const file = draft({
      text:
        'Farm and fleet talks\n\nBritish Farming Minister Owen Harrow said the quota was fair. The Portuguese fisheries minister, Rita Sal, said it was late.\n\n' +
        '“We agree,” said Ana Lima, the spokeswoman for the government of Portugal. “We agree too,” said Dana Rill, a spokeswoman for NATO. ' +
        '“Fine,” said Ola Berg, the mayor of Milan.',
      publishedOn: '2024-05-02',
    }, empty);
    const roleOf = (name: string) => (file.persons ?? []).find((p) => p.name === name)!;
    expect(roleOf('Owen Harrow').roles?.[0]).toMatchObject({ title: 'Farming Minister', statedAs: 'British Farming Minister', country: 'united-kingdom' });
    expect(roleOf('Rita Sal').roles?.[0]).toMatchObject({ title: 'Fisheries Minister', country: 'portugal' });
    expect(roleOf('Ana Lima').roles?.[0]).toMatchObject({ title: 'Spokeswoman', statedAs: 'spokeswoman for the government of Portugal', country: 'portugal' });
    expect(roleOf('Dana Rill').roles?.[0]).toMatchObject({ title: 'Spokeswoman', statedAs: 'spokeswoman for NATO', organization: 'nato' });
    // A city is neither: the role is left out, and the review says so.
    expect(roleOf('Ola Berg').roles).toEqual([]);
    expect(roleOf('Ola Berg').review?.reasons?.join(' ')).toMatch(/office "mayor of Milan" stated without a country or organization/);
    expect((file.organizations ?? []).map((o) => o.name)).toEqual(['NATO']);
    // On the test dataset, the organization is the stored one.
    const known = draft({ text: 'Talks\n\n“We agree,” said Dana Rill, a spokeswoman for NATO.', publishedOn: '2016-01-10' });
    expect(personOf(known, 'dana-rill')?.roles?.[0]).toMatchObject({ organization: 'nato' });
    expect((known.organizations ?? []).find((o) => o.id === 'nato')?.existing).toBe(true);
  });

  it('drafts a new country or organization the same way in every article, so drafts of one batch propose the same record', () => {
    // Invented snippets: two articles that name Latvia and the Baltic Grain Council, drafted independently.
    const first = draft({ text: 'Grain talks\n\nLatvia joined the Baltic Grain Council on Monday. “We are ready,” Ilse Varna said.', publishedOn: '2024-05-02' }, empty);
    const second = draft({ text: 'Ports reopen\n\nShips from Latvia docked early, the Baltic Grain Council said. “It is a start,” said Ola Berg.', publishedOn: '2024-05-03' }, empty);
    const own = (file: ArticleFileInput) => ({
      country: (file.countries ?? []).filter((c) => c.name === 'Latvia').map(({ id, name, description, isoAlpha2, isoAlpha3 }) => ({ id, name, description, isoAlpha2, isoAlpha3 })),
      organization: (file.organizations ?? []).filter((o) => o.name === 'Baltic Grain Council').map(({ id, name, description, kind }) => ({ id, name, description, kind })),
    });
    expect(own(first).country).toHaveLength(1);
    expect(own(first).organization).toHaveLength(1);
    expect(own(second)).toEqual(own(first));
    // Where the article named it stays in the review.
    expect((first.countries ?? [])[0]?.review?.reasons?.join(' ')).toMatch(/Country named in "Grain talks"/);
    const plan = previewArticles(empty, [{ name: 'first.json', content: JSON.parse(JSON.stringify(first)) }, { name: 'second.json', content: JSON.parse(JSON.stringify(second)) }]);
    expect(plan.problems).toEqual([]);
  });

  it('finds events: meetings, press conferences, processes and attacks with their dates', () => {
    const seed = seedDraft(empty);
    const names = (seed.events ?? []).map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['NATO meeting in Brussels', 'press conference', 'Vienna process', 'Paris attacks']));
    const paris = (seed.events ?? []).find((e) => e.name === 'Paris attacks')!;
    expect(paris).toMatchObject({ kind: 'ATTACK', start: { value: '2015-11-13', inferred: true }, id: 'paris-attacks-2015-11-13' });
    const matched = seedDraft();
    expect((matched.events ?? []).find((e) => e.id === 'paris-attacks')?.existing).toBe(true);
  });
});

describe('known statements', () => {
  it('reports a quote already in the knowledge base as a new report of it (same speaker, same words)', () => {
    const seed = seedDraft();
    const quotes = (seed.statements ?? []).filter((s) => s.kind === 'QUOTE');
    expect(quotes).toHaveLength(12);
    expect(quotes.every((q) => typeof q.existing === 'string')).toBe(true);
    expect(statementWith(seed, 'Calm and de-escalation is now of the essence').existing).toBe('stoltenberg-calm-de-escalation');
  });

  it('lists near wording as a candidate, not as existing, and says so in the review', () => {
    const file = fixtureDraft('nato-brussels-rereport');
    const variant = (file.statements ?? []).find((s) => s.text.startsWith('With regard to collective defense, we are increasing'))!;
    expect(variant.existing).toBeUndefined();
    expect(variant.candidates?.[0]).toMatchObject({ id: 'stoltenberg-readiness' });
    expect(variant.candidates![0]!.similarity).toBeGreaterThanOrEqual(0.8);
    expect(['LOW', 'MEDIUM']).toContain(variant.review?.confidence);
    expect(variant.review?.reasons?.join(' ')).toMatch(/nearly the same words as statement stoltenberg-readiness/);
    expect(statementWith(file, 'And I encourage direct dialogue between Moscow and Ankara.').existing).toBe('stoltenberg-direct-dialogue');
  });
});

describe('the statement index', () => {
  it('finds what comparing with every stored statement finds: reports, near wordings and partial quotes', () => {
    const index = KbIndex.of(dataset);
    const live = index.statements;
    const probes: [string, string, string | null][] = [];
    for (const file of [seedDraft(), seedDraft(empty), ...['bird-flu-pact', 'arctic-shipping-talks', 'nato-brussels-rereport'].map(fixtureDraft)]) {
      for (const s of file.statements ?? []) probes.push([s.text, s.kind, s.speaker ?? null]);
    }
    for (const s of live) {
      probes.push([s.text, s.kind, s.speakerId ?? null], [s.text, s.kind, null], [s.text.split(' ').slice(1).join(' '), s.kind, s.speakerId ?? null], [`${s.text} again`, s.kind, 'somebody-else']);
    }
    let matched = 0;
    for (const [text, kind, speaker] of probes) {
      const fast = index.statementIndex.findKnown(text, kind, speaker);
      expect(fast).toEqual(findKnown(text, kind, speaker, live));
      if (fast.existing || fast.candidates.length > 0) matched++;
    }
    expect(matched).toBeGreaterThan(probes.length / 2);
  });

  it('is built once per knowledge base and reused by every draft against it', () => {
    expect(KbIndex.of(dataset)).toBe(KbIndex.of(dataset));
    expect(KbIndex.of(empty)).not.toBe(KbIndex.of(dataset));
    expect(KbIndex.of(dataset).statementIndex.size).toBe(dataset.stored.statements.filter((s) => !s.retracted && !s.mergedInto).length);
  });
});

describe('dates', () => {
  it('resolves relative dates backwards from the publication date, inferred with a note', () => {
    const seed = seedDraft();
    const called = statementWith(seed, 'called on NATO countries to pony up more resources to fight the Islamic State');
    expect(called.date).toMatchObject({ value: '2015-12-01', precision: 'DAY', inferred: true, note: 'Tuesday before the publication date 2015-12-02', text: { text: 'Tuesday' } });
    const trudeau = (seed.statements ?? []).find((s) => s.text.startsWith('We talked about terrorism'))!;
    expect(trudeau.date).toMatchObject({ value: '2015-11-19', inferred: true });
    expect(seed.source.publishedOn).toMatchObject({ value: '2015-12-02' });
    // "yesterday" and "last week" in an invented fixture.
    const bird = fixtureDraft('bird-flu-pact');
    expect(statementWith(bird, 'compensation for culled flocks was still arriving months too late').date).toMatchObject({ value: '2024-03-13', inferred: true, note: expect.stringContaining('yesterday') });
  });
});

describe('ids, text and safety', () => {
  it('gives short readable ids, unique within the file and against the knowledge base', () => {
    expect(shortSlug('Kerry to NATO: Ante up for Islamic State fight', 4)).toBe('kerry-nato-ante-up');
    const allocator = new SlugAllocator(['kerry-nato']);
    expect(allocator.allocate('kerry-nato')).toBe('kerry-nato-2');
    const file = draft({ text: readSeedText(), publishedOn: '2015-12-02' }, empty);
    expect(file.source.id).toBe('kerry-nato-ante-up-2015-12-02');
    const ids = (file.statements ?? []).map((s) => s.id!);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id.split('-').length).toBeLessThanOrEqual(5);
    expect(statementWith(file, 'Calm and de-escalation is now of the essence').id).toBe('stoltenberg-calm-de-escalation');
    const again = draft({ text: 'Talks\n\n“Calm and de-escalation is now of the essence,” Jens Stoltenberg said in a new speech.', publishedOn: '2016-02-01' }, dataset);
    expect(again.statements?.[0]?.existing).toBe('stoltenberg-calm-de-escalation');
  });

  it('strips simple HTML to the text whose offsets the evidence uses', () => {
    // Invented snippet.
    const file = draft({ text: '<h1>Dam opens</h1><p>&ldquo;The water is here,&rdquo; Ana Ruiz said.</p>', publishedOn: '2024-05-02' }, empty);
    expect(file.source.text).toBe('Dam opens\n\n“The water is here,” Ana Ruiz said.');
    expect(file.source.title).toBe('Dam opens');
    expect(statementWith(file, 'The water is here').start).toBe(file.source.text.indexOf('The water'));
  });

  // How long it takes is bench/drafting.ts's to measure (under a second, bench/results/drafting.md).
  it('uses no network to draft a 1,000-word article', () => {
    const connect = vi.spyOn(net, 'connect');
    const request = vi.spyOn(http, 'request');
    const secure = vi.spyOn(https, 'request');
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    // Restored however the test ends: the files of this tier share their modules (vitest.config.ts).
    onTestFinished(() => {
      vi.restoreAllMocks();
    });
    const article = ['Ministers meet', ...Array.from({ length: 12 }, () => readFileSync(path.join(fixtureDir, 'bird-flu-pact.txt'), 'utf8').split('\n\n').slice(1, 4).join('\n\n'))].join('\n\n');
    expect(article.split(/\s+/).length).toBeGreaterThan(1000);
    const file = draftArticle({ text: article, publishedOn: '2024-03-14' }, dataset);
    expect(file.source.text).toBe(article);
    // The fixture's three paragraphs hold one quote, and each of the twelve copies drafts a statement.
    expect(file.statements).toHaveLength(12);
    for (const spy of [connect, request, secure, fetchSpy]) expect(spy).not.toHaveBeenCalled();
  });
});

interface KeyQuote { text: string; speaker: string | null; speakerLabel?: string; relayedBy?: string | null; hedge?: string | null; continuesPrevious?: boolean; existingStatementId?: string; cases?: string[] }
interface FixtureKey { publishedOn: string; quotes: KeyQuote[]; scareQuotes: string[]; notStatements: string[]; persons: { name: string | null }[] }

describe.each(['bird-flu-pact', 'arctic-shipping-talks', 'nato-brussels-rereport'])('fixture article %s', (name) => {
  const key = JSON.parse(readFileSync(path.join(fixtureDir, `${name}.key.json`), 'utf8')) as FixtureKey;
  const norm = (text: string) => foldedWords(text.replace(/\(test fixture\)/gi, '')).join(' ');

  it('finds every keyed quote with its speaker, relayer, hedge and split', () => {
    const file = fixtureDraft(name);
    for (const quote of key.quotes) {
      const drafted = statementWith(file, quote.text);
      expect(drafted.kind).toBe('QUOTE');
      const who = personOf(file, drafted.speaker);
      if (quote.speaker) expect(who?.name).toBe(quote.speaker);
      else expect(norm(who?.label ?? '')).toContain(norm(quote.speakerLabel!).replace(/^an? /, '').split(' ').slice(0, 3).join(' '));
      if (quote.relayedBy) expect(norm(speakerName(file, { speaker: drafted.relayedBy?.id ?? null }) ?? '')).toBe(norm(quote.relayedBy));
      if (quote.hedge) expect(words(drafted.hedge)).toBe(quote.hedge);
      expect(drafted.continues !== undefined).toBe(!!quote.continuesPrevious);
      if (quote.cases?.includes('existing-verbatim')) expect(drafted.existing).toBe(quote.existingStatementId);
      if (quote.cases?.some((c) => c === 'existing-variant' || c === 'existing-partial')) expect(drafted.candidates?.map((c) => c.id)).toContain(quote.existingStatementId);
    }
  });

  it('drafts no scare quote, headline words or hypothetical nested quote', () => {
    const file = fixtureDraft(name);
    const drafted = (file.statements ?? []).map((s) => norm(s.text));
    for (const text of [...key.scareQuotes, ...key.notStatements]) expect(drafted).not.toContain(norm(text));
  });

  it('names every keyed person', () => {
    const file = fixtureDraft(name);
    for (const person of key.persons.filter((p) => p.name)) expect((file.persons ?? []).map((p) => p.name)).toContain(person.name);
  });
});

// ---------------------------------------------------------------------------------------------------

function readSeedText(): string {
  return (JSON.parse(readFileSync(path.join(projectRoot, 'test/fixtures/dataset/sources.json'), 'utf8')) as { text: string }[])[0]!.text;
}

const seedCache = new Map<KnowledgeBase, ArticleFileInput>();
function seedDraft(kb: KnowledgeBase = dataset): ArticleFileInput {
  if (!seedCache.has(kb)) seedCache.set(kb, draft({ text: readSeedText(), publishedOn: '2015-12-02' }, kb));
  return seedCache.get(kb)!;
}

const fixtureCache = new Map<string, ArticleFileInput>();
function fixtureDraft(name: string): ArticleFileInput {
  if (!fixtureCache.has(name)) {
    const key = JSON.parse(readFileSync(path.join(fixtureDir, `${name}.key.json`), 'utf8')) as FixtureKey;
    fixtureCache.set(name, draft({ text: readFileSync(path.join(fixtureDir, `${name}.txt`), 'utf8'), publishedOn: key.publishedOn }));
  }
  return fixtureCache.get(name)!;
}
