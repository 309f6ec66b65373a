/**
 * The database boundary (DESIGN.md, "Layout"): repositories are the only users of Prisma. This
 * plugin's rule covers what an import restriction cannot see: reading `DbContext.client` (the
 * request's Prisma transaction) through an injected DbContext. Services keep `run`,
 * `asPlatformAdmin` and `afterCommit`, which open or widen a scope without touching Prisma.
 */
const noDbClient = {
  meta: {
    type: 'problem',
    docs: { description: 'Only repositories and src/database/ read DbContext.client' },
    messages: {
      client:
        'DbContext.client is the Prisma transaction: only *.repository.ts and src/database/ use it. ' +
        'Add a repository method that returns a module-owned type.',
    },
    schema: [],
  },
  create(context) {
    const services = context.sourceCode.parserServices;
    // Type information tells a DbContext from any other object with a `client`.
    if (!services?.program) return {};
    const isDbContext = (node) => {
      const type = services.getTypeAtLocation(node);
      return (type.isUnion() ? type.types : [type]).some((part) => part.getSymbol()?.getName() === 'DbContext');
    };
    const isClientKey = (key, computed) =>
      computed ? key.type === 'Literal' && key.value === 'client' : key.type === 'Identifier' && key.name === 'client';
    const report = (node) => context.report({ node, messageId: 'client' });
    return {
      MemberExpression(node) {
        if (isClientKey(node.property, node.computed) && isDbContext(node.object)) report(node);
      },
      // const { client } = this.db
      'VariableDeclarator > ObjectPattern > Property'(node) {
        const init = node.parent.parent.init;
        if (init && isClientKey(node.key, node.computed) && isDbContext(init)) report(node);
      },
    };
  },
};

export default { rules: { 'no-db-client': noDbClient } };
