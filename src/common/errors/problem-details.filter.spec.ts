import { BadRequestException, NotFoundException } from '@nestjs/common';
import { Prisma } from '../../generated/prisma/client';
import { AppException, orNotFound } from './app-exception';
import { ProblemDetailsFilter } from './problem-details.filter';

const prismaError = (code: string, meta?: Record<string, unknown>) =>
  new Prisma.PrismaClientKnownRequestError('raw message with SQL', { code, clientVersion: 'test', meta });

describe('ProblemDetailsFilter.toProblem', () => {
  const filter = new ProblemDetailsFilter();

  it('maps Prisma P2002 to 409 DUPLICATE without leaking the raw message', () => {
    const problem = filter.toProblem(prismaError('P2002', { target: ['orgId', 'key'] }), 'req-1');
    expect(problem).toMatchObject({
      status: 409,
      code: 'DUPLICATE',
      requestId: 'req-1',
      type: 'urn:orgbase:problem:duplicate',
    });
    expect(problem.detail).toBe('A record with this key already exists');
  });

  it('names the field from the index when the adapter only reports the constraint (PostgreSQL)', () => {
    const meta = {
      driverAdapterError: { cause: { table: 'variables', constraint: { index: 'variables_orgId_key_key' } } },
    };
    expect(filter.toProblem(prismaError('P2002', meta), 'r').detail).toBe('A record with this key already exists');
  });

  it('maps Prisma P2003 (a restricted delete) to 409 IN_USE', () => {
    expect(filter.toProblem(prismaError('P2003'), 'r')).toMatchObject({ status: 409, code: 'IN_USE' });
  });

  it('maps Prisma P2025 to 404 NOT_FOUND', () => {
    expect(filter.toProblem(prismaError('P2025'), 'r')).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('maps transaction start timeouts (P2028) to 503 UNAVAILABLE', () => {
    expect(filter.toProblem(prismaError('P2028'), 'r')).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
  });

  it('keeps an AppException code, detail and field errors', () => {
    const problem = filter.toProblem(
      new AppException('VALIDATION_FAILED', 'bad', [{ field: 'name', messages: ['required'] }]),
      'r',
    );
    expect(problem).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: 'bad',
      errors: [{ field: 'name', messages: ['required'] }],
    });
  });

  it('maps Nest HTTP exceptions by status', () => {
    expect(filter.toProblem(new NotFoundException('gone'), 'r')).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      detail: 'gone',
    });
    expect(filter.toProblem(new BadRequestException(['a', 'b']), 'r')).toMatchObject({ status: 400, detail: 'a; b' });
  });

  it('hides unknown errors behind 500 INTERNAL', () => {
    const problem = filter.toProblem(new Error('connection string postgres://secret'), 'r');
    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL', detail: 'An unexpected error occurred' });
  });
});

describe('ProblemDetailsFilter unique-violation detail', () => {
  const filter = new ProblemDetailsFilter();
  const withMessage = (message: string) =>
    new Prisma.PrismaClientKnownRequestError('x', {
      code: 'P2002',
      clientVersion: 'test',
      meta: { driverAdapterError: { cause: { originalMessage: message } } },
    });

  it.each([
    [
      'duplicate key value violates unique constraint "variables_orgId_key_key"',
      'A record with this key already exists',
    ],
    [
      'duplicate key value violates unique constraint "organizations_slug_key"',
      'A record with this slug already exists',
    ],
    [
      'duplicate key value violates unique constraint "service_api_keys_keyHash_key"',
      'A record with this keyHash already exists',
    ],
    ['something else entirely', 'A record with these values already exists'],
  ])('reads the fields from the database message (embedded adapter): %s', (message, detail) => {
    expect(filter.toProblem(withMessage(message), 'r').detail).toBe(detail);
  });
});

describe('orNotFound', () => {
  it('gives back what a lookup found, and is 404 naming the resource otherwise', () => {
    const row = { id: '1' };
    expect(orNotFound(row, 'Thing')).toBe(row);
    expect(orNotFound(0, 'Count')).toBe(0);
    for (const missing of [null, undefined]) {
      expect(() => orNotFound(missing, 'Thing')).toThrow(
        expect.objectContaining({ status: 404, code: 'NOT_FOUND', detail: 'Thing not found' }),
      );
    }
  });

  it('428 PRECONDITION_REQUIRED renders as a problem with its own code', () => {
    const problem = new ProblemDetailsFilter().toProblem(
      new AppException('PRECONDITION_REQUIRED', 'send If-Match'),
      'r',
    );
    expect(problem).toMatchObject({ status: 428, code: 'PRECONDITION_REQUIRED', title: 'Precondition required' });
  });
});
