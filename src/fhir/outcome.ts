// OperationOutcome resources: the body of every FHIR error, and of informational answers. An error
// issue carries its stable reason in details.coding (src/error-codes.ts).
import type { OperationOutcome } from '@medplum/fhirtypes';
import { ERROR_CODE_SYSTEM } from '../error-codes.js';
import type { Issue } from '../errors.js';

export function operationOutcome(issues: Issue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((i) => ({
      severity: i.severity,
      code: i.code,
      ...(i.errorCode ? { details: { coding: [{ system: ERROR_CODE_SYSTEM, code: i.errorCode }] } } : {}),
      diagnostics: i.diagnostics,
      ...(i.expression?.length ? { expression: i.expression } : {}),
    })),
  };
}

export function informational(diagnostics: string): OperationOutcome {
  return operationOutcome([{ severity: 'information', code: 'informational', diagnostics }]);
}
