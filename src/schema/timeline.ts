import { builder } from '../builder.js';
import { badUserInput } from '../errors.js';
import type { TimelineEntry, TimelineKind } from '../kb/filters.js';
import type { EventRecord } from '../kb/records.js';
import { PartialDateRef } from './dates.js';
import { EventRef } from './event.js';
import { dateRange } from './lookup.js';
import { loadNode } from './node-loading.js';
import { connectionOf, pageWindow, storePage } from './pagination.js';
import { StatementRef, type StatementParent } from './statement.js';
import { kindOfRecord } from '../kb/reader.js';

const TimelineItemTypeEnum = builder.enumType('TimelineItemType', {
  description: 'The kinds of item a timeline can hold.',
  values: {
    EVENT: { description: 'Events, placed by their start date.' },
    STATEMENT: { description: 'Statements, placed by their own date or else by the start of the event they were said at.' },
  } as const,
});

const TimelineItemUnion = builder.unionType('TimelineItem', {
  description: 'An event or a statement on the timeline.',
  types: [EventRef, StatementRef],
  resolveType: (record: EventRecord | StatementParent) => kindOfRecord(record) as 'Event' | 'Statement',
});

const TimelineEntryRef = builder.objectRef<TimelineEntry>('TimelineEntry');
TimelineEntryRef.implement({
  description: 'One event or statement placed in time.',
  fields: (t) => ({
    date: t.field({
      type: PartialDateRef,
      nullable: true,
      description: 'The date that places the item, as precisely as known; null for an undated item (listed only with `includeUndated`).',
      resolve: (entry) => entry.date,
    }),
    dateFromEvent: t.boolean({
      description: 'True when a statement has no date of its own and is placed by the start of the event it was said at.',
      resolve: (entry) => entry.dateFromEvent,
    }),
    item: t.field({
      type: TimelineItemUnion,
      description: 'The event or statement.',
      resolve: (entry, _args, context) => loadNode(context, entry.id, [entry.kind]) as Promise<EventRecord | StatementParent>,
    }),
  }),
});

const TimelineConnection = builder.connectionObject(
  { type: TimelineEntryRef, name: 'TimelineConnection', description: 'A page of the timeline.' },
  { name: 'TimelineEdge', description: 'A timeline entry on a page, with its cursor.' },
);

const kindOfType: Record<'EVENT' | 'STATEMENT', TimelineKind> = { EVENT: 'Event', STATEMENT: 'Statement' };

builder.queryField('timeline', (t) =>
  t.connection(
    {
      type: TimelineEntryRef,
      description:
        'Events and statements in time order. Ordering rule: an item sorts at the first day its date can stand for ("November 2015" at 1 November); ' +
        'on the same day a BEFORE date comes first, then coarser dates before finer ones, and an AFTER date sorts at its last day; ' +
        'then events before statements, then data order. With `from`/`to`, items whose dates can overlap the range are included.',
      args: {
        from: t.arg({ type: 'Date', required: false, description: 'Only items that can have happened on or after this day.' }),
        to: t.arg({ type: 'Date', required: false, description: 'Only items that can have happened on or before this day.' }),
        types: t.arg({
          type: [TimelineItemTypeEnum],
          required: true,
          defaultValue: ['EVENT', 'STATEMENT'],
          description: 'Which kinds of item to include (both by default).',
        }),
        includeUndated: t.arg.boolean({
          required: true,
          defaultValue: false,
          description: 'Also list items with no date at all, after every dated one. Ignored when `from` or `to` is given, since an undated item cannot match a range.',
        }),
      },
      resolve: async (_root, args, context) => {
        if (args.types.length === 0) throw badUserInput('"types" must name at least one kind of item', { argumentName: 'types' });
        const query = { ...dateRange(args), kinds: [...new Set(args.types.map((type) => kindOfType[type]))], includeUndated: args.includeUndated };
        const page = await storePage(context.reader.timelinePage(query, pageWindow(args)));
        return connectionOf(page, (entry) => entry.id, () => context.reader.timelineCount(query));
      },
    },
    TimelineConnection,
  ),
);
