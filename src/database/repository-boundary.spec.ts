import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The lint rules of the database boundary (eslint.config.mjs): the generated Prisma client, its
 * models and DbContext.client only in repositories, src/database/, the error filter and tests.
 * Each case is a snippet linted with the project's real config as if it stood at `filePath`.
 */
interface LintCase {
  filePath: string;
  code: string;
}

const ROOT = join(__dirname, '..', '..');

// Paths that do not exist are outside every tsconfig project; the default project types them.
const PROBE_PATHS = ['src/modules/probe/*.ts', 'src/common/probe/*.ts', 'src/database/probe.ts', 'test/probe/*.ts'];

// ESLint loads its config with import(), which Jest's module system does not run: lint in a child.
const LINT_SCRIPT = `
import { readFileSync } from 'node:fs';
import { ESLint } from 'eslint';
const cases = JSON.parse(readFileSync(0, 'utf8'));
const BOUNDARY_RULES = ['no-restricted-imports', 'orgbase/no-db-client'];
const eslint = new ESLint({
  overrideConfig: {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ${JSON.stringify(PROBE_PATHS)}, defaultProject: 'tsconfig.json' } },
    },
  },
});
const results = [];
for (const { filePath, code } of cases) {
  const [result] = await eslint.lintText(code, { filePath });
  // Only the boundary's rules (and fatal errors): the snippets leave their imports unused.
  const kept = result.messages.filter((m) => m.ruleId === null || BOUNDARY_RULES.includes(m.ruleId));
  results.push(kept.map((m) => m.ruleId ?? m.message));
}
process.stdout.write(JSON.stringify(results));
`;

function lintAll(cases: LintCase[]): string[][] {
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', LINT_SCRIPT], {
    cwd: ROOT,
    input: JSON.stringify(cases),
    encoding: 'utf8',
  });
  return JSON.parse(output) as string[][];
}

const SERVICE = 'src/modules/probe/probe.service.ts';
const REPOSITORY = 'src/modules/probe/probe.repository.ts';
const COMMON = 'src/common/probe/probe.guard.ts';
const DATABASE = 'src/database/probe.ts';
const ERROR_FILTER = 'src/common/errors/problem-details.filter.ts';
const TEST_SUPPORT = 'test/probe/probe.ts';

/** One import per line: a restricted import is reported once per line. */
const RESTRICTED_IMPORTS = [
  "import type { User } from '../../generated/prisma/client';",
  "import type { UserModel } from '../../generated/prisma/models/User';",
  "import type * as models from '../../generated/prisma/models';",
  "import type { Prisma } from '../../generated/prisma/internal/prismaNamespace';",
  "import type * as browser from '../../generated/prisma/browser';",
  "import type { PrismaClient } from '@prisma/client';",
  "import type { PrismaPg } from '@prisma/adapter-pg';",
  "import type { PrismaService } from '../../database/prisma.service';",
];
const importsCode = (imports: string[]) => `${imports.join('\n')}\nexport type Probe = unknown;\n`;

const ENUM_IMPORT =
  "import { MemberRole } from '../../generated/prisma/enums';\nexport const role = MemberRole.OWNER;\n";

const CLIENT_USE = `
import { DbContext } from '../../database/db-context';

export class Probe {
  constructor(private readonly db: DbContext) {}

  count(): Promise<number> {
    return this.db.client.user.count();
  }

  destructured(): unknown {
    const { client } = this.db;
    return client;
  }

  computed(db: DbContext): unknown {
    return db['client'];
  }
}
`;

/** What services may do with DbContext: open or widen a scope, defer an effect. */
const SCOPE_USE = `
import { DbContext } from '../../database/db-context';

export class Probe {
  constructor(private readonly db: DbContext) {}

  scoped(orgId: string): Promise<number> {
    this.db.afterCommit(() => undefined);
    return this.db.run({ orgId }, () => this.db.asPlatformAdmin(async () => 1));
  }

  /** Another object's \`client\` is no database. */
  other(http: { client: string }): string {
    return http.client;
  }
}
`;

describe('database boundary lint rules', () => {
  const cases: Record<string, LintCase> = {
    serviceImports: { filePath: SERVICE, code: importsCode(RESTRICTED_IMPORTS) },
    commonImports: { filePath: COMMON, code: importsCode(RESTRICTED_IMPORTS) },
    repositoryImports: { filePath: REPOSITORY, code: importsCode(RESTRICTED_IMPORTS) },
    databaseImports: {
      filePath: DATABASE,
      code: importsCode(RESTRICTED_IMPORTS.map((line) => line.replace('../../', '../'))),
    },
    filterImports: { filePath: ERROR_FILTER, code: importsCode(RESTRICTED_IMPORTS) },
    testImports: { filePath: TEST_SUPPORT, code: importsCode(RESTRICTED_IMPORTS) },
    serviceEnums: { filePath: SERVICE, code: ENUM_IMPORT },
    serviceClient: { filePath: SERVICE, code: CLIENT_USE },
    commonClient: { filePath: COMMON, code: CLIENT_USE },
    repositoryClient: { filePath: REPOSITORY, code: CLIENT_USE },
    testClient: { filePath: TEST_SUPPORT, code: CLIENT_USE },
    serviceScope: { filePath: SERVICE, code: SCOPE_USE },
  };
  let found: Record<string, string[]>;

  beforeAll(() => {
    const names = Object.keys(cases);
    const results = lintAll(names.map((name) => cases[name]!));
    found = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
  }, 120_000);

  it('refuses the client, its models, internals, the adapter and PrismaService outside repositories', () => {
    const expected = RESTRICTED_IMPORTS.map(() => 'no-restricted-imports');
    expect(found.serviceImports).toEqual(expected);
    expect(found.commonImports).toEqual(expected);
  });

  it('lets repositories, src/database/, the error filter and tests import them', () => {
    expect(found.repositoryImports).toEqual([]);
    expect(found.databaseImports).toEqual([]);
    expect(found.filterImports).toEqual([]);
    expect(found.testImports).toEqual([]);
  });

  it('lets generated enums be imported anywhere', () => {
    expect(found.serviceEnums).toEqual([]);
  });

  it('refuses DbContext.client outside repositories: member, destructured and computed', () => {
    const expected = ['orgbase/no-db-client', 'orgbase/no-db-client', 'orgbase/no-db-client'];
    expect(found.serviceClient).toEqual(expected);
    expect(found.commonClient).toEqual(expected);
  });

  it('lets repositories and tests read DbContext.client', () => {
    expect(found.repositoryClient).toEqual([]);
    expect(found.testClient).toEqual([]);
  });

  it("lets services use DbContext's run, asPlatformAdmin and afterCommit, and other objects' client", () => {
    expect(found.serviceScope).toEqual([]);
  });
});
