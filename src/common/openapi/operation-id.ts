/** Handler names that say what they do only together with their controller's resource. */
const RESOURCE_VERBS: Record<string, string> = {
  create: 'create',
  list: 'list',
  get: 'get',
  update: 'update',
  replace: 'replace',
  remove: 'delete',
  revoke: 'revoke',
};

function singular(noun: string): string {
  if (noun.endsWith('ies')) return `${noun.slice(0, -3)}y`;
  return noun.endsWith('s') ? noun.slice(0, -1) : noun;
}

/**
 * Readable operationIds for generated clients: `VariablesController.list` is `listVariables`,
 * `.get` is `getVariable`, `.remove` is `deleteVariable`; any other handler name is used as it
 * is (`login`, `listSessions`). Where that reads badly, the handler sets
 * `@ApiOperation({ operationId })`, which wins. Uniqueness is checked by a test.
 */
export function operationIdFor(controllerKey: string, methodKey: string): string {
  const verb = RESOURCE_VERBS[methodKey];
  if (!verb) return methodKey;
  const resource = controllerKey.replace(/Controller$/, '');
  return `${verb}${verb === 'list' ? resource : singular(resource)}`;
}
