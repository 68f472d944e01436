import { builder } from '../builder.js';
import './dataset.js';
import './entity.js';
import './person.js';
import './country.js';
import './organization.js';
import './event.js';
import './statement.js';
import './source.js';

export const schema = builder.toSchema({ sortSchema: true });
