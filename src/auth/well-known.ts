// The addresses of SMART's public discovery documents. Here, below both rooms, because auth/'s CORS
// policy opens them to any origin and oauth/ serves them.
export const SMART_CONFIGURATION_PATH = '/fhir/.well-known/smart-configuration';
export const JWKS_PATH = '/fhir/.well-known/jwks.json';
export const OPENID_CONFIGURATION_PATH = '/fhir/.well-known/openid-configuration';
