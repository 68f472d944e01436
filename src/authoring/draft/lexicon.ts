/**
 * The words of this product's own craft: how news attributes speech and names offices. Everything else
 * (names, places, dates, parts of speech) comes from compromise and world-countries.
 */

/** Verbs that attribute words in quotation marks or reported speech, in the forms news prints. */
export const SAYING_VERBS = new Set([
  'said', 'says', 'say', 'told', 'tells', 'stated', 'states', 'added', 'adds', 'urged', 'urges', 'urging', 'urge', 'explained', 'explains',
  'warned', 'warns', 'insisted', 'insists', 'noted', 'notes', 'argued', 'argues', 'announced', 'announces', 'declared', 'declares',
  'asked', 'asks', 'replied', 'replies', 'wrote', 'writes', 'stressed', 'stresses', 'claimed', 'claims', 'acknowledged', 'admitted',
  'conceded', 'pledged', 'pledges', 'vowed', 'vows', 'promised', 'promises', 'predicted', 'suggested', 'recalled', 'remarked',
  'continued', 'concluded', 'reiterated', 'underscored', 'underlined', 'emphasized', 'emphasised', 'reinforced', 'encouraged',
  'called', 'calls', 'demanded', 'demands', 'proposed', 'repeated', 'cautioned', 'complained', 'confirmed', 'denied', 'estimated',
  'briefed', 'mentioned', 'observed', 'countered', 'agreed', 'tweeted', 'posted', 'testified', 'warning', 'saying', 'arguing', 'insisting',
]);

/** Verbs whose reported content follows "that" or directly ("said the plan would fail"). */
export const CLAUSE_VERBS = new Set([
  'said', 'says', 'say', 'told', 'tells', 'stated', 'states', 'added', 'adds', 'explained', 'explains', 'warned', 'warns',
  'insisted', 'insists', 'noted', 'notes', 'argued', 'argues', 'announced', 'announces', 'declared', 'declares', 'wrote', 'writes',
  'stressed', 'stresses', 'claimed', 'claims', 'acknowledged', 'admitted', 'conceded', 'predicted', 'suggested', 'recalled',
  'remarked', 'reiterated', 'emphasized', 'emphasised', 'cautioned', 'complained', 'confirmed', 'denied', 'estimated', 'agreed',
  'warning', 'saying', 'arguing', 'insisting',
]);

/**
 * Verbs whose report is the verb phrase itself ("called on NATO countries to pony up …", "pledged to help …"):
 * the paraphrase starts at the verb, as the curated seed cuts them.
 */
export const ACTION_VERBS = new Set([
  'urged', 'urges', 'urging', 'urge', 'pledged', 'pledges', 'vowed', 'vows', 'promised', 'promises', 'underscored', 'underlined',
  'reinforced', 'encouraged', 'demanded', 'demands', 'proposed', 'called', 'calls', 'pressed', 'appealed',
]);

/** Saying verbs that only attribute a quotation (never introduce a paraphrase of their own). */
export const QUOTE_ONLY_VERBS = new Set(['added', 'adds', 'continued', 'replied', 'replies', 'asked', 'asks', 'concluded', 'tweeted', 'posted', 'wrote', 'writes', 'countered', 'remarked', 'briefed', 'mentioned', 'observed', 'testified', 'repeated', 'agreed']);

/** Heads of an office ("Minister", "spokesman"); a title ends with one. */
export const ROLE_HEADS = new Set([
  'minister', 'secretary', 'president', 'spokesman', 'spokeswoman', 'spokesperson', 'ambassador', 'envoy', 'chancellor', 'governor',
  'senator', 'mayor', 'general', 'commander', 'chief', 'director', 'chairman', 'chairwoman', 'chair', 'leader', 'official', 'adviser',
  'advisor', 'king', 'queen', 'prince', 'pope', 'premier', 'representative', 'lawmaker', 'diplomat', 'officer', 'judge', 'prosecutor',
  'head', 'chairperson', 'administrator', 'commissioner', 'deputy', 'negotiator', 'analyst', 'aide', 'source', 'spokesperson',
]);

/** Words that qualify an office ("Foreign Minister", "Deputy Prime Minister"). */
export const ROLE_MODIFIERS = new Set([
  'foreign', 'prime', 'defense', 'defence', 'interior', 'finance', 'deputy', 'vice', 'state', 'acting', 'top', 'senior', 'press',
  'agriculture', 'farming', 'health', 'trade', 'economy', 'economic', 'justice', 'education', 'environment', 'energy', 'culture',
  'home', 'labour', 'labor', 'transport', 'treasury', 'attorney', 'executive', 'managing', 'chief', 'general', 'secretary', 'first',
  'military', 'national', 'security', 'communications', 'assistant', 'associate', 'special', 'junior',
  'fisheries', 'fishing', 'industry', 'housing', 'migration', 'immigration', 'development', 'science', 'technology', 'tourism',
  'infrastructure', 'climate', 'commerce', 'budget', 'social', 'sports', 'veterans', 'water',
]);

/** Words before an office that say when it was held, kept in `statedAs` but not in the title. */
export const ROLE_TENSE_WORDS = new Set(['new', 'former', 'outgoing', 'incoming', 'then', 'newly', 'current', 'interim']);

/** Nouns that make a phrase an unnamed speaker ("a State Department official", "a senior diplomat"). */
export const UNNAMED_HEADS = new Set([
  'official', 'officials', 'diplomat', 'spokesman', 'spokeswoman', 'spokesperson', 'aide', 'source', 'officer', 'adviser', 'advisor',
  'analyst', 'minister', 'lawmaker', 'negotiator', 'envoy', 'executive', 'employee', 'member', 'representative', 'witness', 'resident',
  'expert', 'person', 'man', 'woman', 'farmer', 'doctor', 'commander', 'soldier', 'activist', 'researcher', 'scientist',
]);

/** Last words that make a capitalised phrase an organization. */
export const ORGANIZATION_HEADS = new Set([
  'department', 'ministry', 'post', 'times', 'network', 'association', 'agency', 'council', 'union', 'organization', 'organisation',
  'party', 'committee', 'commission', 'bank', 'fund', 'institute', 'university', 'court', 'parliament', 'congress', 'senate',
  'army', 'navy', 'forces', 'group', 'company', 'corporation', 'inc', 'ltd', 'news', 'press', 'service', 'office', 'alliance',
  'coalition', 'federation', 'league', 'front', 'movement', 'journal', 'herald', 'tribune', 'courier', 'guardian', 'telegraph',
  'reuters', 'broadcasting', 'foundation', 'authority', 'board', 'bureau', 'assembly', 'cabinet', 'government', 'secretariat',
  'brigade', 'brigades', 'corps', 'cooperation', 'community', 'forum', 'partnership', 'guard', 'police', 'taliban', 'hamas', 'hezbollah', 'state', 'rapide', 'gazette', 'monitor', 'review', 'dispatch',
]);

/** Organization heads that name a news outlet (a relayer of others' words). */
export const NEWS_OUTLET_HEADS = new Set(['review', 'dispatch', 'post', 'times', 'news', 'press', 'journal', 'herald', 'tribune', 'courier', 'guardian', 'telegraph', 'reuters', 'broadcasting', 'gazette', 'monitor']);
export const DEPARTMENT_HEADS = new Set(['department', 'ministry', 'office', 'agency', 'bureau', 'secretariat', 'cabinet', 'government', 'police', 'army', 'navy', 'forces']);
export const ALLIANCE_HEADS = new Set(['alliance', 'union', 'league', 'federation', 'council', 'network', 'association', 'commission', 'organization', 'organisation', 'assembly', 'coalition']);
export const MILITANT_HEADS = new Set(['front', 'brigade', 'brigades', 'taliban', 'hamas', 'hezbollah', 'state', 'movement']);

/** Words that hedge a report. */
export const HEDGES = /\b(reportedly|allegedly|purportedly|is said to(?: have)?|are said to(?: have)?|was said to(?: have)?|were said to(?: have)?|is reported to(?: have)?|was reported to(?: have)?|apparently)\b/i;

export const MALE_PRONOUNS = new Set(['he', 'him', 'his', 'himself']);
export const FEMALE_PRONOUNS = new Set(['she', 'her', 'hers', 'herself']);
export const MALE_WORDS = /\b(?:mr|sir|king|prince|father|brother|son|husband|spokesman|chairman|himself)\b/i;
export const FEMALE_WORDS = /\b(?:mrs|ms|miss|madam|queen|princess|mother|sister|daughter|wife|spokeswoman|chairwoman|herself)\b/i;

/** Words a scare quote follows: the quoted words are a term the writer uses ("a “caliphate”", "so-called “reset”"), not someone's speech. */
export const TERM_BEFORE = /(?:\b(?:so-called|dubbed|called|termed|labelled|labeled|known as|a|an|the|its|their|his|her|our|this|that|these|those|what (?:\w+ )?(?:calls?|called|describes? as|described as)|as a|as an)\s*)$/i;

/**
 * Calendar words: months (with the abbreviations news prints) and weekdays. compromise now and then tags
 * one as a name ("until the review in April,” Venros said"); on its own such a word never names a person
 * or an organization ("Theresa May" is a name; "May" alone refers to her only once the article has named her).
 */
export const CALENDAR_WORDS = new Set([
  'january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december',
  'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec',
  'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday',
]);

/** Whether every word of `phrase` is a calendar word ("June", "Sept.", "Monday"). */
export function isCalendarPhrase(phrase: string): boolean {
  const words = phrase.toLowerCase().replace(/['’]s$/, '').split(/[\s.,]+/).filter(Boolean);
  return words.length > 0 && words.every((w) => CALENDAR_WORDS.has(w));
}
