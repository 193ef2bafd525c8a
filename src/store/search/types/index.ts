// The search-parameter types, one definition each (types/<type>.ts, the interface in
// parameter-type.ts): the generic files ask here for the type of a parameter or a criterion.
import type { ActiveParam, ParamType } from '../registry.js';
import { compositeType } from './composite.js';
import { dateType } from './date.js';
import { numberType } from './number.js';
import type { SearchParameterType } from './parameter-type.js';
import { quantityType } from './quantity.js';
import { referenceType } from './reference.js';
import { stringType } from './string.js';
import { tokenType } from './token.js';
import { uriType } from './uri.js';

export type { SearchParameterType, ValueCriterion } from './parameter-type.js';

// Each type handles the criteria it parses, so a criterion goes to the type of its parameter.
const TYPES: Record<ParamType, SearchParameterType> = {
  string: stringType,
  token: tokenType,
  reference: referenceType,
  date: dateType,
  number: numberType,
  quantity: quantityType,
  uri: uriType,
  composite: compositeType,
};

/** The definition of a parameter's type. */
export function typeOf(param: ActiveParam): SearchParameterType {
  return TYPES[param.type];
}
