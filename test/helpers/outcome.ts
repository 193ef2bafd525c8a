// The stable error codes of an OperationOutcome (issue[].details.coding, src/error-codes.ts): what
// tests assert instead of the diagnostics prose.
import { ERROR_CODE_SYSTEM } from '../../src/error-codes.js';

interface OutcomeLike {
  issue?: Array<{ details?: { coding?: Array<{ system?: string; code?: string }> } }>;
}

/** The Haven error code of each issue, in order (undefined where an issue names none). */
export function errorCodes(outcome: OutcomeLike | undefined): Array<string | undefined> {
  return (outcome?.issue ?? []).map((i) => i.details?.coding?.find((c) => c.system === ERROR_CODE_SYSTEM)?.code);
}

/** The Haven error code of the first issue. */
export function errorCode(outcome: OutcomeLike | undefined): string | undefined {
  return errorCodes(outcome)[0];
}
