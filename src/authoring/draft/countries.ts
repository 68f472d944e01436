/**
 * Countries by every name the news uses for them, from world-countries: common and official names,
 * alternative spellings, English demonyms ("Italian", "British") and capitals used for their governments
 * ("Moscow and Ankara"). Nothing here is typed by hand but the few forms the data lacks a rule for.
 */
import worldCountriesModule, { type Country } from 'world-countries';
import { foldText } from '../../kb/text.js';

/** The package's types describe a CommonJS default export; at run time under ESM the array is the default itself. */
const worldCountries: readonly Country[] = Array.isArray(worldCountriesModule)
  ? (worldCountriesModule as readonly Country[])
  : (worldCountriesModule as unknown as { default: readonly Country[] }).default;

export interface WorldCountry {
  name: string;
  isoAlpha2: string;
  isoAlpha3: string;
}

export type CountryMatchKind = 'name' | 'alias' | 'demonym' | 'capital';

export interface CountryMatch {
  country: WorldCountry;
  by: CountryMatchKind;
}

/** Country codes ("US", "IT") would collide with ordinary words ("us", "it") and are matched case-sensitively, dots removed ("U.S."). */
const byCode = new Map<string, WorldCountry>();
const byFoldedName = new Map<string, CountryMatch>();

const sovereign = new Set<WorldCountry>();
const rank: Record<CountryMatchKind, number> = { name: 0, alias: 1, demonym: 2, capital: 3 };

function add(form: string, match: CountryMatch): void {
  const key = foldText(form);
  const known = byFoldedName.get(key);
  // A name beats an alias beats a demonym beats a capital; among equals a UN member beats a territory
  // ("American" is the United States, not American Samoa's demonym).
  const better = !known || rank[match.by] < rank[known.by] || (rank[match.by] === rank[known.by] && sovereign.has(match.country) && !sovereign.has(known.country));
  if (better) byFoldedName.set(key, match);
}

for (const entry of worldCountries) {
  const country: WorldCountry = { name: entry.name.common, isoAlpha2: entry.cca2, isoAlpha3: entry.cca3 };
  if (entry.unMember) sovereign.add(country);
  add(entry.name.common, { country, by: 'name' });
  add(entry.name.official, { country, by: 'alias' });
  // "The Philippines", "the United States": the article's form often carries "the".
  add(`the ${entry.name.common}`, { country, by: 'name' });
  for (const spelling of [entry.name.official, ...entry.altSpellings]) {
    if (/^[A-Z]{2,3}$/.test(spelling)) byCode.set(spelling, country);
    else add(spelling, { country, by: 'alias' });
    // "Republic of Turkey" gives "Turkey": the short form news still prints when the common name changed (Türkiye).
    const short = /^(?:the )?(?:Republic|Kingdom|State|Federation|Commonwealth|Principality|Sultanate|Emirate|Union) of (?:the )?(.+)$/.exec(spelling)?.[1];
    if (short && !/\b(?:of|and)\b/.test(short) && !byFoldedName.has(foldText(short))) add(short, { country, by: 'alias' });
  }
  const demonyms = entry.demonyms['eng'];
  if (demonyms) {
    add(demonyms.m, { country, by: 'demonym' });
    add(demonyms.f, { country, by: 'demonym' });
  }
  for (const capital of entry.capital ?? []) add(capital, { country, by: 'capital' });
}

/** The country a name, alias, code, demonym or capital stands for. */
export function lookUpCountry(words: string): CountryMatch | undefined {
  const trimmed = words.replace(/[’']s$/, '').trim();
  const code = trimmed.replace(/\./g, '');
  if (/^[A-Z]{2,3}$/.test(code) && (code !== trimmed || trimmed.length === 3 || trimmed === 'US' || trimmed === 'UK')) {
    const country = byCode.get(code);
    if (country) return { country, by: 'alias' };
  }
  return byFoldedName.get(foldText(trimmed));
}

/** Every country, for matching the knowledge base's countries to ISO codes. */
export function countryByAlpha2(code: string): WorldCountry | undefined {
  return byCode.get(code);
}
