/**
 * Runs in the browser (Swagger UI serializes it with toString, so it must be self-contained):
 * a successful login, registration or refresh tried out in the UI authorizes the page with the
 * returned access token, which persistAuthorization keeps across reloads.
 */
interface SwaggerUi {
  preauthorizeApiKey(name: string, value: string): void;
  authActions: { persistAuthorizationIfNeeded(): void };
}

export function authorizeSwaggerUiFromLogin(response: {
  url: string;
  ok: boolean;
  body?: { accessToken?: unknown };
}): unknown {
  const token = response.ok && response.body ? response.body.accessToken : undefined;
  if (typeof token === 'string' && /\/v1\/auth\/(login|register|refresh)$/.test(new URL(response.url).pathname)) {
    const ui = (globalThis as unknown as { ui: SwaggerUi }).ui;
    ui.preauthorizeApiKey('bearer', token);
    // preauthorize does not store the token itself; this keeps it in localStorage for reloads.
    ui.authActions.persistAuthorizationIfNeeded();
  }
  return response;
}

export const SWAGGER_UI_OPTIONS = {
  persistAuthorization: true,
  filter: true,
  displayRequestDuration: true,
  tryItOutEnabled: false,
  responseInterceptor: authorizeSwaggerUiFromLogin,
};
