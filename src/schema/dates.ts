import { builder } from '../builder.js';
import { spanOf } from '../kb/indexes.js';
import type { PartialDate } from '../kb/records.js';

export const DatePrecisionEnum = builder.enumType('DatePrecision', {
  description: 'How precisely a date is known.',
  values: {
    DAY: { description: 'The day is known: `value` is YYYY-MM-DD.' },
    MONTH: { description: 'Only the month is known: `value` is YYYY-MM.' },
    YEAR: { description: 'Only the year is known: `value` is YYYY.' },
  } as const,
});

export const DateQualifierEnum = builder.enumType('DateQualifier', {
  description: 'How the thing dated relates to the date.',
  values: {
    ON: { description: 'It happened on (within) the date.' },
    BEFORE: { description: 'It happened before the date; how long before is not known.' },
    AFTER: { description: 'It happened after the date; how long after is not known.' },
  } as const,
});

const monthNames = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "1 December 2015", "December 2015", "before 1 December 2015": the date as precisely as it is known. */
export function formatPartialDate(date: PartialDate): string {
  const [year, month, day] = date.value.split('-').map(Number) as [number, number?, number?];
  const text =
    date.precision === 'YEAR' ? `${year}` : date.precision === 'MONTH' ? `${monthNames[month! - 1]} ${year}` : `${day} ${monthNames[month! - 1]} ${year}`;
  return date.qualifier === 'ON' ? text : `${date.qualifier === 'BEFORE' ? 'before' : 'after'} ${text}`;
}

export const PartialDateRef = builder.objectRef<PartialDate>('PartialDate').implement({
  description:
    'A date known only as precisely as the source allows, with whether it was read in the text or inferred from context. ' +
    'Render `text` (or `value` with `precision`), and mark it when `inferred` is true.',
  fields: (t) => ({
    value: t.exposeString('value', { description: 'The date in ISO 8601 form cut to its precision: 2015-12-01, 2015-12 or 2015.' }),
    precision: t.expose('precision', { type: DatePrecisionEnum, description: 'How precisely the date is known.' }),
    qualifier: t.expose('qualifier', { type: DateQualifierEnum, description: 'Whether it happened on, before or after the date.' }),
    inferred: t.exposeBoolean('inferred', {
      description: 'True when we worked the date out from context (the text says "Tuesday" but never the year); false when the text states it.',
    }),
    note: t.exposeString('note', { nullable: true, description: 'How an inferred date was worked out, or other caveats.' }),
    earliest: t.field({ type: 'Date', description: 'The first calendar day the date can stand for (ignoring the qualifier).', resolve: (date) => spanOf(date).earliest }),
    latest: t.field({ type: 'Date', description: 'The last calendar day the date can stand for (ignoring the qualifier).', resolve: (date) => spanOf(date).latest }),
    text: t.string({ description: 'The date in words, as precisely as it is known: "1 December 2015", "November 2015", "before 1 December 2015".', resolve: formatPartialDate }),
  }),
});
