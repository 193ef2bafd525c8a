// FhirError: a failure that the edge turns into an OperationOutcome with an HTTP status.
// It is the shared kernel of every layer: the store throws it for version conflicts and gone
// resources without knowing anything of HTTP beyond the status number the FHIR spec assigns.
// Every FhirError names its reason with a stable code (src/error-codes.ts), answered in
// `issue[].details.coding`; the diagnostics are prose for people and may be reworded.
import type { ErrorCode } from './error-codes.js';

export type { ErrorCode } from './error-codes.js';

export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

/** Codes from http://hl7.org/fhir/issue-type used by Haven. */
export type IssueCode =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'code-invalid'
  | 'invariant'
  | 'security'
  | 'login'
  | 'forbidden'
  | 'processing'
  | 'not-supported'
  | 'duplicate'
  | 'multiple-matches'
  | 'not-found'
  | 'deleted'
  | 'too-long'
  | 'too-costly'
  | 'conflict'
  | 'exception'
  | 'timeout'
  | 'throttled'
  | 'informational'
  | 'transient';

export interface Issue {
  severity: IssueSeverity;
  code: IssueCode;
  diagnostics: string;
  /** FHIRPath-style locations, e.g. "Observation.effectiveDateTime". */
  expression?: string[];
  /** The stable reason (details.coding); FhirError gives its own code to issues that name none. */
  errorCode?: ErrorCode;
}

export class FhirError extends Error {
  /** The stable reason of the refusal (its first issue's, when issues name their own). */
  readonly code: ErrorCode;
  readonly status: number;
  readonly issues: Issue[];
  /** Extra response headers, e.g. WWW-Authenticate on 401. */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, status: number, issues: Issue[] | Issue, headers: Record<string, string> = {}) {
    const list = (Array.isArray(issues) ? issues : [issues]).map((i) => (i.errorCode ? i : { ...i, errorCode: code }));
    super(list.map((i) => i.diagnostics).join('; '));
    this.name = 'FhirError';
    this.code = list[0]?.errorCode ?? code;
    this.status = status;
    this.issues = list;
    this.headers = headers;
  }

  static of(code: ErrorCode, status: number, issueCode: IssueCode, diagnostics: string, expression?: string[]): FhirError {
    return new FhirError(code, status, { severity: 'error', code: issueCode, diagnostics, ...(expression ? { expression } : {}) });
  }

  static badRequest(code: ErrorCode, diagnostics: string, expression?: string[]): FhirError {
    return FhirError.of(code, 400, 'invalid', diagnostics, expression);
  }

  static unprocessable(code: ErrorCode, diagnostics: string, expression?: string[]): FhirError {
    return FhirError.of(code, 422, 'invalid', diagnostics, expression);
  }

  static notFound(code: ErrorCode, diagnostics: string): FhirError {
    return FhirError.of(code, 404, 'not-found', diagnostics);
  }

  static gone(code: ErrorCode, diagnostics: string): FhirError {
    return FhirError.of(code, 410, 'deleted', diagnostics);
  }

  static preconditionFailed(code: ErrorCode, diagnostics: string): FhirError {
    return FhirError.of(code, 412, 'conflict', diagnostics);
  }

  static conflict(code: ErrorCode, diagnostics: string): FhirError {
    return FhirError.of(code, 409, 'conflict', diagnostics);
  }

  static notSupported(code: ErrorCode, diagnostics: string, status = 501): FhirError {
    return FhirError.of(code, status, 'not-supported', diagnostics);
  }

  static forbidden(code: ErrorCode, diagnostics: string): FhirError {
    return FhirError.of(code, 403, 'forbidden', diagnostics);
  }
}
