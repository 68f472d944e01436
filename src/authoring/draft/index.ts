/**
 * Drafts an article file from an article's text: the quotes and paraphrases with their speakers, the
 * persons, countries, organizations and events it names (matched to the knowledge base where they are
 * already known), the dates it gives, and what it chose not to draft. The curator reviews the file and
 * applies it; nothing here writes to the knowledge base, reads the network or runs a model.
 */
import type { KnowledgeBase } from '../../kb/knowledge-base.js';
import type { ArticleFileInput, DateEntry, StatementEntry, Words } from '../draft-file.js';
import { eventSlug, slugify, SlugAllocator, sourceSlug, statementSlug } from '../../kb/slugs.js';
import { attributionAfter, attributionBefore, sentenceStartBefore, wordsIn, type SayingClause } from './attribution.js';
import { findDates, type DateMention } from './dates.js';
import { Entities, type Ref } from './entities.js';
import { findEvents, type EventDraft } from './events.js';
import { foldName, KbIndex } from './kb-index.js';
import { findParaphrases, type ParaphraseCandidate } from './paraphrases.js';
import { clip } from '../../kb/text.js';
import { prepareText, type Span } from './plain-text.js';
import { findQuotations, type Quotation } from './quotations.js';
import { Speakers, type Confidence, type ResolvedSpeaker } from './speakers.js';
import { analyse } from './tokens.js';
import { lookUpCountry } from './countries.js';
import { isCalendarPhrase, TERM_BEFORE, UNNAMED_HEADS } from './lexicon.js';

export interface DraftInput {
  text: string;
  title?: string;
  /** YYYY-MM-DD (or YYYY-MM): relative dates are resolved against it. */
  publishedOn?: string;
  url?: string;
  sourceId?: string;
}

interface Drafted {
  kind: 'QUOTE' | 'PARAPHRASE';
  span: Span;
  attribution: Span;
  speaker: ResolvedSpeaker | null;
  relayer?: { ref: Ref; words: Span };
  hedge?: Span;
  continues?: Drafted;
  reasons: string[];
  confidence: Confidence;
  quote?: Quotation;
  /** For reported speech found inside quotation marks: the quotation (the quote is the statement; see below). */
  insideQuote?: Quotation;
  /** The quotation's words report a speech act of someone other than its speaker: a statement of that person's own. */
  reportsAnother?: boolean;
  id?: string;
  existing?: string;
}

const CONFIDENCE_RANK: Record<Confidence, number> = { HIGH: 2, MEDIUM: 1, LOW: 0 };
function lowest(...levels: Confidence[]): Confidence {
  return levels.reduce((a, b) => (CONFIDENCE_RANK[b] < CONFIDENCE_RANK[a] ? b : a), 'HIGH');
}

export function draftArticle(input: DraftInput, kb: KnowledgeBase): ArticleFileInput {
  return draftWithIndex(input, KbIndex.of(kb));
}

/** Drafts `input` against what `index` holds of the knowledge base (all of it, or on PostgreSQL what one text can look up: draft/scoped.ts). */
export function draftWithIndex(
  input: DraftInput,
  index: KbIndex,
  /** The text prepared and analysed already (the same for every run of a draft: scoped.ts). */
  done: { prepared: ReturnType<typeof prepareText>; analysis: ReturnType<typeof analyse> } | undefined = undefined,
): ArticleFileInput {
  const prepared = done?.prepared ?? prepareText(input.text, input.title);
  const { text } = prepared;
  const publishedOn = input.publishedOn && /^\d{4}-\d{2}(?:-\d{2})?$/.test(input.publishedOn) ? input.publishedOn : undefined;
  const analysis = done?.analysis ?? analyse(text);
  const notArticle: Span[] = [...prepared.markerLines, ...(prepared.headline ? [prepared.headline] : [])];
  const skipped: { text: string; start: number; why: string }[] = [];

  const entities = new Entities(index, text, publishedOn);
  entities.recognise(analysis, notArticle);
  entities.acronyms();
  const speakers = new Speakers(entities, text, analysis.sentences);
  const dates = findDates(text, analysis.paragraphs, publishedOn);

  const allQuotes = findQuotations(text, analysis.paragraphs);
  const quotes: Quotation[] = [];
  for (const quote of allQuotes) {
    const where = notArticle.find((s) => s.start <= quote.open && quote.open < s.end);
    if (where) skipped.push({ text: quote.text, start: quote.start, why: where === prepared.headline ? 'in the headline: a headline is never a statement' : 'in a marker line, not part of the article' });
    else quotes.push(quote);
  }
  if (prepared.headline) {
    const headline = text.slice(prepared.headline.start, prepared.headline.end);
    if (!skipped.some((s) => s.start >= prepared.headline!.start && s.start < prepared.headline!.end)) skipped.push({ text: headline, start: prepared.headline.start, why: 'the headline: a headline is never a statement' });
  }
  for (const marker of prepared.markerLines) skipped.push({ text: text.slice(marker.start, marker.end), start: marker.start, why: 'a marker line that labels the text (not part of the article)' });

  const paraphrases = findParaphrases(text, analysis.sentences, quotes, notArticle);
  const drafted: Drafted[] = [];
  const byQuote = new Map<Quotation, Drafted>();

  type Item = { at: number; quote?: Quotation; paraphrase?: ParaphraseCandidate };
  const items: Item[] = [...quotes.map((quote) => ({ at: quote.open, quote })), ...paraphrases.filter((p) => !p.relayedByQuote).map((paraphrase) => ({ at: paraphrase.at, paraphrase }))].sort((a, b) => a.at - b.at);

  for (const item of items) {
    if (item.quote) {
      const result = draftQuote(item.quote);
      if (result) {
        drafted.push(result);
        byQuote.set(item.quote, result);
        if (result.speaker) speakers.record(result.speaker.ref, item.quote.open);
      }
    } else if (item.paraphrase) {
      const result = draftParaphrase(item.paraphrase);
      if (result) drafted.push(result);
    }
  }
  for (const candidate of paraphrases.filter((p) => p.relayedByQuote)) {
    const result = draftParaphrase(candidate);
    if (result) drafted.push(result);
  }
  drafted.sort((a, b) => a.span.start - b.span.start);

  function draftQuote(quote: Quotation): Drafted | undefined {
    const paragraph = analysis.paragraphs.find((p) => p.index === quote.paragraph)!;
    const siblings = quotes.filter((q) => q.paragraph === quote.paragraph);
    const previous = siblings.filter((q) => q.close < quote.open).pop();
    const next = siblings.find((q) => q.open > quote.close);
    const after = attributionAfter(text, quote.close + 1, next ? next.open : paragraph.end);
    const beforeFrom = Math.max(sentenceStartBefore(text, quote.open, paragraph.start), previous ? previous.close + 1 : paragraph.start);
    const before = attributionBefore(text, beforeFrom, quote.open);
    const directlyAfter = after && text.slice(quote.close + 1, after.words.start).trim().replace(/[,”"’]/g, '').length === 0;
    const quoteWords = wordsIn(text, quote.start, quote.end);
    const reasons: string[] = [];

    // A short quoted term with no sentence of its own is a scare quote unless someone is reported saying it.
    if (quoteWords.length <= 3 && !/[.!?]$/.test(quote.text)) {
      const lead = text.slice(Math.max(paragraph.start, quote.open - 40), quote.open);
      if (TERM_BEFORE.test(lead) || (!directlyAfter && !before)) {
        skipped.push({ text: quote.text, start: quote.start, why: TERM_BEFORE.test(lead) ? `scare quote: a short term in quotation marks after "${TERM_BEFORE.exec(lead)![0].trim()}", used as a term rather than reported as someone's words` : 'scare quote: a short term in quotation marks with no verb of saying attributing it' });
        return undefined;
      }
      reasons.push('a partial quote inside reported speech');
    }

    let clause: SayingClause | undefined = directlyAfter ? after : before ?? after;
    // “…,” according to X, after "Brandt told his counterparts that “…": Brandt spoke, X relayed it.
    if (clause && clause.order === 'according-to' && before) clause = { ...before, relayer: clause.subject };
    let speaker: ResolvedSpeaker | null = null;
    let continues: Drafted | undefined;
    if (clause) {
      speaker = speakers.resolve(clause.subject, quote.open, quote) ?? null;
      if (!speaker) reasons.push(`attribution "${text.slice(clause.words.start, clause.words.end)}" found, but its subject could not be resolved`);
      reasons.push(`attributed by "${text.slice(clause.words.start, clause.words.end)}" (${clause === after ? 'after the quote' : 'before the quote'})`);
      const previousDrafted = previous && byQuote.get(previous);
      // “A,” he said, “B.”: one attribution for both parts.
      if (previousDrafted && previousDrafted.attribution.start === clause.words.start) continues = previousDrafted;
    } else {
      const previousDrafted = previous && byQuote.get(previous);
      // The previous quote's attribution sentence is all that stands between them (“…,” Fortier told delegates. “…”).
      const between = previousDrafted && previousDrafted.attribution.start > previousDrafted.quote!.close ? text.slice(previousDrafted.quote!.close + 1, quote.open) : undefined;
      if (previousDrafted && between !== undefined && /^[^.!?“”"]*[.!?,:]?[\s”"’]*$/.test(between.replace(/^[\s,”"’]+/, ''))) {
        // “…,” he said. “…”: the second part continues the first.
        continues = previousDrafted;
        speaker = previousDrafted.speaker && { ...previousDrafted.speaker, reason: `continues the quote before it, split by "${text.slice(previousDrafted.attribution.start, previousDrafted.attribution.end)}"` };
        clause = undefined;
        reasons.push('no attribution of its own: continues the quote split by the attribution before it');
      } else {
        const earlier = [...drafted].reverse().find((d) => d.kind === 'QUOTE' && d.quote && d.quote.paragraph === quote.paragraph - 1);
        if (earlier?.speaker && /^[“"]/.test(text.slice(paragraph.start, paragraph.start + 1))) {
          speaker = { ...earlier.speaker, confidence: 'MEDIUM', reason: `no attribution: a paragraph of quotation following ${describeRef(earlier.speaker.ref)}'s quote` };
          continues = earlier;
        } else reasons.push('no attribution found: speaker left null');
      }
    }
    if (speaker) reasons.push(speaker.reason);
    const attribution = clause ? clause.words : continues ? continues.attribution : { start: quote.open, end: quote.close + 1 };
    const relayer = clause?.relayer ? resolveRelayer(clause.relayer, quote.open) : undefined;
    if (relayer) reasons.push(`relayed by ${describeRef(relayer.ref)} ("according to ${text.slice(relayer.words.start, relayer.words.end)}")`);
    if (clause?.hedge) reasons.push(`hedged: "${text.slice(clause.hedge.start, clause.hedge.end)}"`);
    return {
      kind: 'QUOTE',
      span: { start: quote.start, end: quote.end },
      attribution,
      speaker,
      ...(relayer ? { relayer } : {}),
      ...(clause?.hedge ? { hedge: clause.hedge } : {}),
      ...(continues ? { continues } : {}),
      reasons: ['words in quotation marks', ...reasons],
      confidence: lowest(speaker?.confidence ?? 'LOW', reasons.some((r) => r.startsWith('a partial quote')) ? 'MEDIUM' : 'HIGH'),
      quote,
    };
  }

  function draftParaphrase(candidate: ParaphraseCandidate): Drafted | undefined {
    if (candidate.content.end - candidate.content.start < 8) return undefined;
    // The same words drafted already (a quote, or another rule's paraphrase) are not drafted twice.
    if (drafted.some((d) => d.kind === 'PARAPHRASE' && d.span.start === candidate.content.start && d.span.end === candidate.content.end)) return undefined;
    const quoteOf = candidate.relayedByQuote && byQuote.get(candidate.relayedByQuote);
    const speaker = speakers.resolve(candidate.subject, candidate.at, candidate.relayedByQuote);
    if (!speaker) return undefined;
    // A claim about the quote's own speaker is the quote, not a second statement.
    if (quoteOf?.speaker && quoteOf.speaker.ref.key === speaker.ref.key) return undefined;
    if (!candidate.relayedByQuote) speakers.record(speaker.ref, candidate.at);
    const reasons = [`reported speech (${candidate.rule})`, speaker.reason];
    let relayer: { ref: Ref; words: Span } | undefined;
    if (candidate.relayer) relayer = resolveRelayer(candidate.relayer, candidate.at);
    else if (quoteOf?.speaker) relayer = { ref: quoteOf.speaker.ref, words: quoteOf.attribution };
    if (relayer && relayer.ref.key === speaker.ref.key) relayer = undefined;
    if (relayer) reasons.push(`relayed by ${describeRef(relayer.ref)}`);
    if (candidate.hedge) reasons.push(`hedged: "${text.slice(candidate.hedge.start, candidate.hedge.end)}"`);
    const insideQuote = quotes.find((q) => q.open < candidate.content.start && candidate.content.end <= q.close);
    // Inside a quotation only a speech act of another identifiable person that the quoted words report
    // ("The secretary made clear he was urging …", "…, which the secretary encouraged", "X briefed Y on “…”")
    // is a statement of its own, that person's; it stands in the quote speaker's words, so it is never HIGH.
    // Identifiable: a person resolved with some confidence (named, or an office or pronoun fitting someone
    // named before); "the minister" nobody introduced may be the quote's speaker speaking of herself.
    const reportsAnother = !!(insideQuote && candidate.relayedByQuote === insideQuote && candidate.speechAct && speaker.ref.type === 'person' && speaker.confidence !== 'LOW' && quoteOf?.speaker && quoteOf.speaker.ref.key !== speaker.ref.key);
    if (reportsAnother) {
      const verb = text.slice(candidate.speechAct!.start, candidate.speechAct!.end);
      reasons.push(`reported inside ${describeRef(quoteOf!.speaker!.ref)}'s quote "${clip(insideQuote!.text, { atWord: true })}": the quoted words report what ${describeRef(speaker.ref)} did or said ("${verb}"), not the quote's own claim; check that the quote speaker's report is fair`);
    }
    return {
      ...(insideQuote ? { insideQuote } : {}),
      ...(reportsAnother ? { reportsAnother } : {}),
      kind: 'PARAPHRASE',
      span: candidate.content,
      attribution: candidate.attribution.end > candidate.attribution.start ? candidate.attribution : speaker.words,
      speaker,
      ...(relayer ? { relayer } : {}),
      ...(candidate.hedge ? { hedge: candidate.hedge } : {}),
      reasons,
      confidence: lowest(speaker.confidence, 'MEDIUM'),
    };
  }

  function resolveRelayer(words: Span, at: number): { ref: Ref; words: Span } | undefined {
    const resolved = speakers.resolve(words, at);
    if (resolved) return { ref: resolved.ref, words };
    const phrase = text.slice(words.start, words.end).replace(/^the\s+/i, '');
    if (/^\p{Lu}/u.test(phrase) && !isCalendarPhrase(phrase) && !entities.isPlace(phrase)) {
      const start = words.end - phrase.length;
      return { ref: { type: 'organization', key: entities.organization(phrase, { start, end: words.end }).key }, words };
    }
    return undefined;
  }

  function describeRef(ref: Ref): string {
    const entity = entities.refersTo(ref);
    if (!entity) return ref.key;
    if ('roles' in entity) return entity.name ?? `the unnamed ${entity.label}`;
    return entity.name;
  }

  // ---------------------------------------------------------------------------------------------
  // Events, then ids, then the file.

  const events = findEvents(text, quotes, notArticle, dates, index);
  const ids = new SlugAllocator((id) => index.isTaken(id));
  const idOf = new Map<string, string>();
  const assign = (key: string, existingId: string | undefined, base: string) => {
    if (existingId) idOf.set(key, existingId);
    else idOf.set(key, ids.allocate(base));
    return idOf.get(key)!;
  };
  for (const person of entities.persons.values()) assign(person.key, person.existingId, slugify(person.name ?? person.label ?? 'person'));
  for (const country of entities.countries.values()) assign(country.key, country.existingId, slugify(country.name));
  for (const organization of entities.organizations.values()) assign(organization.key, organization.existingId, slugify(organization.name));
  const eventIds = new Map<EventDraft, string>();
  for (const event of events) eventIds.set(event, event.existingId ?? ids.allocate(eventSlug(event.name, event.date?.date.value)));

  const sameSource = index.sourceWithText(text);
  const sourceId = input.sourceId ?? sameSource?.id ?? ids.allocate(sourceSlug(prepared.title, publishedOn));
  const words = (span: Span): Words => ({ text: text.slice(span.start, span.end), start: span.start });
  const refId = (ref: Ref) => idOf.get(ref.key)!;
  const title = prepared.title;

  const statementEntries: StatementEntry[] = [];
  const entryOf = new Map<Drafted, StatementEntry>();
  const statementIdOf = new Map<Drafted, string>();
  for (const d of drafted) {
    const speakerId = d.speaker ? refId(d.speaker.ref) : null;
    const textOf = text.slice(d.span.start, d.span.end);
    const known = index.findKnown(textOf, d.kind, speakerId);
    // Reported speech inside quotation marks is the quote's own words: the quote is the statement, unless
    // the quoted words report a speech act of another person (drafted as theirs, see draftParaphrase). A
    // statement the knowledge base already holds in these words, by this speaker, is reported again.
    if (d.insideQuote && !d.reportsAnother && !known.existing) {
      skipped.push({ text: textOf, start: d.span.start, why: `reported speech inside the quotation "${clip(d.insideQuote.text, { atWord: true })}" that reports no speech act of an identifiable person other than the quote's speaker: the quote itself is the statement` });
      continue;
    }
    // A quotation the knowledge base already holds was read when it was stored: whom its words report is
    // that reading's (a statement of those words it holds, reported again above), not whoever the new
    // article names before it ("the secretary" resolved to another secretary).
    if (d.insideQuote && !known.existing) {
      const quoteDrafted = byQuote.get(d.insideQuote);
      const quoteSpeaker = quoteDrafted?.speaker ? refId(quoteDrafted.speaker.ref) : null;
      const storedQuote = index.findKnown(d.insideQuote.text, 'QUOTE', quoteSpeaker).existing;
      if (storedQuote) {
        const held = known.candidates[0];
        skipped.push({ text: textOf, start: d.span.start, why: `reported speech inside the quotation "${clip(d.insideQuote.text, { atWord: true })}", which is already statement ${storedQuote.id}: not drafted as a new statement of ${d.speaker ? describeRef(d.speaker.ref) : 'its speaker'}${held ? `; the knowledge base holds these words as ${held.id}: report it if it is the same` : ''}` });
        continue;
      }
    }
    const reasons = [...d.reasons];
    let confidence = d.confidence;
    if (known.existing) {
      reasons.push(`the same words by the same speaker are already statement ${known.existing.id}: drafted as a new report of it`);
      statementIdOf.set(d, known.existing.id);
    } else {
      const speakerEntity = d.speaker ? entities.refersTo(d.speaker.ref) : undefined;
      const surname = speakerEntity ? (('roles' in speakerEntity ? (speakerEntity.name ?? speakerEntity.label) : speakerEntity.name) ?? '') : '';
      // An unnamed speaker's id word is the noun that makes them a speaker ("official" in "a senior official at the network").
      const labelWords = speakerEntity && 'roles' in speakerEntity && speakerEntity.name === null ? slugify(speakerEntity.label ?? '').split('-') : [];
      const speakerWord = labelWords.length > 0 ? (labelWords.find((w) => UNNAMED_HEADS.has(w)) ?? labelWords[0]) : slugify(surname).split('-').pop();
      statementIdOf.set(d, ids.allocate(statementSlug(speakerWord || null, textOf)));
      if (known.candidates.length > 0) {
        const best = known.candidates[0]!;
        confidence = lowest(confidence, best.sameSpeaker ? 'MEDIUM' : 'LOW');
        reasons.push(
          best.part
            ? `the words are part of statement ${best.id} by the same speaker (a partial quote of it): set "existing" to it if this reports the same statement`
            : `nearly the same words as statement ${best.id} (similarity ${best.similarity}${best.sameSpeaker ? ', same speaker' : ''}): set "existing" to it if it is the same statement`,
        );
      }
    }
    const date = statementDate(d);
    if (date?.inferred) reasons.push(`date ${date.value}: ${date.note}`);
    const mentions = entities
      .sortedMentions()
      .filter((m) => m.start >= d.span.start && m.end <= d.span.end && m.ref.type !== 'event' && idOf.has(m.ref.key))
      .map((m) => ({ id: refId(m.ref), words: words(m) }));
    const entry: StatementEntry = {
      ...(known.existing ? { existing: known.existing.id } : { id: statementIdOf.get(d)! }),
      kind: d.kind,
      text: textOf,
      start: d.span.start,
      speaker: speakerId,
      attribution: words(d.attribution),
      ...(d.relayer ? { relayedBy: { id: refId(d.relayer.ref), evidence: [words(d.relayer.words)], inferred: false } } : {}),
      ...(d.hedge ? { hedge: words(d.hedge) } : {}),
      ...(date ? { date } : {}),
      about: [],
      mentions: dedupeMentions(mentions),
      ...(d.continues && statementIdOf.has(d.continues) ? { continues: statementIdOf.get(d.continues)! } : {}),
      review: { confidence, reasons },
      candidates: known.candidates.map(({ id, text: t, similarity }) => ({ id, text: t, similarity })),
    };
    entryOf.set(d, entry);
    statementEntries.push(entry);
  }

  function statementDate(d: Drafted): DateEntry | undefined {
    const anchor = d.kind === 'QUOTE' ? d.attribution : { start: d.attribution.start, end: d.span.end };
    const sentence = analysis.sentences.find((s) => s.start <= anchor.start && anchor.start < s.end + 1);
    if (!sentence) return undefined;
    const from = Math.min(sentence.start, anchor.start);
    const to = Math.max(sentence.end, anchor.end);
    const candidates = dates.filter((m) => m.start >= from && m.end <= to && !quotes.some((q) => q.open <= m.start && m.start <= q.close) && !(d.kind === 'PARAPHRASE' && m.start > d.span.start + 60));
    if (candidates.length === 0) return undefined;
    const nearest = candidates.sort((a, b) => Math.abs(a.start - anchor.start) - Math.abs(b.start - anchor.start))[0]!;
    return { ...nearest.date, text: words(nearest) };
  }

  const describeIn = (what: string) => `${what} in "${title}"`;
  const quotedKeys = new Set(drafted.filter((d) => d.speaker).map((d) => d.speaker!.ref.key));

  const file: ArticleFileInput = {
    source: {
      id: sourceId,
      title,
      text,
      language: 'en',
      ...(publishedOn ? { publishedOn: { value: publishedOn, inferred: false } } : {}),
      ...(input.url ? { origin: input.url } : {}),
    },
    persons: [...entities.persons.values()].map((person) => {
      // A role needs a country or an organization (a rule of the data); an office stated without either is left to the curator.
      const placed = person.roles.filter((role) => (role.organizationKey && idOf.has(role.organizationKey)) || (role.countryKey && idOf.has(role.countryKey)));
      const unplaced = person.roles.filter((role) => !placed.includes(role));
      const roles = placed.map((role) => ({
        title: role.title,
        ...(role.statedAs ? { statedAs: role.statedAs } : {}),
        ...(role.organizationKey && idOf.has(role.organizationKey) ? { organization: idOf.get(role.organizationKey)! } : {}),
        ...(role.countryKey && idOf.has(role.countryKey) ? { country: idOf.get(role.countryKey)! } : {}),
        evidence: [words(role.evidence)],
        inferred: false,
      }));
      const firstRole = person.roles[0];
      const how = quotedKeys.has(person.key) ? 'Person quoted' : 'Person named';
      const reasons = [...person.reasons];
      for (const role of unplaced) reasons.push(`office "${text.slice(role.evidence.start, role.evidence.end)}" stated without a country or organization: not drafted as a role (add one if you know it)`);
      if (person.matchedBy) reasons.push(`matched to ${person.existingId} by ${person.matchedBy}`);
      else reasons.push(person.name === null ? `an unnamed speaker the article calls "${person.label}"` : 'not in the knowledge base: a new person');
      return {
        id: idOf.get(person.key)!,
        ...(person.existingId ? { existing: true, matchedBy: person.matchedBy ?? 'name' } : { description: describeIn(firstRole ? `${how}: ${firstRole.statedAs ?? firstRole.title}` : how).replace(/ in "(.*)": (.*)$/, ' in "$1": $2') }),
        name: person.name,
        ...(person.name === null ? { label: person.label ?? 'unnamed person' } : {}),
        aliases: [...person.aliases].filter((a) => !person.existingId || !index.persons.get(person.existingId)?.aliases.some((k) => foldName(k) === foldName(a))),
        roles,
        review: { confidence: person.existingId || person.name === null ? 'HIGH' : person.mentions.length > 1 || roles.length > 0 ? 'MEDIUM' : 'LOW', reasons },
      };
    }),
    countries: [...entities.countries.values()].map((country) => ({
      id: idOf.get(country.key)!,
      // A new record's own fields say what it is, not which article named it (the review and the evidence say that):
      // drafts of one batch that name the same new country or organization then propose the same record.
      ...(country.existingId ? { existing: true, matchedBy: country.matchedBy ?? 'name' } : { description: `The country ${country.name}${country.isoAlpha3 ? ` (ISO ${country.isoAlpha2} / ${country.isoAlpha3})` : ''}.` }),
      name: country.name,
      aliases: [...country.aliases].filter((a) => !country.existingId || !index.countries.get(country.existingId)?.aliases.some((k) => foldName(k) === foldName(a))),
      ...(country.isoAlpha2 ? { isoAlpha2: country.isoAlpha2 } : {}),
      ...(country.isoAlpha3 ? { isoAlpha3: country.isoAlpha3 } : {}),
      evidence: country.mentions.map(words),
      review: { confidence: 'HIGH', reasons: [...(country.existingId ? [] : [describeIn('Country named')]), `named as ${[...new Set(country.mentions.map((m) => `"${text.slice(m.start, m.end)}"`))].join(', ')}; ISO codes from world-countries`] },
    })),
    organizations: [...entities.organizations.values()].map((organization) => ({
      id: idOf.get(organization.key)!,
      ...(organization.existingId ? { existing: true, matchedBy: organization.matchedBy ?? 'name' } : { description: `An organization the news names as "${organization.name}".`, kind: organization.kind ?? 'INTERGOVERNMENTAL_FORUM' }),
      name: organization.name,
      aliases: [...organization.aliases].filter((a) => foldName(a) !== foldName(organization.name) && (!organization.existingId || !index.organizations.get(organization.existingId)?.aliases.some((k) => foldName(k) === foldName(a)))),
      evidence: organization.mentions.map(words),
      review: organization.existingId ? { confidence: 'HIGH', reasons: [`matched by ${organization.matchedBy}`] } : { confidence: 'LOW', reasons: [describeIn('Organization named'), `kind ${organization.kind} guessed from the name's last word; check it`] },
    })),
    events: events.map((event) => {
      const countryMatch = event.city ? lookUpCountry(event.city) : undefined;
      const countryId = countryMatch && idOf.get(entities.countries.get(index.countryByIso2(countryMatch.country.isoAlpha2)?.id ?? countryMatch.country.isoAlpha2)?.key ?? '');
      return {
        id: eventIds.get(event)!,
        ...(event.existingId ? { existing: true, matchedBy: event.matchedBy ?? 'name' } : { description: describeIn(`Event mentioned as "${event.words}"`), kind: event.kind }),
        name: event.name,
        ...(event.date && !event.existingId ? { start: { ...event.date.date, text: words(event.date) } } : {}),
        locations: event.city && event.cityStart !== undefined && !event.existingId ? [{ city: event.city, ...(countryId ? { country: countryId } : {}), evidence: [{ text: event.city, start: event.cityStart }], inferred: false }] : [],
        evidence: event.mentions.map(words),
        review: event.existingId ? { confidence: 'MEDIUM', reasons: [`matched by ${event.matchedBy}`] } : { confidence: 'LOW', reasons: [`kind ${event.kind} from the words "${event.words}"`, ...(event.date ? [`start from "${event.date.words}"${event.date.date.note ? `: ${event.date.date.note}` : ''}`] : [])] },
      };
    }),
    statements: statementEntries,
    merges: [],
    skipped: skipped.sort((a, b) => a.start - b.start),
  };
  return file;
}

function dedupeMentions<M extends { id: string; words: Words }>(mentions: M[]): M[] {
  const seen = new Set<string>();
  return mentions.filter((m) => {
    const key = `${m.id}@${typeof m.words === 'string' ? m.words : m.words.start}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
