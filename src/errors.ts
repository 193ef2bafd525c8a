// FhirError: a failure that the edge turns into an OperationOutcome with an HTTP status.
// It is the shared kernel of every layer: the store throws it for version conflicts and gone
// resources without knowing anything of HTTP beyond the status number the FHIR spec assigns.

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
}

export class FhirError extends Error {
  readonly status: number;
  readonly issues: Issue[];
  /** Extra response headers, e.g. WWW-Authenticate on 401. */
  readonly headers: Record<string, string>;

  constructor(status: number, issues: Issue[] | Issue, headers: Record<string, string> = {}) {
    const list = Array.isArray(issues) ? issues : [issues];
    super(list.map((i) => i.diagnostics).join('; '));
    this.name = 'FhirError';
    this.status = status;
    this.issues = list;
    this.headers = headers;
  }

  static of(status: number, code: IssueCode, diagnostics: string, expression?: string[]): FhirError {
    return new FhirError(status, { severity: 'error', code, diagnostics, ...(expression ? { expression } : {}) });
  }

  static badRequest(diagnostics: string, expression?: string[]): FhirError {
    return FhirError.of(400, 'invalid', diagnostics, expression);
  }

  static unprocessable(diagnostics: string, expression?: string[]): FhirError {
    return FhirError.of(422, 'invalid', diagnostics, expression);
  }

  static notFound(diagnostics: string): FhirError {
    return FhirError.of(404, 'not-found', diagnostics);
  }

  static gone(diagnostics: string): FhirError {
    return FhirError.of(410, 'deleted', diagnostics);
  }

  static preconditionFailed(diagnostics: string): FhirError {
    return FhirError.of(412, 'conflict', diagnostics);
  }

  static conflict(diagnostics: string): FhirError {
    return FhirError.of(409, 'conflict', diagnostics);
  }

  static notSupported(diagnostics: string, status = 501): FhirError {
    return FhirError.of(status, 'not-supported', diagnostics);
  }

  static forbidden(diagnostics: string): FhirError {
    return FhirError.of(403, 'forbidden', diagnostics);
  }
}
