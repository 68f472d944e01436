/** The orderings connections offer. Ties always keep the order of the data files, so pages are stable. */
import { builder } from '../builder.js';

export const NameOrderEnum = builder.enumType('NameOrder', {
  description: 'How to order persons, countries or organizations.',
  values: {
    FILE_ORDER: { description: 'The order of the data file (for the seed article, roughly the order of first appearance). The default.' },
    NAME_ASC: { description: 'By name (the display name for unnamed persons), A to Z, ignoring case and accents.' },
    NAME_DESC: { description: 'By name, Z to A, ignoring case and accents.' },
  } as const,
});

const dateOrderingRule =
  'Partial dates sort at the first day they can stand for ("November 2015" at 1 November); on the same day BEFORE comes first, then the coarser date, then AFTER (which sorts at its last day). Undated items come last in either direction.';

export const EventOrderEnum = builder.enumType('EventOrder', {
  description: `How to order events. ${dateOrderingRule}`,
  values: {
    FILE_ORDER: { description: 'The order of the data file. The default.' },
    NAME_ASC: { description: 'By name, A to Z, ignoring case and accents.' },
    NAME_DESC: { description: 'By name, Z to A, ignoring case and accents.' },
    DATE_ASC: { description: 'By start date, earliest first; undated events last.' },
    DATE_DESC: { description: 'By start date, latest first; undated events last.' },
  } as const,
});

export const StatementOrderEnum = builder.enumType('StatementOrder', {
  description: `How to order statements. A statement without a date of its own is placed by the start of the event it was said at. ${dateOrderingRule}`,
  values: {
    SOURCE_ORDER: { description: 'The order the statements appear in their sources (sources in the order they were added). The default.' },
    DATE_ASC: { description: 'By date, earliest first; undated statements last, in source order.' },
    DATE_DESC: { description: 'By date, latest first; undated statements last, in source order.' },
  } as const,
});
