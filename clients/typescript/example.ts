/**
 * The typed client at work against a running server (CI runs it; `npm run client:example`):
 * registers a user, signs in, creates an organization and a variable, lists the variables,
 * and reads the 409 problem of creating the same variable again.
 *   ORGBASE_URL=http://localhost:3000 npm run client:example
 */
import { createClient, type ErrorCode } from './index';

const baseUrl = process.env.ORGBASE_URL ?? 'http://localhost:3000';

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function main(): Promise<void> {
  const api = createClient({ baseUrl });
  const email = `client-example-${Date.now()}@example.com`;
  const password = 'correct horse battery';

  const registered = await api.POST('/v1/auth/register', { body: { email, password, name: 'Client Example' } });
  check(registered.data, `register failed: ${registered.error?.code}`);

  const login = await api.POST('/v1/auth/login', { body: { email, password } });
  check(login.data, `login failed: ${login.error?.code}`);
  const me = createClient({ baseUrl, token: login.data.accessToken });

  const org = await me.POST('/v1/orgs', { body: { name: 'Client Example Org' } });
  check(org.data, `createOrganization failed: ${org.error?.code}`);
  const orgId = org.data.id;

  const variable = { key: 'company_name', value: 'Acme Labs' };
  const created = await me.POST('/v1/orgs/{orgId}/variables', { params: { path: { orgId } }, body: variable });
  check(created.data, `createVariable failed: ${created.error?.code}`);

  const listed = await me.GET('/v1/orgs/{orgId}/variables', { params: { path: { orgId }, query: { limit: 10 } } });
  check(listed.data, `listVariables failed: ${listed.error?.code}`);
  check(
    listed.data.data.some((row) => row.key === variable.key),
    'the new variable is not in the list',
  );

  const again = await me.POST('/v1/orgs/{orgId}/variables', { params: { path: { orgId } }, body: variable });
  check(again.error, 'creating the same key twice succeeded');
  const code: ErrorCode = again.error.code;
  check(
    again.response.status === 409 && code === 'DUPLICATE',
    `expected 409 DUPLICATE, got ${again.response.status} ${code}`,
  );

  console.log(
    `client example: registered ${email}, created ${variable.key} in ${orgId}, listed ${listed.data.data.length}, ` +
      `duplicate answered ${again.response.status} ${code} (${again.error.detail})`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
