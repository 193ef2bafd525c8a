// OAuth 2.0 errors (RFC 6749 5.2, RFC 7591 3.2.2, RFC 6750 3.1): the token, registration and client
// endpoints answer `{error, error_description}` rather than an OperationOutcome.

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_client_metadata'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'not_found'
  | 'slow_down'
  | 'unsupported_token_type';

export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
    this.name = 'OAuthError';
  }

  get body(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }

  static badRequest(error: OAuthErrorCode, description: string): OAuthError {
    return new OAuthError(400, error, description);
  }

  /** Haven policy: invalid_client answers 401 (reference/smart-scopes.md 5.6). */
  static invalidClient(description: string): OAuthError {
    return new OAuthError(401, 'invalid_client', description);
  }
}
